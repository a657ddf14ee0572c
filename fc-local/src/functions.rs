//! FC 3.0's GetFunction and UpdateFunction over functions seeded at start, for the
//! rollout: each function has layers and a few other settings, which UpdateFunction keeps;
//! an update is `InProgress` for the configured delay, then `Successful`, or `Failed` with
//! a reason for the functions told to fail. In strict mode an UpdateFunction body with any
//! field but `layers` is refused, so a test proves nothing else is sent. A layer of this
//! account and region must be a version the [`Store`] holds, as FC checks.

use std::collections::BTreeMap;
use std::time::Duration;

use fc_layer_action::fc::function::MAX_LAYERS_PER_FUNCTION;
use fc_layer_action::fc::{API_VERSION, ServiceError};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::time::Instant;

use crate::request::ReceivedRequest;
use crate::store::Store;

/// A function that exists before the first request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSeed {
    pub name: String,
    pub layers: Vec<String>,
}

impl FunctionSeed {
    /// `NAME[:LAYER_ARN,...]`, as `--function` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, layers) = text.split_once(':').unwrap_or((text, ""));
        if name.is_empty() {
            return Err(format!("{text:?} names no function"));
        }
        Ok(Self {
            name: name.to_owned(),
            layers: layers
                .split(',')
                .filter(|arn| !arn.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

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

/// The two calls, by method and path.
pub enum Route<'a> {
    Get(&'a str),
    Update(&'a str),
}

impl Route<'_> {
    pub fn action(&self) -> &'static str {
        match self {
            Route::Get(_) => "GetFunction",
            Route::Update(_) => "UpdateFunction",
        }
    }
}

/// The route of a function call, `None` for any other path; the action header must agree.
pub fn route<'a>(
    request: &ReceivedRequest<'_>,
    segments: &'a [String],
) -> Result<Option<Route<'a>>, ServiceError> {
    let segments: Vec<&'a str> = segments.iter().map(String::as_str).collect();
    let route = match (request.method, segments.as_slice()) {
        ("GET", [API_VERSION, "functions", name]) => Route::Get(name),
        ("PUT", [API_VERSION, "functions", name]) => Route::Update(name),
        _ => return Ok(None),
    };
    let sent = request.header("x-acs-action").unwrap_or_default();
    if sent != route.action() {
        return Err(ServiceError::invalid_argument(format!(
            "x-acs-action {sent:?} does not match {} {}, which is {}",
            request.method,
            request.path,
            route.action()
        )));
    }
    Ok(Some(route))
}

/// An UpdateFunction body: its `layers`, checked (`None` when it sets none), and the rest.
type UpdateBody = (Option<Vec<String>>, Map<String, Value>);

struct Update {
    /// When it stops being `InProgress`.
    done_at: Instant,
    /// `Some(reason)` when it ends `Failed`; the layers before it are then restored.
    failure: Option<String>,
    /// Taken back when a failed update is over.
    previous_layers: Option<Vec<String>>,
}

struct FunctionRecord {
    /// Everything but the layers and the update state: kept as it is by every update.
    settings: Map<String, Value>,
    layers: Vec<String>,
    update: Option<Update>,
    updates: u32,
}

pub struct Functions {
    records: BTreeMap<String, FunctionRecord>,
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
                let settings = settings.as_object().cloned().unwrap_or_default();
                let record = FunctionRecord {
                    settings,
                    layers: seed.layers,
                    update: None,
                    updates: 0,
                };
                (seed.name, record)
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
        let names: Vec<String> = self.records.keys().cloned().collect();
        let mut all = Map::new();
        for name in names {
            if let Some(record) = self.records.get_mut(&name) {
                settle(record, now);
                let (status, _) = status(record, now);
                let mut value = Value::Object(record.settings.clone());
                value["layers"] = json!(record.layers);
                value["lastUpdateStatus"] = json!(status);
                value["updates"] = json!(record.updates);
                all.insert(name, value);
            }
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
        match route {
            Route::Get(name) => {
                let record = self.record(name)?;
                settle(record, instant);
                Ok((200, Some(describe(record, store, instant))))
            }
            Route::Update(name) => {
                let (layers, others) = self.update_layers(body, store)?;
                let delay = self.update_delay;
                let failure = self.failing.get(name).cloned();
                let record = self.record(name)?;
                settle(record, instant);
                // Outside strict mode the other settings change as FC changes them.
                record.settings.extend(others);
                if let Some(layers) = layers {
                    let previous = std::mem::replace(&mut record.layers, layers);
                    record.update = Some(Update {
                        done_at: instant + delay,
                        failure,
                        previous_layers: Some(previous),
                    });
                    record.updates += 1;
                }
                let stamp = crate::dates::format_iso8601(now);
                record
                    .settings
                    .insert("lastModifiedTime".to_owned(), json!(stamp));
                Ok((200, Some(describe(record, store, instant))))
            }
        }
    }

    fn record(&mut self, name: &str) -> Result<&mut FunctionRecord, ServiceError> {
        self.records.get_mut(name).ok_or_else(|| {
            ServiceError::new(
                404,
                "FunctionNotFound",
                format!("function {name} does not exist"),
            )
        })
    }

    /// The body's `layers`, checked as FC checks them (`None` when it sets none), and its
    /// other fields, which strict mode refuses.
    fn update_layers(&self, body: &[u8], store: &Store) -> Result<UpdateBody, ServiceError> {
        let mut body: Map<String, Value> = serde_json::from_slice(body).map_err(|error| {
            ServiceError::invalid_argument(format!("the body is not a JSON object: {error}"))
        })?;
        let others: Vec<&str> = body
            .keys()
            .map(String::as_str)
            .filter(|key| *key != "layers")
            .collect();
        if self.strict_update && !others.is_empty() {
            return Err(ServiceError::invalid_argument(format!(
                "strict mode: UpdateFunction may set only layers, not {}",
                others.join(", ")
            )));
        }
        let Some(layers) = body.remove("layers") else {
            return Ok((None, body));
        };
        let layers: Vec<String> = serde_json::from_value(layers).map_err(|_| {
            ServiceError::invalid_argument("layers must be an array of ARN strings")
        })?;
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
        Ok((Some(layers), body))
    }
}

/// An ARN of a layer version of this service's account and region, as name and version.
fn own_version<'a>(arn: &'a str, store: &Store) -> Option<(&'a str, &'a str)> {
    let prefix = format!("acs:fc:{}:{}:layers/", store.region(), store.account_id());
    arn.strip_prefix(&prefix)?.split_once("/versions/")
}

/// A finished failed update puts the layers back, once it is over.
fn settle(record: &mut FunctionRecord, now: Instant) {
    if let Some(update) = &mut record.update
        && now >= update.done_at
        && update.failure.is_some()
        && let Some(previous) = update.previous_layers.take()
    {
        record.layers = previous;
    }
}

/// `lastUpdateStatus` and its reason.
fn status(record: &FunctionRecord, now: Instant) -> (&'static str, Option<String>) {
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

/// The function as GetFunction and UpdateFunction describe it.
fn describe(record: &FunctionRecord, store: &Store, now: Instant) -> Value {
    let mut value = Value::Object(record.settings.clone());
    if !record.layers.is_empty() {
        let layers: Vec<Value> = record
            .layers
            .iter()
            .map(|arn| {
                let size = own_version(arn, store)
                    .and_then(|(name, version)| store.get_version(name, version).ok())
                    .and_then(|layer| layer["codeSize"].as_i64())
                    .unwrap_or(1024);
                json!({ "arn": arn, "size": size })
            })
            .collect();
        value["layers"] = Value::Array(layers);
    }
    let (status, reason) = status(record, now);
    value["lastUpdateStatus"] = json!(status);
    if let Some(reason) = reason {
        value["lastUpdateStatusReason"] = json!(reason);
        value["lastUpdateStatusReasonCode"] = json!("FunctionUpdateFailed");
    }
    value
}
