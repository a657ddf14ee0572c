//! FC 3.0's function calls over functions seeded at start, every one signed and checked
//! like the layer calls, with FC's semantics and error codes (FC 3.0 errors:
//! `{"code", "message", "requestId"}` with the status):
//!
//! - ListFunctions: GET `/2023-03-30/functions`, query `limit` (1 to 100, default 20),
//!   `nextToken`, `prefix`, `fcVersion`; `{"functions": [Function…], "nextToken"}`.
//! - GetFunction: GET `…/functions/{fn}`, query `qualifier` (a version id, an alias, or
//!   LATEST when absent or `LATEST`); `Function`.
//! - UpdateFunction: PUT `…/functions/{fn}`, body: the fields to change; `Function`.
//! - PublishFunctionVersion: POST `…/functions/{fn}/versions`, body `{"description"}`;
//!   `Version` `{"versionId", "description", "createdTime", "lastModifiedTime"}`.
//! - ListFunctionVersions: GET `…/functions/{fn}/versions`, query `direction` (`BACKWARD`,
//!   the default, or `FORWARD`), `limit`, `nextToken`; `{"versions", "direction",
//!   "nextToken"}`.
//! - GetAlias: GET `…/functions/{fn}/aliases/{alias}`; `Alias` `{"aliasName", "versionId",
//!   "additionalVersionWeight", "description", "createdTime", "lastModifiedTime"}`.
//! - CreateAlias: POST `…/functions/{fn}/aliases`, body `{"aliasName", "versionId",
//!   "description", "additionalVersionWeight"}`; `Alias`.
//! - UpdateAlias: PUT `…/functions/{fn}/aliases/{alias}`, body `{"versionId",
//!   "description", "additionalVersionWeight"}`; `Alias`.
//!
//! Bad queries and bodies are 400 `InvalidArgument`; an unknown function is 404
//! `FunctionNotFound` on every call.
//!
//! - An update is `InProgress` for the configured delay, then `Successful`, or `Failed` with
//!   a reason for the functions told to fail (their layers are then put back), or for the
//!   first updates of a flaky function ([`FlakyUpdate`]: the new layers stay listed).
//! - ListFunctions lists in name order; `nextToken` is the name the next page starts at, and
//!   is absent on the last page. It lists the subset of fields FC documents (no `state`, no
//!   `lastUpdateStatus*`); the fault `list_without_layers` leaves `layers` out too. A
//!   function is FC 3.0 unless seeded as FC 2.0; `fcVersion=v3` lists FC 3.0 ones only,
//!   `v2` FC 2.0 ones only, empty or absent both.
//! - A version is an immutable snapshot of LATEST's settings and layers as they are when it
//!   is published (during an update: the new layers); numbers count from 1 and are never
//!   reused. `nextToken` of ListFunctionVersions is the id the next page starts at.
//! - **Publishing when nothing changed** (LATEST's layers and settings, but for
//!   `lastModifiedTime`, are the newest version's) is answered 400 `VersionPublishError`,
//!   "can not publish version for function '…', detail: 'No changes were made since last
//!   publish'". FC documents none of this. The code is what FC 3.0 client code found in
//!   public repositories matches (a TypeScript CLI and a Python deploy script test
//!   `code == "VersionPublishError"`, the CLI also the message's "No changes were made
//!   since last publish", as Serverless Devs users' scripts around `s cli fc3 version
//!   publish` do); the message's wording follows FC 2.0's PublishServiceVersion, as Go
//!   clients quote it. The status 400 is a guess.
//! - Aliases: a name of 1 to 128 letters, digits, `_` or `-`, not starting with a digit or
//!   `-`, not `LATEST` (else 400 `InvalidArgument`); a main version and at most one canary
//!   in `additionalVersionWeight`, another published version with a share strictly between
//!   0 and 1 (else 400 `InvalidArgument`). Errors: 404 `FunctionNotFound`, 404
//!   `AliasNotFound`, 409 `AliasAlreadyExists`, 404 `VersionNotFound` (a version the alias
//!   names does not exist). UpdateAlias with `"additionalVersionWeight": {}` clears the
//!   canary; leaving the field out (or `null`) keeps it.
//! - Strict mode (`strict_update`) refuses body fields a call does not take: UpdateFunction
//!   anything but `layers`, PublishFunctionVersion anything but `description`, the alias
//!   calls anything their input does not have. Outside strict mode they are ignored, but for
//!   UpdateFunction's, which change the function's settings as FC changes them.
//! - Not served: DeleteFunctionVersion, ListAliases, DeleteAlias. ListFunctions' other
//!   filters (`description`, `runtime`, `gpuType`, `tags`, …) are ignored.

mod aliases;
mod flaky;
mod listing;
mod record;
mod route;
mod seeds;
mod update;
mod versions;
pub mod view;
mod wire;

#[cfg(test)]
mod alias_tests;
#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;
use std::time::Duration;

use fc_layer_action::fc::ServiceError;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::store::Store;
pub use flaky::FlakyUpdate;
use record::{FunctionRecord, Records, describe, describe_version, find, settle, status};
use route::Call;
pub(crate) use route::{Route, route};
pub use seeds::{AliasSeed, FunctionSeed, VersionSeed};

/// How the functions behave: the seeds, how long an update takes, which updates fail.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionsConfig {
    /// FC 3.0 functions.
    pub seeds: Vec<FunctionSeed>,
    /// FC 2.0 functions, which ListFunctions with `fcVersion=v3` leaves out.
    pub fc2_seeds: Vec<FunctionSeed>,
    /// Published versions of seeded functions, in order: each is its function's next one.
    pub version_seeds: Vec<VersionSeed>,
    /// Aliases of seeded versions.
    pub alias_seeds: Vec<AliasSeed>,
    /// How long an update stays `InProgress`.
    pub update_delay: Duration,
    /// Functions whose updates end `Failed`, with the `lastUpdateStatusReason`.
    pub failing: Vec<(String, String)>,
    /// Functions whose first updates end `Failed` with the new layers left listed.
    pub flaky: Vec<FlakyUpdate>,
    /// Refuse body fields a call does not take (UpdateFunction: all but `layers`).
    pub strict_update: bool,
    /// The fault: ListFunctions leaves `layers` out of every function, as FC may.
    pub list_without_layers: bool,
}

impl FunctionsConfig {
    /// Whether the seeds hold together (each version's and alias's function seeded, each
    /// alias valid), with the error [`Functions::new`] would give.
    pub(crate) fn check(&self) -> Result<(), String> {
        Functions::new(self.clone(), "cn-hangzhou", "0").map(|_| ())
    }
}

pub(crate) struct Functions {
    records: Records,
    update_delay: Duration,
    failing: BTreeMap<String, String>,
    flaky: flaky::Flaky,
    strict_update: bool,
    list_without_layers: bool,
}

impl Functions {
    /// The seeded functions, then their versions, then their aliases; an error names the
    /// seed that does not hold.
    pub(crate) fn new(
        config: FunctionsConfig,
        region: &str,
        account_id: &str,
    ) -> Result<Self, String> {
        let fc3 = config.seeds.into_iter().map(|seed| (seed, false));
        let fc2 = config.fc2_seeds.into_iter().map(|seed| (seed, true));
        let mut records: Records = fc3
            .chain(fc2)
            .map(|(seed, fc2)| {
                let name = seed.name.clone();
                (name, FunctionRecord::seeded(seed, fc2, region, account_id))
            })
            .collect();
        let now = OffsetDateTime::now_utc();
        for seed in config.version_seeds {
            let record = find(&mut records, &seed.function).map_err(|_| {
                format!(
                    "--function-version: no function {} is seeded",
                    seed.function
                )
            })?;
            let layers = std::mem::replace(&mut record.layers, seed.layers);
            versions::snapshot(record, "seeded by fc-local".to_owned(), now);
            record.layers = layers;
        }
        for seed in &config.alias_seeds {
            let record = find(&mut records, &seed.function)
                .map_err(|_| format!("--alias: no function {} is seeded", seed.function))?;
            aliases::seed(record, seed, now)
                .map_err(|error| format!("--alias: {}", error.message))?;
        }
        Ok(Self {
            records,
            update_delay: config.update_delay,
            failing: config.failing.into_iter().collect(),
            flaky: flaky::Flaky::new(config.flaky),
            strict_update: config.strict_update,
            list_without_layers: config.list_without_layers,
        })
    }

    /// Every function: layers, status, how many updates it took, its FC version, versions
    /// and aliases, for `/_local/state` (and [`view`], which reads them back).
    pub(crate) fn snapshot(&mut self) -> Value {
        let now = Instant::now();
        let mut all = Map::new();
        for (name, record) in &mut self.records {
            settle(record, now);
            let (status, _) = status(record, now);
            let mut value = Value::Object(record.settings.clone());
            value["layers"] = json!(record.layers);
            value["lastUpdateStatus"] = json!(status);
            if let Some(update) = &record.update {
                value["layersBeforeUpdate"] = json!(update.from);
            }
            value["updates"] = json!(record.updates);
            value["fcVersion"] = json!(if record.fc2 { "v2" } else { "v3" });
            value["versions"] = view::versions_state(record);
            value["aliases"] = view::aliases_state(record);
            all.insert(name.clone(), value);
        }
        Value::Object(all)
    }

    pub(crate) fn answer(
        &mut self,
        route: Route<'_>,
        body: &[u8],
        store: &Store,
        now: OffsetDateTime,
    ) -> Result<(u16, Option<Value>), ServiceError> {
        let instant = Instant::now();
        let strict = self.strict_update;
        let query = &route.query;
        let value = match route.call {
            Call::List => {
                let bare = self.list_without_layers;
                listing::list(&mut self.records, query, bare, store, instant)?
            }
            Call::Get(name) => {
                let record = find(&mut self.records, name)?;
                settle(record, instant);
                let qualifier = wire::param(query, "qualifier");
                match versions::resolve(record, name, qualifier)? {
                    Some(version) => describe_version(version, store),
                    None => describe(record, store, instant),
                }
            }
            Call::Update(name) => {
                let body = update::check_body(body, strict, store)?;
                let record = find(&mut self.records, name)?;
                let failing = self.failing.get(name).cloned();
                let flaky = failing.is_none().then(|| self.flaky.take(name)).flatten();
                let outcome = update::Outcome {
                    delay: self.update_delay,
                    restores: failing.is_some(),
                    failure: failing.or(flaky),
                };
                update::apply(record, body, outcome, instant, now);
                describe(record, store, instant)
            }
            Call::Publish(name) => {
                let record = find(&mut self.records, name)?;
                versions::publish(record, name, body, strict, instant, now)?
            }
            Call::ListVersions(name) => versions::list(find(&mut self.records, name)?, query)?,
            Call::GetAlias(name, alias) => {
                aliases::get(find(&mut self.records, name)?, name, alias)?
            }
            Call::CreateAlias(name) => {
                let record = find(&mut self.records, name)?;
                aliases::create(record, name, body, strict, now)?
            }
            Call::UpdateAlias(name, alias) => {
                let record = find(&mut self.records, name)?;
                aliases::update(record, name, alias, body, strict, now)?
            }
        };
        Ok((200, Some(value)))
    }
}
