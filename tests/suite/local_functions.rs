//! fc-local's function calls of issue #23 through the action's own signing client,
//! in-process: ListFunctions, GetFunction with a qualifier, PublishFunctionVersion,
//! ListFunctionVersions, GetAlias, CreateAlias and UpdateAlias are signed, checked, answered
//! and captured like every call, and the faults keyed by action name reach them (a reply
//! dropped after the write was applied, a 5xx, throttling).

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::block_on;
use common::in_process::{fc_client, service};
use fc_layer_action::client::ClientError;
use fc_layer_action::fc::{API_VERSION, ApiRequest, ServiceError};
use fc_layer_action::http::TransportError;
use fc_local::config::{Config, Fault, FaultKind};
use fc_local::functions::{FunctionSeed, FunctionsConfig, VersionSeed, view};
use fc_local::service::Service;
use serde_json::{Value, json};

const A: &str = "acs:fc:cn-hangzhou:official:layers/A/versions/1";
const B: &str = "acs:fc:cn-hangzhou:official:layers/B/versions/1";

/// `api` (layer B, version 1 with layer A) and the FC 2.0 function `old`, then `configure`.
fn with_functions(configure: impl FnOnce(&mut Config)) -> Arc<Service> {
    service(|config| {
        config.functions = FunctionsConfig {
            seeds: vec![FunctionSeed::parse(&format!("api:{B}")).expect("a seed")],
            fc2_seeds: vec![FunctionSeed::parse("old").expect("a seed")],
            version_seeds: vec![VersionSeed::parse(&format!("api:{A}")).expect("a seed")],
            strict_update: true,
            ..FunctionsConfig::default()
        };
        configure(config);
    })
}

/// One call of each action, as the SDK shapes it.
fn call(action: &'static str) -> ApiRequest {
    let functions = format!("/{API_VERSION}/functions");
    let (method, path, query, body) = match action {
        "ListFunctions" => ("GET", functions, vec![("fcVersion", "v3")], None),
        "GetFunction" => (
            "GET",
            format!("{functions}/api"),
            vec![("qualifier", "1")],
            None,
        ),
        "PublishFunctionVersion" => (
            "POST",
            format!("{functions}/api/versions"),
            vec![],
            Some(json!({"description": "two"})),
        ),
        "ListFunctionVersions" => (
            "GET",
            format!("{functions}/api/versions"),
            vec![("direction", "FORWARD"), ("limit", "10")],
            None,
        ),
        "CreateAlias" => (
            "POST",
            format!("{functions}/api/aliases"),
            vec![],
            Some(json!({"aliasName": "prod", "versionId": "1"})),
        ),
        "GetAlias" => ("GET", format!("{functions}/api/aliases/prod"), vec![], None),
        "UpdateAlias" => (
            "PUT",
            format!("{functions}/api/aliases/prod"),
            vec![],
            Some(json!({"versionId": "2", "additionalVersionWeight": {"1": 0.1}})),
        ),
        other => panic!("no call {other}"),
    };
    ApiRequest {
        action,
        version: API_VERSION,
        method,
        path,
        query: query
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
        body: body.map(|body| body.to_string().into_bytes().into()),
    }
}

/// The calls in an order each can succeed in: version 2 is published before the alias
/// moves to it.
const ACTIONS: [&str; 7] = [
    "ListFunctions",
    "GetFunction",
    "PublishFunctionVersion",
    "ListFunctionVersions",
    "CreateAlias",
    "GetAlias",
    "UpdateAlias",
];

fn send(service: &Arc<Service>, action: &'static str) -> Result<Value, ClientError> {
    let client = fc_client(service);
    let body = block_on(client.send(call(action)))?;
    Ok(serde_json::from_slice(&body).expect("a JSON reply"))
}

fn service_error(result: Result<Value, ClientError>) -> ServiceError {
    match result {
        Err(ClientError::Service { error, .. }) => error,
        other => panic!("a service error, not {other:?}"),
    }
}

#[test]
fn every_new_call_is_signed_answered_and_captured() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let capture = dir.path().join("capture.jsonl");
    let service = with_functions(|config| config.capture = Some(capture.clone()));
    let replies: Vec<Value> = ACTIONS
        .iter()
        .map(|action| send(&service, action).unwrap_or_else(|error| panic!("{error}")))
        .collect();
    let names: Vec<&Value> = replies[0]["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .collect();
    assert_eq!(names.len(), 1, "v3 only: {}", replies[0]);
    assert_eq!(names[0]["functionName"], "api");
    assert_eq!(
        replies[1]["layers"][0]["arn"], A,
        "version 1 has its own layers"
    );
    assert_eq!(replies[2]["versionId"], "2");
    assert_eq!(replies[3]["versions"].as_array().map(Vec::len), Some(2));
    assert_eq!(replies[6]["additionalVersionWeight"], json!({"1": 0.1}));

    let state = service.state();
    let versions = view::versions_in(&state, "api");
    let layers: Vec<&[String]> = versions.iter().map(|version| &version.layers[..]).collect();
    assert_eq!(layers, [[A], [B]]);
    let prod = &view::aliases_in(&state, "api")["prod"];
    assert_eq!(prod.version_id, "2");
    assert_eq!(prod.additional_version_weight.get("1"), Some(&0.1));

    let lines = std::fs::read_to_string(&capture).expect("the capture");
    let captured: Vec<(String, u64)> = lines
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a JSON line");
            let headers = record["headers"].as_array().expect("headers");
            let action = headers
                .iter()
                .find(|pair| pair[0] == "x-acs-action")
                .map(|pair| pair[1].as_str().expect("a value").to_owned())
                .expect("an action header");
            (action, record["status"].as_u64().expect("a status"))
        })
        .collect();
    let expected: Vec<(String, u64)> = ACTIONS
        .iter()
        .map(|action| (action.to_string(), 200))
        .collect();
    assert_eq!(captured, expected);
}

/// The request was sent and its reply dropped: a transport error, with `request_sent`.
fn assert_reply_dropped<T: std::fmt::Debug>(sent: Result<T, ClientError>) {
    let dropped = sent.expect_err("dropped");
    assert!(
        matches!(
            &dropped,
            ClientError::Transport {
                source: TransportError::Unreachable {
                    request_sent: true,
                    ..
                },
                ..
            }
        ),
        "{dropped}"
    );
}

#[test]
fn a_dropped_publish_or_create_alias_reply_was_applied_and_sending_again_is_refused() {
    let service = with_functions(|config| {
        for action in ["PublishFunctionVersion", "CreateAlias"] {
            config.faults.push(Fault {
                action: action.to_owned(),
                times: 1,
                kind: FaultKind::DropReply,
            });
        }
    });
    assert_reply_dropped(send(&service, "PublishFunctionVersion"));
    assert_eq!(
        view::versions_in(&service.state(), "api").len(),
        2,
        "published all the same"
    );
    let again = service_error(send(&service, "PublishFunctionVersion"));
    assert_eq!(
        (again.status, again.code.as_str()),
        (400, "VersionPublishError")
    );

    assert_reply_dropped(send(&service, "CreateAlias"));
    assert!(view::aliases_in(&service.state(), "api").contains_key("prod"));
    let again = service_error(send(&service, "CreateAlias"));
    assert_eq!(
        (again.status, again.code.as_str()),
        (409, "AliasAlreadyExists")
    );
}

#[test]
fn failures_and_throttling_reach_every_new_call_by_its_action() {
    for (n, action) in ACTIONS.iter().enumerate() {
        let service = with_functions(|config| {
            config.faults = vec![
                Fault {
                    action: action.to_string(),
                    times: 1,
                    kind: FaultKind::Fail(ServiceError::new(503, "ServiceUnavailable", "x")),
                },
                Fault {
                    action: action.to_string(),
                    times: 1,
                    kind: FaultKind::Throttle {
                        retry_after_millis: 1500,
                    },
                },
            ];
        });
        // The calls before it, so that it can succeed once the faults are spent.
        for before in &ACTIONS[..n] {
            send(&service, before).unwrap_or_else(|error| panic!("{before}: {error}"));
        }
        let failed = service_error(send(&service, action));
        assert_eq!(
            (failed.status, failed.code.as_str()),
            (503, "ServiceUnavailable"),
            "{action}"
        );
        let throttled = service_error(send(&service, action));
        assert_eq!(throttled.status, 429, "{action}");
        assert_eq!(
            throttled.retry_after,
            Some(Duration::from_millis(1500)),
            "{action}"
        );
        send(&service, action).unwrap_or_else(|error| panic!("{action} after the faults: {error}"));
    }
}
