//! FC 3.0's function calls over functions seeded at start, for the rollout: GetFunction and
//! UpdateFunction. Each function has layers and a few other settings, which UpdateFunction
//! keeps; an update is `InProgress` for the configured delay, then `Successful`, or
//! `Failed` with a reason for the functions told to fail.

mod record;
mod route;
mod seeds;
mod update;

use std::collections::BTreeMap;
use std::time::Duration;

use fc_layer_action::fc::ServiceError;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::store::Store;
use record::{FunctionRecord, Records, describe, find, settle, status};
use route::Call;
pub use route::{Route, route};
pub use seeds::FunctionSeed;

/// How the functions behave: the seeds, how long an update takes, which updates fail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionsConfig {
    pub seeds: Vec<FunctionSeed>,
    /// How long an update stays `InProgress`.
    pub update_delay: Duration,
    /// Functions whose updates end `Failed`, with the `lastUpdateStatusReason`.
    pub failing: Vec<(String, String)>,
    /// Refuse UpdateFunction bodies with fields other than `layers`.
    pub strict_update: bool,
}

pub struct Functions {
    records: Records,
    update_delay: Duration,
    failing: BTreeMap<String, String>,
    strict_update: bool,
}

impl Functions {
    pub fn new(config: FunctionsConfig, region: &str, account_id: &str) -> Self {
        let records = config
            .seeds
            .into_iter()
            .map(|seed| {
                let name = seed.name.clone();
                (name, FunctionRecord::seeded(seed, region, account_id))
            })
            .collect();
        Self {
            records,
            update_delay: config.update_delay,
            failing: config.failing.into_iter().collect(),
            strict_update: config.strict_update,
        }
    }

    /// Every function: layers, status and how many updates it took, for `/_local/state`.
    pub fn snapshot(&mut self) -> Value {
        let now = Instant::now();
        let mut all = Map::new();
        for (name, record) in &mut self.records {
            settle(record, now);
            let (status, _) = status(record, now);
            let mut value = Value::Object(record.settings.clone());
            value["layers"] = json!(record.layers);
            value["lastUpdateStatus"] = json!(status);
            value["updates"] = json!(record.updates);
            all.insert(name.clone(), value);
        }
        Value::Object(all)
    }

    pub fn answer(
        &mut self,
        route: Route<'_>,
        body: &[u8],
        store: &Store,
        now: OffsetDateTime,
    ) -> Result<(u16, Option<Value>), ServiceError> {
        let instant = Instant::now();
        match route.call {
            Call::Get(name) => {
                let record = find(&mut self.records, name)?;
                settle(record, instant);
                Ok((200, Some(describe(record, store, instant))))
            }
            Call::Update(name) => {
                let body = update::check_body(body, self.strict_update, store)?;
                let outcome = update::Outcome {
                    delay: self.update_delay,
                    failure: self.failing.get(name).cloned(),
                };
                let record = find(&mut self.records, name)?;
                update::apply(record, body, outcome, instant, now);
                Ok((200, Some(describe(record, store, instant))))
            }
        }
    }
}
