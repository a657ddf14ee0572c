//! The rollout to `functions`, in-process against the local service: one test per rule of
//! the issue (replace in place, append, already current, the 5-layer limit, `Failed`,
//! `InProgress` and its timeout, 404, dry run, retries, reuse then rollout, keep-versions
//! after the rollout, at most 4 at a time) and the inputs refused before any request. The
//! service runs in strict mode: an UpdateFunction body with any field but `layers` is a 400.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::in_process::*;
use common::{ACCESS_KEY_ID, ACCESS_KEY_SECRET};
use fc_layer_action::client::ClientError;
use fc_layer_action::fc::{ApiRequest, FunctionName, ServiceError};
use fc_layer_action::outcome::Failure;
use fc_local::config::{Config, Fault, FaultKind};
use fc_local::functions::{FunctionSeed, FunctionsConfig};
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use serde_json::{Value, json};

const OFFICIAL: &str = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2";
/// Another account's layer of the same name: not a version of ours.
const THEIRS: &str = "acs:fc:cn-hangzhou:999999999999:layers/my-layer/versions/9";

fn ours(version: i64) -> String {
    format!("acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/{version}")
}

fn function(name: &str, layers: &[&str]) -> FunctionSeed {
    FunctionSeed {
        name: name.to_owned(),
        layers: layers.iter().map(|layer| layer.to_string()).collect(),
    }
}

/// The service with two versions of `my-layer` seeded (so a publish makes version 3), the
/// functions given, updates strict, and `configure` applied last.
fn with_functions(
    functions: Vec<FunctionSeed>,
    configure: impl FnOnce(&mut Config),
) -> Arc<Service> {
    service(|config| {
        config.seeds = vec![("my-layer".to_owned(), 2)];
        config.functions = FunctionsConfig {
            seeds: functions,
            strict_update: true,
            ..FunctionsConfig::default()
        };
        configure(config);
    })
}

fn state_of(service: &Service, name: &str) -> Value {
    service.state()["functions"][name].clone()
}

fn layers_of(service: &Service, name: &str) -> Vec<String> {
    serde_json::from_value(state_of(service, name)["layers"].clone()).expect("layers")
}

fn functions_output(run: &Run) -> Value {
    serde_json::from_str(&run.output("functions")).expect("functions is JSON")
}

const PUBLISH_AND_UPDATE: [&str; 5] = [
    "GET ListLayerVersions",
    "POST CreateLayerVersion",
    "GET GetFunction",
    "PUT UpdateFunction",
    "GET GetFunction",
];

#[test]
fn replaces_the_version_in_place_and_keeps_every_other_layer_and_setting() {
    let one = ours(1);
    let service = with_functions(vec![function("api", &[OFFICIAL, &one, THEIRS])], |_| {});
    let run = run(
        &[("INPUT_FUNCTIONS", "api")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.sent, PUBLISH_AND_UPDATE);
    assert_eq!(layers_of(&service, "api"), [OFFICIAL, &ours(3), THEIRS]);
    let state = state_of(&service, "api");
    assert_eq!(state["environmentVariables"], json!({"KEEP": "me"}));
    assert_eq!(state["memorySize"], 512);
    assert_eq!(state["updates"], 1);
    assert_eq!(run.output("updatedFunctions"), "api");
    assert_eq!(
        functions_output(&run),
        json!([{"name": "api", "before": ours(1), "after": ours(3), "status": "updated", "functionVersion": null}])
    );
    assert!(
        run.summary.contains(&format!(
            "| ` api ` | ` {} ` | ` {} ` | updated | 0.0 s |",
            ours(1),
            ours(3)
        )),
        "{}",
        run.summary
    );
}

#[test]
fn appends_the_layer_to_a_function_that_does_not_use_it() {
    let service = with_functions(
        vec![function("with-one", &[OFFICIAL]), function("bare", &[])],
        |_| {},
    );
    let run = run(
        &[("INPUT_FUNCTIONS", "with-one,\nbare")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(layers_of(&service, "with-one"), [OFFICIAL, &ours(3)]);
    assert_eq!(layers_of(&service, "bare"), [ours(3)]);
    assert_eq!(run.output("updatedFunctions"), "with-one,bare");
    assert_eq!(functions_output(&run)[0]["before"], Value::Null);
}

#[test]
fn a_function_already_on_the_version_gets_no_write() {
    let service = with_functions(vec![function("api", &[OFFICIAL])], |_| {});
    let first = run(
        &[("INPUT_FUNCTIONS", "api")],
        InProcess(Arc::clone(&service)),
    );
    assert!(first.result.is_ok(), "{}", first.log);
    let again = run(
        &[("INPUT_FUNCTIONS", "api")],
        InProcess(Arc::clone(&service)),
    );
    assert!(again.result.is_ok(), "{}", again.log);
    assert_eq!(again.sent, ["GET ListLayerVersions", "GET GetFunction"]);
    assert!(
        again.log.contains("function api: already on version 3"),
        "{}",
        again.log
    );
    assert_eq!(again.output("updatedFunctions"), "");
    assert_eq!(functions_output(&again)[0]["status"], "unchanged");
    assert_eq!(state_of(&service, "api")["updates"], 1);
}

#[test]
fn a_sixth_layer_is_refused_with_no_write_and_the_others_still_update() {
    let full: Vec<String> = (1..=5)
        .map(|n| format!("acs:fc:cn-hangzhou:official:layers/L{n}/versions/1"))
        .collect();
    let full: Vec<&str> = full.iter().map(String::as_str).collect();
    let service = with_functions(vec![function("full", &full), function("ok", &[])], |_| {});
    let run = run(
        &[("INPUT_FUNCTIONS", "full ok")],
        InProcess(Arc::clone(&service)),
    );
    let Err(Failure::Rollout(outcome)) = &run.result else {
        panic!("the rollout fails: {}", run.log);
    };
    assert_eq!(outcome.functions.len(), 2);
    assert_eq!(state_of(&service, "full")["updates"], 0);
    assert_eq!(layers_of(&service, "full"), full);
    assert_eq!(run.count("UpdateFunction"), 1, "only `ok` is written");
    let error = run.errors().join("\n");
    assert!(
        error.contains("full (it would have 6 layers, and FC allows at most 5; it uses acs:fc:cn-hangzhou:official:layers/L1/versions/1"),
        "{error}"
    );
    // The version exists: the outputs are there for a later step, the exit code fails.
    assert_eq!(run.output("layerVersionArn"), ours(3));
    assert_eq!(run.output("updatedFunctions"), "ok");
    let functions = functions_output(&run);
    assert_eq!(functions[0]["status"], "failed");
    assert!(
        functions[0]["error"]
            .as_str()
            .expect("error")
            .contains("at most 5")
    );
}

#[test]
fn a_failed_update_names_its_reason_and_the_other_functions_still_update() {
    let service = with_functions(
        vec![function("broken", &[]), function("fine", &[])],
        |config| {
            config.functions.failing = vec![(
                "broken".to_owned(),
                "init failed: no module named numpy".to_owned(),
            )];
            config.functions.update_delay = Duration::from_secs(2);
        },
    );
    let run = run(
        &[("INPUT_FUNCTIONS", "broken,fine")],
        InProcess(Arc::clone(&service)),
    );
    let Err(failure) = &run.result else {
        panic!("the rollout fails: {}", run.log);
    };
    let message = failure.to_string();
    assert!(
        message.contains("1 of 2 function(s) were not moved to version 3: broken (the update Failed: init failed: no module named numpy)"),
        "{message}"
    );
    assert_eq!(layers_of(&service, "fine"), [ours(3)]);
    assert_eq!(
        layers_of(&service, "broken"),
        Vec::<String>::new(),
        "FC puts it back"
    );
    assert_eq!(run.output("updatedFunctions"), "fine");
    assert!(run.summary.contains("failed"), "{}", run.summary);
    assert!(
        run.summary.contains("no module named numpy"),
        "{}",
        run.summary
    );
}

#[test]
fn in_progress_is_polled_until_successful_with_growing_waits() {
    let service = with_functions(vec![function("slow", &[])], |config| {
        config.functions.update_delay = Duration::from_secs(7);
    });
    let run = run(
        &[("INPUT_FUNCTIONS", "slow")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    // Polls at 0, 1, 3, 6 s see InProgress; at 10 s (waits of 1, 2, 3, 4 s) Successful.
    assert_eq!(run.count("GetFunction"), 1 + 5, "{:?}", run.sent);
    let outcome = run.result.as_ref().expect("ok");
    assert_eq!(outcome.functions[0].took, Some(Duration::from_secs(10)));
    assert!(
        run.log
            .contains("function slow: now on version 3 (10.0 s to Successful)"),
        "{}",
        run.log
    );
    assert!(run.summary.contains("10.0 s"), "{}", run.summary);
}

#[test]
fn the_wait_is_bounded_by_function_update_timeout() {
    let service = with_functions(vec![function("stuck", &[])], |config| {
        config.functions.update_delay = Duration::from_secs(3600);
    });
    let run = run(
        &[
            ("INPUT_FUNCTIONS", "stuck"),
            ("INPUT_FUNCTION-UPDATE-TIMEOUT", "12"),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(
        matches!(run.result, Err(Failure::Rollout(_))),
        "{}",
        run.log
    );
    assert!(
        run.log.contains(
            "stuck (the update is still InProgress after 12.0 s (function-update-timeout); the update may still complete; a rerun reads it again)"
        ),
        "{}",
        run.log
    );
    assert!(
        run.took >= Duration::from_secs(12) && run.took < Duration::from_secs(13),
        "{:?}",
        run.took
    );
    // Polls at 0, 1, 3, 6, 10 and the last at the deadline, 12.
    assert_eq!(run.count("GetFunction"), 1 + 6, "{:?}", run.sent);
}

#[test]
fn an_unknown_function_fails_on_its_404_without_retries() {
    let service = with_functions(vec![function("real", &[])], |_| {});
    let run = run(
        &[("INPUT_FUNCTIONS", "real ghost")],
        InProcess(Arc::clone(&service)),
    );
    assert!(
        matches!(run.result, Err(Failure::Rollout(_))),
        "{}",
        run.log
    );
    assert_eq!(
        run.count("GetFunction"),
        2 + 1,
        "one for ghost, two for real"
    );
    let functions = functions_output(&run);
    assert_eq!(functions[1]["name"], "ghost");
    assert!(
        functions[1]["error"]
            .as_str()
            .expect("error")
            .contains("FunctionNotFound"),
        "{functions}"
    );
    assert_eq!(functions[1]["before"], Value::Null);
    assert_eq!(
        functions[1]["after"],
        Value::Null,
        "never read: nothing known"
    );
    assert_eq!(run.output("updatedFunctions"), "real");
}

#[test]
fn a_dry_run_reads_the_functions_and_writes_nothing() {
    let one = ours(1);
    let service = with_functions(vec![function("api", &[&one, OFFICIAL])], |_| {});
    let run = run(
        &[("INPUT_FUNCTIONS", "api"), ("INPUT_DRY-RUN", "true")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.sent, ["GET ListLayerVersions", "GET GetFunction"]);
    assert!(
        run.log.contains("version 3 (not published yet)"),
        "{}",
        run.log
    );
    assert!(
        run.log.contains(&format!(
            "Dry run: function api would go from [{one}, {OFFICIAL}] to [{}, {OFFICIAL}]",
            ours(3)
        )),
        "{}",
        run.log
    );
    assert_eq!(layers_of(&service, "api"), [one.as_str(), OFFICIAL]);
    assert_eq!(run.output("updatedFunctions"), "");
    assert_eq!(functions_output(&run)[0]["status"], "would-update");
    assert!(run.summary.contains("not published yet"), "{}", run.summary);
}

#[test]
fn a_503_on_update_function_is_retried() {
    let service = with_functions(vec![function("api", &[])], |config| {
        config.faults = vec![Fault {
            action: "UpdateFunction".to_owned(),
            times: 1,
            kind: FaultKind::Fail(ServiceError::new(503, "ServiceUnavailable", "busy")),
        }];
    });
    let run = run(
        &[("INPUT_FUNCTIONS", "api")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.count("UpdateFunction"), 2, "{:?}", run.sent);
    assert!(run.log.contains("UpdateFunction failed"), "{}", run.log);
    assert_eq!(layers_of(&service, "api"), [ours(3)]);
}

#[test]
fn a_reused_version_is_rolled_out_to_a_function_still_on_an_older_one() {
    let one = ours(1);
    let service = with_functions(vec![function("old", &[&one])], |_| {});
    let first = run(&[], InProcess(Arc::clone(&service)));
    assert!(first.result.is_ok(), "{}", first.log);
    assert_eq!(
        layers_of(&service, "old"),
        [one.as_str()],
        "not named: not looked at"
    );
    let reused = run(
        &[("INPUT_FUNCTIONS", "old")],
        InProcess(Arc::clone(&service)),
    );
    assert!(reused.result.is_ok(), "{}", reused.log);
    assert_eq!(
        reused.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "PUT UpdateFunction",
            "GET GetFunction"
        ]
    );
    assert_eq!(reused.output("published"), "false");
    assert_eq!(reused.output("updatedFunctions"), "old");
    assert_eq!(layers_of(&service, "old"), [ours(3)]);
}

#[test]
fn keep_versions_deletes_after_the_rollout() {
    let one = ours(1);
    let service = with_functions(vec![function("api", &[&one])], |_| {});
    let run = run(
        &[("INPUT_FUNCTIONS", "api"), ("INPUT_KEEP-VERSIONS", "1")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    let mut expected = PUBLISH_AND_UPDATE.to_vec();
    // What the functions use is read before anything is deleted.
    expected.extend([
        "GET ListFunctions",
        "DELETE DeleteLayerVersion",
        "DELETE DeleteLayerVersion",
    ]);
    assert_eq!(run.sent, expected);
    assert_eq!(run.output("deletedVersions"), "1,2");
    assert_eq!(layers_of(&service, "api"), [ours(3)]);
}

#[test]
fn keep_versions_deletes_nothing_when_a_function_failed() {
    let one = ours(1);
    let service = with_functions(vec![function("api", &[&one])], |config| {
        config.functions.failing = vec![("api".to_owned(), "bad layer".to_owned())];
    });
    let run = run(
        &[("INPUT_FUNCTIONS", "api"), ("INPUT_KEEP-VERSIONS", "1")],
        InProcess(Arc::clone(&service)),
    );
    assert!(
        matches!(run.result, Err(Failure::Rollout(_))),
        "{}",
        run.log
    );
    assert_eq!(run.count("DeleteLayerVersion"), 0, "{:?}", run.sent);
    assert!(
        run.log.contains("keep-versions: nothing deleted"),
        "{}",
        run.log
    );
    assert_eq!(run.output("deletedVersions"), "");
    assert_eq!(versions(&service, "my-layer").len(), 3);
    assert_eq!(
        layers_of(&service, "api"),
        [one.as_str()],
        "still on version 1"
    );
}

#[test]
fn at_most_four_functions_are_updated_at_once() {
    let seeds: Vec<FunctionSeed> = (1..=8).map(|n| function(&format!("f{n}"), &[])).collect();
    let service = with_functions(seeds, |config| {
        config.functions.update_delay = Duration::from_secs(7);
    });
    let names: Vec<String> = (1..=8).map(|n| format!("f{n}")).collect();
    let run = run(
        &[("INPUT_FUNCTIONS", &names.join(","))],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    // Each takes 10 s from its update to Successful: two rounds of four, not one of eight
    // nor eight one after another.
    assert!(
        run.took >= Duration::from_secs(20) && run.took < Duration::from_secs(25),
        "{:?}",
        run.took
    );
    assert_eq!(run.output("updatedFunctions"), names.join(","));
}

#[test]
fn bad_rollout_inputs_are_refused_before_any_request() {
    let too_many: Vec<String> = (1..=51).map(|n| format!("f{n}")).collect();
    let too_many = too_many.join(" ");
    for (changes, expected) in [
        (
            vec![("INPUT_FUNCTIONS", "good, 9lives")],
            "::error::input `functions`: \"9lives\" must start with a letter or `_`",
        ),
        (
            vec![("INPUT_FUNCTIONS", "a.b")],
            "::error::input `functions`: \"a.b\" may hold only letters",
        ),
        (
            vec![("INPUT_FUNCTIONS", too_many.as_str())],
            "::error::input `functions`: names 51 functions; the most is 50",
        ),
        (
            vec![
                ("INPUT_FUNCTIONS", "api"),
                ("INPUT_FUNCTION-UPDATE-TIMEOUT", "0"),
            ],
            "::error::input `function-update-timeout`: \"0\" is not a whole number of seconds",
        ),
        (
            vec![
                ("INPUT_FUNCTIONS", "api"),
                ("INPUT_FUNCTION-UPDATE-TIMEOUT", "1.5"),
            ],
            "::error::input `function-update-timeout`: \"1.5\" is not a whole number",
        ),
    ] {
        let service = with_functions(vec![function("api", &[])], |_| {});
        let run = run(&changes, InProcess(Arc::clone(&service)));
        run.assert_failed_and_wrote_nothing();
        assert!(run.sent.is_empty(), "{:?}", run.sent);
        assert!(
            run.errors().iter().any(|line| line.starts_with(expected)),
            "{expected}\n{}",
            run.log
        );
    }
}

/// UpdateFunction with `body`, signed by the action's client, to a service in `strict` mode
/// or not.
fn update_with_body(strict: bool, body: &str) -> (Result<Vec<u8>, ClientError>, Arc<Service>) {
    let service = service(|config| {
        config.functions = FunctionsConfig {
            seeds: vec![function("api", &[OFFICIAL])],
            strict_update: strict,
            ..FunctionsConfig::default()
        };
    });
    let client = fc_client(&service);
    let name = FunctionName::parse("api").expect("valid");
    let mut request = ApiRequest::update_function_layers(&name, &[]).expect("encodes");
    request.body = Some(body.as_bytes().to_vec().into());
    (common::block_on(client.send(request)), service)
}

#[test]
fn strict_mode_refuses_an_update_body_with_any_field_but_layers() {
    let body = r#"{"layers":[],"description":"changed"}"#;
    let (strict, service) = update_with_body(true, body);
    match strict {
        Err(ClientError::Service { error, .. }) => {
            assert_eq!(
                (error.status, error.code.as_str()),
                (400, "InvalidArgument")
            );
            assert!(
                error.message.contains("not description"),
                "{}",
                error.message
            );
        }
        other => panic!("refused, not {other:?}"),
    }
    assert_eq!(layers_of(&service, "api"), [OFFICIAL], "nothing applied");
    // Without strict mode the same body changes the description: the check is not vacuous.
    let (lenient, service) = update_with_body(false, body);
    lenient.expect("accepted");
    assert_eq!(state_of(&service, "api")["description"], "changed");
    assert_eq!(layers_of(&service, "api"), Vec::<String>::new());
}

#[test]
fn the_service_refuses_a_missing_version_of_its_own_layer_and_a_sixth_layer() {
    let (missing, _) = update_with_body(true, &format!(r#"{{"layers":["{}"]}}"#, ours(1)));
    assert!(
        matches!(&missing, Err(ClientError::Service { error, .. }) if error.message.contains("does not exist")),
        "{missing:?}"
    );
    let six: Vec<String> = (1..=6)
        .map(|n| format!("o:layers/L{n}/versions/1"))
        .collect();
    let (too_many, _) = update_with_body(true, &json!({ "layers": six }).to_string());
    assert!(
        matches!(&too_many, Err(ClientError::Service { error, .. }) if error.message.contains("at most 5")),
        "{too_many:?}"
    );
}

/// The real binaries over HTTP: `fc-local` seeded from its command line, the action
/// writing `GITHUB_OUTPUT`, and the exit code carrying a failed function.
#[test]
fn the_binary_rolls_out_through_fc_local_over_http() {
    let one = ours(1);
    let server = common::FcLocal::start(&[
        "--seed",
        "my-layer:1",
        "--function",
        &format!("api:{OFFICIAL},{one}"),
        "--function",
        "worker",
        "--function",
        "broken",
        "--function-update-delay",
        "1500",
        "--fail-function-update",
        "broken:image pull failed",
        "--strict-function-update",
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let output_file = dir.path().join("github_output");
    let example = common::example_layer();
    let run = |functions: &str| {
        std::fs::write(&output_file, "").expect("truncates");
        common::run_action(
            dir.path(),
            &[
                ("INPUT_LAYER-NAME", "my-layer"),
                ("INPUT_CODE", example.to_str().expect("utf-8")),
                ("INPUT_ENDPOINT", &server.url),
                ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
                ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
                ("INPUT_FUNCTIONS", functions),
                ("GITHUB_OUTPUT", output_file.to_str().expect("utf-8")),
            ],
        )
    };
    let outputs = || {
        common::parse_github_output(&std::fs::read_to_string(&output_file).expect("outputs"))
            .into_iter()
            .collect::<std::collections::BTreeMap<String, String>>()
    };
    let done = run("api worker");
    assert!(done.status.success(), "{}", common::stdout(&done));
    let state = server.state();
    assert_eq!(
        state["functions"]["api"]["layers"],
        json!([OFFICIAL, ours(2)])
    );
    assert_eq!(state["functions"]["worker"]["layers"], json!([ours(2)]));
    assert_eq!(outputs()["updatedFunctions"], "api,worker");

    let failed = run("broken");
    assert_eq!(failed.status.code(), Some(1), "{}", common::stdout(&failed));
    assert!(
        common::stdout(&failed).contains("::error::1 of 1 function(s) were not moved to version 2: broken (the update Failed: image pull failed)"),
        "{}",
        common::stdout(&failed)
    );
    let written = outputs();
    assert_eq!(written["layerVersionArn"], ours(2));
    assert_eq!(written["published"], "false");
    let functions: Value = serde_json::from_str(&written["functions"]).expect("JSON");
    assert_eq!(functions[0]["status"], "failed");
}

/// With `regions`, each region's functions move to that region's version (functions are
/// regional, as layers are).
#[test]
fn each_region_rolls_its_own_version_out_to_its_functions() {
    let service = with_functions(vec![function("api", &[OFFICIAL])], |_| {});
    let run = run_on(
        &service,
        &[
            ("INPUT_REGIONS", "cn-hangzhou, cn-beijing"),
            ("INPUT_ENDPOINT", "http://fc.test/{region}"),
            ("INPUT_FUNCTIONS", "api"),
        ],
    );
    assert!(run.result.is_ok(), "{}", run.log);
    for region in ["cn-hangzhou", "cn-beijing"] {
        let layers: Vec<String> = serde_json::from_value(
            service.state_of(&format!("/{region}"))["functions"]["api"]["layers"].clone(),
        )
        .expect("layers");
        assert_eq!(
            layers,
            [
                OFFICIAL.to_owned(),
                format!("acs:fc:{region}:1234567890123456:layers/my-layer/versions/3")
            ],
            "{region}"
        );
    }
    assert_eq!(run.output("updatedFunctions"), "api");
    for region in ["cn-hangzhou", "cn-beijing"] {
        assert!(
            run.summary.contains(&format!("##### ` {region} `")),
            "{}",
            run.summary
        );
    }
}
