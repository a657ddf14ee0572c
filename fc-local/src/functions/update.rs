//! UpdateFunction: the body's `layers`, checked as FC checks them, and the update they
//! start. In strict mode a body with any other field is refused, so a test proves nothing
//! else is sent.

use std::time::Duration;

use fc_layer_action::fc::ServiceError;
use fc_layer_action::fc::function::MAX_LAYERS_PER_FUNCTION;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::record::{FunctionRecord, Update, own_version, settle};
use crate::store::Store;

/// An UpdateFunction body: its `layers`, checked (`None` when it sets none), and the rest.
pub(super) struct UpdateBody {
    layers: Option<Vec<String>>,
    others: Map<String, Value>,
}

/// How an update goes: how long it is `InProgress`, the reason it fails, if it does, and
/// whether a failure puts the layers before it back (else the new ones stay listed).
pub(super) struct Outcome {
    pub(crate) delay: Duration,
    pub(crate) failure: Option<String>,
    pub(crate) restores: bool,
}

/// The body's `layers`, checked as FC checks them (`None` when it sets none), and its
/// other fields, which strict mode refuses. A layer of this account and region must be a
/// version the [`Store`] holds, as FC checks.
pub(super) fn check_body(
    body: &[u8],
    strict: bool,
    store: &Store,
) -> Result<UpdateBody, ServiceError> {
    let mut body: Map<String, Value> = serde_json::from_slice(body).map_err(|error| {
        ServiceError::invalid_argument(format!("the body is not a JSON object: {error}"))
    })?;
    let others: Vec<&str> = body
        .keys()
        .map(String::as_str)
        .filter(|key| *key != "layers")
        .collect();
    if strict && !others.is_empty() {
        return Err(ServiceError::invalid_argument(format!(
            "strict mode: UpdateFunction may set only layers, not {}",
            others.join(", ")
        )));
    }
    let Some(layers) = body.remove("layers") else {
        return Ok(UpdateBody {
            layers: None,
            others: body,
        });
    };
    let layers: Vec<String> = serde_json::from_value(layers)
        .map_err(|_| ServiceError::invalid_argument("layers must be an array of ARN strings"))?;
    if layers.len() > MAX_LAYERS_PER_FUNCTION {
        return Err(ServiceError::invalid_argument(format!(
            "a function may use at most {MAX_LAYERS_PER_FUNCTION} layers, not {}",
            layers.len()
        )));
    }
    for arn in &layers {
        if let Some((name, version)) = own_version(arn, store) {
            store.get_version(name, version).map_err(|error| {
                ServiceError::invalid_argument(format!(
                    "layer {arn} does not exist: {}",
                    error.message
                ))
            })?;
        }
    }
    Ok(UpdateBody {
        layers: Some(layers),
        others: body,
    })
}

/// Applies a checked body: the other settings change as FC changes them (outside strict
/// mode), new layers start an update.
pub(super) fn apply(
    record: &mut FunctionRecord,
    body: UpdateBody,
    outcome: Outcome,
    instant: Instant,
    now: OffsetDateTime,
) {
    settle(record, instant);
    record.settings.extend(body.others);
    if let Some(layers) = body.layers {
        let previous = std::mem::replace(&mut record.layers, layers);
        record.update = Some(Update {
            done_at: instant + outcome.delay,
            failure: outcome.failure,
            previous_layers: outcome.restores.then(|| previous.clone()),
            from: previous,
        });
        record.updates += 1;
    }
    let stamp = crate::dates::format_iso8601(now);
    record
        .settings
        .insert("lastModifiedTime".to_owned(), json!(stamp));
}
