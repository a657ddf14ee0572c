//! Aliases: GetAlias, CreateAlias and UpdateAlias. An alias names a main version and at
//! most one canary version with its share of the traffic (between 0 and 1, exclusive), as
//! FC documents aliases; both must be published versions.

use std::collections::BTreeMap;

use fc_layer_action::fc::ServiceError;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::record::{AliasRecord, FunctionRecord};
use super::seeds::AliasSeed;
use super::wire::{alias_not_found, object_body, string_field, version_not_found, version_number};

const CREATE_FIELDS: &[&str] = &[
    "aliasName",
    "versionId",
    "description",
    "additionalVersionWeight",
];
const UPDATE_FIELDS: &[&str] = &["versionId", "description", "additionalVersionWeight"];

/// An `Alias` as the API writes it.
pub(super) fn alias_value(name: &str, alias: &AliasRecord) -> Value {
    json!({
        "aliasName": name,
        "versionId": alias.version_id.to_string(),
        "additionalVersionWeight": alias.weights,
        "description": alias.description,
        "createdTime": alias.created,
        "lastModifiedTime": alias.modified,
    })
}

/// GetAlias.
pub(super) fn get(
    record: &FunctionRecord,
    function: &str,
    name: &str,
) -> Result<Value, ServiceError> {
    let alias = record
        .aliases
        .get(name)
        .ok_or_else(|| alias_not_found(function, name))?;
    Ok(alias_value(name, alias))
}

/// CreateAlias: `aliasName` and `versionId` required; 409 `AliasAlreadyExists` when the
/// name is taken.
pub(super) fn create(
    record: &mut FunctionRecord,
    function: &str,
    body: &[u8],
    strict: bool,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    let body = object_body(body, "CreateAlias", CREATE_FIELDS, strict)?;
    let name = required(&body, "aliasName")?;
    let version = required(&body, "versionId")?;
    let weights = weights(body.get("additionalVersionWeight"))?.unwrap_or_default();
    let description = string_field(&body, "description")?.unwrap_or_default();
    let alias = insert(record, function, &name, &version, weights, description, now)?;
    Ok(alias_value(&name, alias))
}

/// UpdateAlias: each field sent replaces the alias's; `"additionalVersionWeight": {}`
/// clears the canary, leaving it out (or `null`) keeps it.
pub(super) fn update(
    record: &mut FunctionRecord,
    function: &str,
    name: &str,
    body: &[u8],
    strict: bool,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    let body = object_body(body, "UpdateAlias", UPDATE_FIELDS, strict)?;
    let alias = record
        .aliases
        .get(name)
        .ok_or_else(|| alias_not_found(function, name))?;
    let version_id = match string_field(&body, "versionId")? {
        Some(text) => main_version(record, function, &text)?,
        None => alias.version_id,
    };
    let weights =
        weights(body.get("additionalVersionWeight"))?.unwrap_or_else(|| alias.weights.clone());
    check_canary(record, function, version_id, &weights)?;
    let description = string_field(&body, "description")?;
    let alias = record
        .aliases
        .get_mut(name)
        .ok_or_else(|| alias_not_found(function, name))?;
    alias.version_id = version_id;
    alias.weights = weights;
    if let Some(description) = description {
        alias.description = description;
    }
    alias.modified = crate::dates::format_iso8601(now);
    Ok(alias_value(name, alias))
}

/// An alias the command line seeds, checked as CreateAlias checks one.
pub(super) fn seed(
    record: &mut FunctionRecord,
    seed: &AliasSeed,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    let weights = seed.canary.iter().cloned().collect();
    let description = "seeded by fc-local".to_owned();
    insert(
        record,
        &seed.function,
        &seed.name,
        &seed.version_id,
        weights,
        description,
        now,
    )
    .map(|_| ())
}

/// A new alias, once its name, versions and canary pass FC's rules.
fn insert<'r>(
    record: &'r mut FunctionRecord,
    function: &str,
    name: &str,
    version: &str,
    weights: BTreeMap<String, f64>,
    description: String,
    now: OffsetDateTime,
) -> Result<&'r AliasRecord, ServiceError> {
    check_name(name)?;
    if record.aliases.contains_key(name) {
        return Err(ServiceError::new(
            409,
            "AliasAlreadyExists",
            format!("alias {name} of function {function} already exists"),
        ));
    }
    let version_id = main_version(record, function, version)?;
    check_canary(record, function, version_id, &weights)?;
    let stamp = crate::dates::format_iso8601(now);
    let alias = AliasRecord {
        version_id,
        weights,
        description,
        created: stamp.clone(),
        modified: stamp,
    };
    Ok(record.aliases.entry(name.to_owned()).or_insert(alias))
}

fn required(body: &Map<String, Value>, field: &str) -> Result<String, ServiceError> {
    string_field(body, field)?
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ServiceError::invalid_argument(format!("{field} is required")))
}

/// 1 to 128 letters, digits, `_` or `-`, not starting with a digit or `-`; not `LATEST`.
fn check_name(name: &str) -> Result<(), ServiceError> {
    let valid = (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
        && !name.starts_with(|first: char| first.is_ascii_digit() || first == '-')
        && name != "LATEST";
    match valid {
        true => Ok(()),
        false => Err(ServiceError::invalid_argument(format!(
            "alias name {name:?} must be 1 to 128 letters, digits, _ or -, not start with a \
             digit or -, and not be LATEST"
        ))),
    }
}

/// A published version's number, or 404 `VersionNotFound`.
fn main_version(record: &FunctionRecord, function: &str, text: &str) -> Result<u64, ServiceError> {
    version_number(text)
        .filter(|id| record.versions.contains_key(id))
        .ok_or_else(|| version_not_found(function, text))
}

/// `additionalVersionWeight` as sent: `None` when absent or `null`, else a map of version
/// ids to numbers.
fn weights(value: Option<&Value>) -> Result<Option<BTreeMap<String, f64>>, ServiceError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| {
                ServiceError::invalid_argument(
                    "additionalVersionWeight must map version ids to numbers",
                )
            }),
    }
}

/// At most one canary, a published version other than the main one, with a share strictly
/// between 0 and 1.
fn check_canary(
    record: &FunctionRecord,
    function: &str,
    main: u64,
    weights: &BTreeMap<String, f64>,
) -> Result<(), ServiceError> {
    if weights.len() > 1 {
        return Err(ServiceError::invalid_argument(
            "additionalVersionWeight may name at most one version",
        ));
    }
    for (version, weight) in weights {
        let id = main_version(record, function, version)?;
        if id == main {
            return Err(ServiceError::invalid_argument(format!(
                "the additional version {version} is the alias's main version"
            )));
        }
        if !(*weight > 0.0 && *weight < 1.0) {
            return Err(ServiceError::invalid_argument(format!(
                "the weight of version {version} must be between 0 and 1, not {weight}"
            )));
        }
    }
    Ok(())
}
