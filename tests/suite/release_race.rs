//! `alias` after the rollout, in-process against the local service, where the chaos run
//! found it wrong.

use crate::common;

use std::time::Duration;

use common::in_process::*;
use fc_layer_action::fc::{ApiRequest, FunctionName};
use fc_local::functions::{FunctionSeed, FunctionsConfig};
use serde_json::Value;

const VERSION_3: &str = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/3";

/// Chaos seed 3045: two runs at once, a function whose updates end `Failed`. One run found
/// the other's update `InProgress` listing the version, took the function as already on
/// it, and published a function version after the failed update had put the old layers
/// back, giving the alias's traffic to it. Such an update is now waited for, and its
/// failure is the function's.
#[test]
fn a_function_listing_the_version_mid_update_is_waited_for_before_any_function_version() {
    let service = service(|config| {
        config.seeds = vec![("my-layer".to_owned(), 2)];
        config.functions = FunctionsConfig {
            seeds: vec![FunctionSeed {
                name: "api".to_owned(),
                layers: Vec::new(),
            }],
            strict_update: true,
            update_delay: Duration::from_secs(3),
            failing: vec![("api".to_owned(), "the runtime would not start".to_owned())],
            ..FunctionsConfig::default()
        };
    });
    let first = run_on(&service, &[]);
    assert!(first.result.is_ok(), "{}", first.log);
    // Another run's update to version 3, still InProgress when this run reads the function.
    let client = fc_client(&service);
    let name = FunctionName::parse("api").expect("valid");
    let request =
        ApiRequest::update_function_layers(&name, &[VERSION_3.to_owned()]).expect("encodes");
    common::block_on(client.send(request)).expect("the other run's update is taken");

    let run = run_on(
        &service,
        &[
            ("INPUT_FUNCTIONS", "api"),
            ("INPUT_ALIAS", "prod"),
            ("INPUT_ALIAS-WEIGHT", "100"),
        ],
    );
    assert!(run.result.is_err(), "the function failed: {}", run.log);
    assert!(
        run.log.contains(
            "function api: already lists version 3, but an update is InProgress: waiting for it"
        ),
        "{}",
        run.log
    );
    assert_eq!(run.count("UpdateFunction"), 0, "{:?}", run.sent);
    assert_eq!(run.count("PublishFunctionVersion"), 0, "{:?}", run.sent);
    assert_eq!(run.count("CreateAlias"), 0, "{:?}", run.sent);
    let functions: Value = serde_json::from_str(&run.output("functions")).expect("JSON");
    assert_eq!(functions[0]["status"], "failed", "{functions}");
    let error = functions[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("the runtime would not start"), "{error}");
}
