//! The functions' versions and aliases in the service's state (`Service::state`, `GET
//! /_local/state`), and read back typed, for tests:
//!
//! ```text
//! let versions = fc_local::functions::view::versions_in(&service.state(), "api");
//! let prod = &fc_local::functions::view::aliases_in(&service.state(), "api")["prod"];
//! ```
//!
//! (`service.state_of("/cn-beijing")` for the calls under a path prefix.)

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::aliases::alias_value;
use super::record::FunctionRecord;
use super::versions::version_value;

/// A published version: its id, its description and the layers it snapshotted.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub version_id: String,
    pub description: String,
    pub layers: Vec<String>,
}

/// An alias: its main version, its canary (version id → share) and description.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AliasView {
    pub version_id: String,
    pub additional_version_weight: BTreeMap<String, f64>,
    description: String,
}

/// The versions of `function` in `state`, oldest first; none when it is not there.
pub fn versions_in(state: &Value, function: &str) -> Vec<VersionView> {
    serde_json::from_value(state["functions"][function]["versions"].clone()).unwrap_or_default()
}

/// The aliases of `function` in `state`, by name; none when it is not there.
pub fn aliases_in(state: &Value, function: &str) -> BTreeMap<String, AliasView> {
    serde_json::from_value(state["functions"][function]["aliases"].clone()).unwrap_or_default()
}

/// A function's versions as the state shows them: each `Version` with its `layers`.
pub(super) fn versions_state(record: &FunctionRecord) -> Value {
    let versions: Vec<Value> = record
        .versions
        .iter()
        .map(|(id, version)| {
            let mut value = version_value(*id, version);
            value["layers"] = json!(version.layers);
            value
        })
        .collect();
    Value::Array(versions)
}

/// A function's aliases as the state shows them: each `Alias`, by name.
pub(super) fn aliases_state(record: &FunctionRecord) -> Value {
    let aliases: Map<String, Value> = record
        .aliases
        .iter()
        .map(|(name, alias)| (name.clone(), alias_value(name, alias)))
        .collect();
    Value::Object(aliases)
}
