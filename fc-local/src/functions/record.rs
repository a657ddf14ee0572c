//! A function as the service holds it, and how GetFunction describes it: its settings and
//! layers, its last update (`InProgress` for a while, then `Successful` or `Failed`), its
//! published versions and its aliases.

use std::collections::BTreeMap;

use fc_layer_action::fc::ServiceError;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::seeds::FunctionSeed;
use crate::store::Store;

pub(super) struct Update {
    /// When it stops being `InProgress`.
    pub(crate) done_at: Instant,
    /// `Some(reason)` when it ends `Failed`; the layers before it are then restored.
    pub(crate) failure: Option<String>,
    /// Taken back when a failed update is over (`None` when a failure keeps the new ones).
    pub(crate) previous_layers: Option<Vec<String>>,
    /// The layers before the update, for the state view: what the function is moving off.
    pub(crate) from: Vec<String>,
}

pub(super) struct FunctionRecord {
    /// Everything but the layers and the update state: kept as it is by every update.
    pub(crate) settings: Map<String, Value>,
    pub(crate) layers: Vec<String>,
    pub(crate) update: Option<Update>,
    pub(crate) updates: u32,
    /// Seeded as an FC 2.0 function: ListFunctions with `fcVersion=v3` leaves it out.
    pub(crate) fc2: bool,
    /// The published versions by number, immutable once published.
    pub(crate) versions: BTreeMap<u64, VersionRecord>,
    /// The number the next version gets: numbers are never reused.
    pub(crate) next_version: u64,
    pub(crate) aliases: BTreeMap<String, AliasRecord>,
}

/// A published version: what LATEST was when it was published.
pub(super) struct VersionRecord {
    pub(crate) settings: Map<String, Value>,
    pub(crate) layers: Vec<String>,
    pub(crate) description: String,
    /// `createdTime`, which is also its `lastModifiedTime`.
    pub(crate) created: String,
}

pub(super) struct AliasRecord {
    /// The main version.
    pub(crate) version_id: u64,
    /// The canary: at most one other version, with its share of the traffic.
    pub(crate) weights: BTreeMap<String, f64>,
    pub(crate) description: String,
    pub(crate) created: String,
    pub(crate) modified: String,
}

pub(super) type Records = BTreeMap<String, FunctionRecord>;

impl FunctionRecord {
    /// A seeded function, with the settings every seeded function has.
    pub(crate) fn seeded(seed: FunctionSeed, fc2: bool, region: &str, account_id: &str) -> Self {
        let settings = json!({
            "functionName": seed.name,
            "functionArn": format!("acs:fc:{region}:{account_id}:functions/{}", seed.name),
            "runtime": "python3.10",
            "handler": "index.handler",
            "memorySize": 512,
            "timeout": 60,
            "description": "seeded by fc-local",
            "environmentVariables": { "KEEP": "me" },
            "state": "Active",
        });
        Self {
            settings: settings.as_object().cloned().unwrap_or_default(),
            layers: seed.layers,
            update: None,
            updates: 0,
            fc2,
            versions: BTreeMap::new(),
            next_version: 1,
            aliases: BTreeMap::new(),
        }
    }
}

/// The function `name`, or 404 `FunctionNotFound`.
pub(super) fn find<'r>(
    records: &'r mut Records,
    name: &str,
) -> Result<&'r mut FunctionRecord, ServiceError> {
    records.get_mut(name).ok_or_else(|| {
        ServiceError::new(
            404,
            "FunctionNotFound",
            format!("function {name} does not exist"),
        )
    })
}

/// An ARN of a layer version of this service's account and region, as name and version.
pub(super) fn own_version<'a>(arn: &'a str, store: &Store) -> Option<(&'a str, &'a str)> {
    let prefix = format!("acs:fc:{}:{}:layers/", store.region(), store.account_id());
    arn.strip_prefix(&prefix)?.split_once("/versions/")
}

/// A finished failed update puts the layers back, once it is over.
pub(super) fn settle(record: &mut FunctionRecord, now: Instant) {
    if let Some(update) = &mut record.update
        && now >= update.done_at
        && update.failure.is_some()
        && let Some(previous) = update.previous_layers.take()
    {
        record.layers = previous;
    }
}

/// `lastUpdateStatus` and its reason.
pub(super) fn status(record: &FunctionRecord, now: Instant) -> (&'static str, Option<String>) {
    match &record.update {
        None => ("Successful", None),
        Some(update) if now < update.done_at => ("InProgress", None),
        Some(Update {
            failure: Some(reason),
            ..
        }) => ("Failed", Some(reason.clone())),
        Some(_) => ("Successful", None),
    }
}

/// `layers` as a Function carries them (`FunctionLayer`: ARN and size); `None` when there
/// are none, as FC leaves the field out.
pub(super) fn layer_values(layers: &[String], store: &Store) -> Option<Value> {
    if layers.is_empty() {
        return None;
    }
    let layers: Vec<Value> = layers
        .iter()
        .map(|arn| {
            let size = own_version(arn, store)
                .and_then(|(name, version)| store.get_version(name, version).ok())
                .and_then(|layer| layer["codeSize"].as_i64())
                .unwrap_or(1024);
            json!({ "arn": arn, "size": size })
        })
        .collect();
    Some(Value::Array(layers))
}

/// The function as GetFunction and UpdateFunction describe it.
pub(super) fn describe(record: &FunctionRecord, store: &Store, now: Instant) -> Value {
    let mut value = Value::Object(record.settings.clone());
    if let Some(layers) = layer_values(&record.layers, store) {
        value["layers"] = layers;
    }
    let (status, reason) = status(record, now);
    value["lastUpdateStatus"] = json!(status);
    if let Some(reason) = reason {
        value["lastUpdateStatusReason"] = json!(reason);
        value["lastUpdateStatusReasonCode"] = json!("FunctionUpdateFailed");
    }
    value
}

/// A published version as GetFunction with its number (or an alias naming it) describes it:
/// its own settings and layers, never updating.
pub(super) fn describe_version(version: &VersionRecord, store: &Store) -> Value {
    let mut value = Value::Object(version.settings.clone());
    if let Some(layers) = layer_values(&version.layers, store) {
        value["layers"] = layers;
    }
    value["lastUpdateStatus"] = json!("Successful");
    value
}
