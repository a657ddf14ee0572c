//! `alias`, after the functions' layers: for each function whose layers step succeeded, a
//! function version that holds the new layer list (one the alias already routes to, or one
//! published now, never two), then the alias moved to it: made its main version at
//! `alias-weight: 100`, its canary below. A dry run reads (GetAlias, GetFunction at a
//! version) and says what it would do.

use std::collections::BTreeMap;

use super::calls::Calls;
use super::function_scan::layers_of;
use super::function_versions;
use crate::client::{self, ClientError};
use crate::fc::{Alias, AliasName, ApiRequest, FunctionName, FunctionVersion};
use crate::http::Transport;
use crate::release::{AliasStep, Routing, VersionChoice, alias_change, choose_version};
use crate::report::Reporter;
use crate::report::buffered::Buffered;
use crate::rollout::{AliasState, FunctionResult, FunctionStatus, Release, TargetVersion};

/// What every function's release shares.
pub(crate) struct ReleasePlan<'a> {
    pub(crate) alias: &'a AliasName,
    /// The new version's share of the alias's traffic, in percent.
    pub(crate) weight: u8,
    /// The layer version the functions were moved to, named in the versions' description.
    pub(crate) target: &'a TargetVersion,
    pub(crate) layer_name: &'a str,
    pub(crate) dry_run: bool,
}

/// Releases every function of `results` whose layers step succeeded, one after another
/// (each function's calls depend on the one before); a failure marks that function failed.
pub(crate) async fn release_all<T: Transport>(
    calls: &Calls<'_, T>,
    plan: &ReleasePlan<'_>,
    results: &mut [FunctionResult],
    reporter: &mut impl Reporter,
) {
    for result in results.iter_mut() {
        // Only a function FC reports `Successful` on the new list gets a version.
        if result.status.error().is_some() {
            continue;
        }
        let Some(wanted) = result.layers_after.clone() else {
            continue;
        };
        let mut log = Buffered::default();
        let mut release = Release {
            function_version: None,
            published: false,
            alias: plan.alias.clone(),
            before: None,
            after: None,
            version_layers: Vec::new(),
        };
        if let Err(reason) = one(calls, &result.name, &wanted, plan, &mut release, &mut log).await {
            log.warning(&format!("function {}: {reason}", result.name));
            result.status = FunctionStatus::Failed(reason);
        }
        log.replay(reporter);
        result.release = Some(release);
    }
}

/// One function: its alias read, the version chosen (or published), the alias moved.
async fn one<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    wanted: &[String],
    plan: &ReleasePlan<'_>,
    release: &mut Release,
    log: &mut Buffered,
) -> Result<(), String> {
    let current = get_alias(calls, name, plan.alias, log).await?;
    release.before = current.as_ref().map(state_of);
    let mut known = BTreeMap::new();
    if let Some(alias) = &current {
        for version in routed(alias) {
            let layers = layers_of(calls, name, Some(version), log).await;
            known.insert(version, layers.map_err(|error| error.to_string())?);
        }
    }
    release.version_layers = known.clone().into_iter().collect();
    let choice = choose_version(
        current.as_ref(),
        |version| known.get(&version).map(Vec::as_slice),
        wanted,
    );
    let version = match choice {
        VersionChoice::Reuse { version, role } => {
            log.info(&format!(
                "function {name}: version {version} ({role} of alias {}) already has the new layers; no version published",
                plan.alias
            ));
            version
        }
        VersionChoice::Publish { reason } if plan.dry_run => {
            log.info(&format!(
                "Dry run: function {name} would publish a version ({reason}) and move alias {} to it at {}%",
                plan.alias, plan.weight
            ));
            return Ok(());
        }
        VersionChoice::Publish { reason } => {
            log.info(&format!("function {name}: publishing a version ({reason})"));
            let description = format!(
                "{} version {} (fc-layer-action)",
                plan.layer_name, plan.target.version
            );
            let version =
                function_versions::publish_once(calls, name, wanted, &description, log).await?;
            release.published = true;
            release.version_layers.push((version, wanted.to_vec()));
            version
        }
    };
    release.function_version = Some(version);
    move_alias(calls, name, plan, current.as_ref(), version, release, log).await
}

/// The alias moved to `version` as `alias-weight` says, or left when already there.
async fn move_alias<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    plan: &ReleasePlan<'_>,
    current: Option<&Alias>,
    version: FunctionVersion,
    release: &mut Release,
    log: &mut Buffered,
) -> Result<(), String> {
    let change = alias_change(current, version, plan.weight);
    if let Some(note) = &change.note {
        log.info(&format!("function {name}: alias {}: {note}", plan.alias));
    }
    let routing = match change.step {
        AliasStep::Nothing => {
            log.info(&format!(
                "function {name}: alias {} is already where it should be; nothing sent",
                plan.alias
            ));
            release.after = release.before.clone();
            return Ok(());
        }
        AliasStep::Create(routing) | AliasStep::Update(routing) => routing,
    };
    let said = describe(&routing);
    if plan.dry_run {
        log.info(&format!(
            "Dry run: function {name}: alias {} would route {said}",
            plan.alias
        ));
    } else {
        let created = matches!(change.step, AliasStep::Create(_));
        let alias = write_alias(calls, name, plan.alias, routing, created, log).await?;
        // FC leaves undocumented whether `{}` clears a canary: what it answers is checked.
        if !routing.is(&alias) {
            return Err(format!(
                "alias {} was to route {said}, but FC answers main version {} with {:?}",
                plan.alias, alias.version_id, alias.additional_version_weight
            ));
        }
        log.info(&format!(
            "function {name}: alias {} now routes {said}",
            plan.alias
        ));
    }
    release.after = Some(AliasState {
        version: routing.main,
        weights: routing.weights(),
    });
    Ok(())
}

/// CreateAlias or UpdateAlias, both safe to repeat. A CreateAlias told the alias exists
/// (another run, or a lost reply of this one's) updates it instead.
async fn write_alias<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    alias: &AliasName,
    routing: Routing,
    create: bool,
    log: &mut Buffered,
) -> Result<Alias, String> {
    let weights = routing.weights();
    let encode = |error: serde_json::Error| format!("cannot encode the alias: {error}");
    if create {
        let request =
            ApiRequest::create_alias(name, alias, routing.main, &weights).map_err(encode)?;
        match calls.send(&request, log).await {
            Ok(body) => return client::parse(request.action, &body).map_err(|e| e.to_string()),
            Err(ClientError::Service { error, .. }) if error.code == "AliasAlreadyExists" => {
                log.info(&format!(
                    "function {name}: alias {alias} exists already (created meanwhile, or by an attempt whose reply was lost): updating it"
                ));
            }
            Err(error) => return Err(error.to_string()),
        }
    }
    let request = ApiRequest::update_alias(name, alias, routing.main, &weights).map_err(encode)?;
    let body = calls.send(&request, log).await.map_err(|e| e.to_string())?;
    client::parse(request.action, &body).map_err(|e| e.to_string())
}

/// GetAlias; `None` when FC answers `AliasNotFound`.
async fn get_alias<T: Transport>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    alias: &AliasName,
    log: &mut Buffered,
) -> Result<Option<Alias>, String> {
    let request = ApiRequest::get_alias(name, alias);
    match calls.send(&request, log).await {
        Ok(body) => client::parse(request.action, &body)
            .map(Some)
            .map_err(|error| error.to_string()),
        Err(ClientError::Service { error, .. }) if error.code == "AliasNotFound" => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

/// The versions an alias routes to: its main one, then its canary.
fn routed(alias: &Alias) -> impl Iterator<Item = FunctionVersion> + '_ {
    std::iter::once(alias.version_id).chain(alias.additional_version_weight.keys().copied())
}

fn state_of(alias: &Alias) -> AliasState {
    AliasState {
        version: alias.version_id,
        weights: alias.additional_version_weight.clone(),
    }
}

/// `all traffic to version 7`, or `90% to version 6 and 10% to version 7`.
fn describe(routing: &Routing) -> String {
    match routing.canary {
        None => format!("all traffic to version {}", routing.main),
        Some(canary) => format!(
            "{}% to version {} and {}% to version {}",
            100 - u32::from(canary.percent),
            routing.main,
            canary.percent,
            canary.version
        ),
    }
}
