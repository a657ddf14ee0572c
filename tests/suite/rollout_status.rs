//! #25: a function counts as moved only when FC says `Successful` on the new list. A rerun
//! over a function `InProgress` on the new version waits for it; one `Failed` on it is sent
//! the same list again; two runs at once over a function mid-update; a wait that runs out
//! is `timed-out`. In each, `keep-versions` deletes nothing until every function is
//! `Successful`, and `after` names the version the function has. In-process (paused time),
//! then the binaries over HTTP (`FC_ACTION_BIN` runs an older build against them).

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::in_process::*;
use fc_layer_action::outcome::Failure;
use fc_local::functions::{FlakyUpdate, FunctionSeed, FunctionsConfig};
use fc_local::service::Service;
use serde_json::{Value, json};

const MAY_STILL_COMPLETE: &str = "the update may still complete; a rerun reads it again";

fn ours(version: i64) -> String {
    format!("acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/{version}")
}

/// Two versions of `my-layer` (a publish makes version 3) and `api` on version 1, updates
/// strict and taking `delay`, `configure` applied last.
fn with_api(delay: Duration, configure: impl FnOnce(&mut FunctionsConfig)) -> Arc<Service> {
    service(|config| {
        config.seeds = vec![("my-layer".to_owned(), 2)];
        config.functions = FunctionsConfig {
            seeds: vec![FunctionSeed {
                name: "api".to_owned(),
                layers: vec![ours(1)],
            }],
            strict_update: true,
            update_delay: delay,
            ..FunctionsConfig::default()
        };
        configure(&mut config.functions);
    })
}

/// `api` as the service holds it now (`later`: once every update has ended).
fn api(service: &Service, later: bool) -> Value {
    let after = Duration::from_secs(if later { 600 } else { 0 });
    state_after(service, after)["functions"]["api"].clone()
}

/// One run of `changes`, starting `start` of virtual time from now.
fn run_later(service: &Arc<Service>, changes: &[(&str, &str)], start: Duration) -> Run {
    runs_at(service, &[(changes, start)]).remove(0)
}

fn first_function(run: &Run) -> Value {
    let functions: Value = serde_json::from_str(&run.output("functions")).expect("JSON");
    functions[0].clone()
}

/// The requests sent before the first delete, and whether any was a delete.
fn before_first_delete(run: &Run) -> &[String] {
    let first = run
        .sent
        .iter()
        .position(|sent| sent.ends_with(" DeleteLayerVersion"))
        .unwrap_or(run.sent.len());
    &run.sent[..first]
}

const KEEP_ONE: [(&str, &str); 2] = [("INPUT_FUNCTIONS", "api"), ("INPUT_KEEP-VERSIONS", "1")];

#[test]
fn a_wait_that_runs_out_is_timed_out_deletes_nothing_and_a_rerun_waits_for_it() {
    let service = with_api(Duration::from_secs(40), |_| {});
    let short = [
        KEEP_ONE[0],
        KEEP_ONE[1],
        ("INPUT_FUNCTION-UPDATE-TIMEOUT", "5"),
    ];
    let first = run_on(&service, &short);
    assert!(
        matches!(first.result, Err(Failure::Rollout(_))),
        "{}",
        first.log
    );
    let function = first_function(&first);
    assert_eq!(function["status"], "timed-out", "{function}");
    let error = function["error"].as_str().expect("an error");
    assert!(
        error.contains("still InProgress after 5.0 s (function-update-timeout)")
            && error.contains(MAY_STILL_COMPLETE),
        "{error}"
    );
    // The function lists version 3 (InProgress): that is what it has now.
    assert_eq!(function["after"], ours(3));
    assert_eq!(first.count("DeleteLayerVersion"), 0, "{:?}", first.sent);
    assert_eq!(first.output("deletedVersions"), "");
    assert_eq!(first.output("updatedFunctions"), "");
    assert!(
        first.summary.contains("| timed-out: ") && first.summary.contains(MAY_STILL_COMPLETE),
        "{}",
        first.summary
    );
    assert_eq!(api(&service, false)["lastUpdateStatus"], "InProgress");

    let rerun = run_on(&service, &KEEP_ONE);
    assert!(rerun.result.is_ok(), "{}", rerun.log);
    assert!(
        rerun.log.contains(
            "function api: already lists version 3, but an update is InProgress: waiting for it"
        ),
        "{}",
        rerun.log
    );
    assert_eq!(rerun.count("UpdateFunction"), 0, "{:?}", rerun.sent);
    let function = first_function(&rerun);
    assert_eq!(function["status"], "updated", "not unchanged: {function}");
    assert_eq!(rerun.output("updatedFunctions"), "api");
    // Polled until Successful, and only then are the functions listed and versions deleted.
    let before = before_first_delete(&rerun);
    assert!(before.len() > 3, "{:?}", rerun.sent);
    assert!(before.ends_with(&["GET GetFunction".to_owned(), "GET ListFunctions".to_owned()]));
    assert!(rerun.took >= Duration::from_secs(30), "{:?}", rerun.took);
    assert_eq!(rerun.output("deletedVersions"), "1,2");
    assert_eq!(api(&service, true)["lastUpdateStatus"], "Successful");
    assert_eq!(api(&service, true)["updates"], 1);
}

#[test]
fn a_rerun_over_a_function_failed_on_the_new_version_sends_the_same_list_again() {
    let service = with_api(Duration::from_secs(2), |functions| {
        functions.flaky = vec![FlakyUpdate {
            function: "api".to_owned(),
            times: 1,
            reason: "init timed out".to_owned(),
        }];
    });
    let first = run_on(&service, &KEEP_ONE);
    assert!(
        matches!(first.result, Err(Failure::Rollout(_))),
        "{}",
        first.log
    );
    let function = first_function(&first);
    assert_eq!(function["status"], "failed");
    assert_eq!(function["error"], "the update Failed: init timed out");
    assert_eq!(function["after"], ours(3), "FC lists version 3, Failed");
    assert_eq!(first.output("deletedVersions"), "");
    let api_now = api(&service, true);
    assert_eq!(
        (
            api_now["layers"].clone(),
            api_now["lastUpdateStatus"].clone()
        ),
        (json!([ours(3)]), json!("Failed"))
    );

    // Once the update has ended Failed.
    let rerun = run_later(&service, &KEEP_ONE, Duration::from_secs(10));
    assert!(rerun.result.is_ok(), "{}", rerun.log);
    assert!(
        rerun.log.contains(
            "function api: lists version 3, but its last update Failed (init timed out): sending it again"
        ),
        "{}",
        rerun.log
    );
    assert_eq!(
        before_first_delete(&rerun)[..4],
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "PUT UpdateFunction",
            "GET GetFunction"
        ]
    );
    assert_eq!(first_function(&rerun)["status"], "updated");
    assert_eq!(rerun.output("deletedVersions"), "1,2");
    let api = api(&service, true);
    assert_eq!(
        (api["updates"].clone(), api["lastUpdateStatus"].clone()),
        (json!(2), json!("Successful"))
    );
}

/// A failed update that FC puts back: `after` is the version the function has again, not
/// the one it did not get, in the output and the summary.
#[test]
fn a_failed_function_reports_the_version_it_has_now_as_after() {
    let service = with_api(Duration::from_secs(1), |functions| {
        functions.failing = vec![("api".to_owned(), "bad layer".to_owned())];
    });
    let run = run_on(&service, &KEEP_ONE);
    assert!(
        matches!(run.result, Err(Failure::Rollout(_))),
        "{}",
        run.log
    );
    let function = first_function(&run);
    assert_eq!(
        (function["before"].clone(), function["after"].clone()),
        (json!(ours(1)), json!(ours(1)))
    );
    assert!(
        run.summary.contains(&format!(
            "| ` api ` | ` {} ` | ` {} ` | failed: ",
            ours(1),
            ours(1)
        )),
        "{}",
        run.summary
    );
    assert_eq!(run.count("DeleteLayerVersion"), 0);
}

/// Two runs at once: the second finds the first's update `InProgress` on the new version
/// and waits for it; it ends `Failed`, so neither run deletes anything, and a rerun sends
/// the list again and only then deletes.
#[test]
fn two_runs_at_once_over_a_function_mid_update_delete_nothing_until_it_is_successful() {
    let service = with_api(Duration::from_secs(6), |functions| {
        functions.flaky = vec![FlakyUpdate {
            function: "api".to_owned(),
            times: 1,
            reason: "init timed out".to_owned(),
        }];
    });
    // The version exists first, so both runs reuse it.
    assert!(run_on(&service, &[]).result.is_ok());
    let together: [(&[(&str, &str)], Duration); 2] = [
        (&KEEP_ONE, Duration::ZERO),
        (&KEEP_ONE, Duration::from_secs(2)),
    ];
    let mut runs = runs_at(&service, &together).into_iter();
    let (Some(first), Some(second)) = (runs.next(), runs.next()) else {
        panic!("two runs");
    };
    for run in [&first, &second] {
        assert!(
            matches!(run.result, Err(Failure::Rollout(_))),
            "{}",
            run.log
        );
        assert_eq!(run.count("DeleteLayerVersion"), 0, "{:?}", run.sent);
        assert_eq!(
            first_function(run)["error"],
            "the update Failed: init timed out"
        );
    }
    assert_eq!(first.count("UpdateFunction"), 1);
    assert_eq!(second.count("UpdateFunction"), 0, "{}", second.log);
    assert!(
        second
            .log
            .contains("an update is InProgress: waiting for it"),
        "{}",
        second.log
    );
    assert_eq!(versions(&service, "my-layer").len(), 3);

    let rerun = run_later(&service, &KEEP_ONE, Duration::from_secs(30));
    assert!(rerun.result.is_ok(), "{}", rerun.log);
    assert_eq!(rerun.count("UpdateFunction"), 1);
    assert_eq!(rerun.output("deletedVersions"), "1,2");
    assert_eq!(api(&service, true)["lastUpdateStatus"], "Successful");
}

/// The binaries over HTTP, `fc-local` with a function whose first update ends `Failed`
/// with the new layers left listed, and updates taking `delay_millis`; `run(extra)` runs
/// the action with `functions: api`, `keep-versions: 1` and `extra`, returning its exit
/// code and outputs.
fn over_http(
    delay_millis: &str,
    test: impl FnOnce(
        &common::FcLocal,
        &dyn Fn(&[(&str, &str)]) -> (Option<i32>, String, Vec<(String, String)>),
    ),
) {
    let one = ours(1);
    let server = common::FcLocal::start(&[
        "--seed",
        "my-layer:1",
        "--function",
        &format!("api:{one}"),
        "--function-update-delay",
        delay_millis,
        "--flaky-function-update",
        "api:1:init timed out",
        "--strict-function-update",
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    let output_file = dir.path().join("github_output");
    let example = common::example_layer();
    let run = |extra: &[(&str, &str)]| {
        std::fs::write(&output_file, "").expect("truncates");
        let mut envs = vec![
            ("INPUT_LAYER-NAME", "my-layer"),
            ("INPUT_CODE", example.to_str().expect("utf-8")),
            ("INPUT_ENDPOINT", server.url.as_str()),
            ("INPUT_ACCESS-KEY-ID", common::ACCESS_KEY_ID),
            ("INPUT_ACCESS-KEY-SECRET", common::ACCESS_KEY_SECRET),
            ("INPUT_FUNCTIONS", "api"),
            ("INPUT_KEEP-VERSIONS", "1"),
            ("GITHUB_OUTPUT", output_file.to_str().expect("utf-8")),
        ];
        envs.extend_from_slice(extra);
        let done = common::run_action(dir.path(), &envs);
        let written = std::fs::read_to_string(&output_file).expect("outputs");
        (
            done.status.code(),
            common::stdout(&done),
            common::parse_github_output(&written),
        )
    };
    test(&server, &run);
}

fn output<'a>(outputs: &'a [(String, String)], name: &str) -> &'a str {
    outputs
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

/// Over HTTP: the first run's update ends `Failed` listing version 2; the rerun sends it
/// again and deletes version 1 only once `api` is `Successful` (a build that took the
/// listed version as `unchanged` deleted it while `api` was `Failed`).
#[test]
fn the_binary_sends_a_failed_function_again_before_keep_versions_deletes() {
    over_http("300", |server, run| {
        let (code, log, outputs) = run(&[]);
        assert_eq!(code, Some(1), "{log}");
        assert_eq!(output(&outputs, "deletedVersions"), "", "{log}");
        let (code, log, outputs) = run(&[]);
        assert_eq!(code, Some(0), "{log}");
        let functions: Value = serde_json::from_str(output(&outputs, "functions")).expect("JSON");
        assert_eq!(functions[0]["status"], "updated", "{log}");
        let api = &server.state()["functions"]["api"];
        assert_eq!(
            (api["lastUpdateStatus"].clone(), api["updates"].clone()),
            (json!("Successful"), json!(2)),
            "{log}"
        );
        assert_eq!(output(&outputs, "deletedVersions"), "1");
    });
}

/// Over HTTP: a wait shorter than the update is `timed-out` (not `failed`), with the note,
/// the step fails and nothing is deleted; `after` is what `api` lists.
#[test]
fn the_binary_reports_a_wait_that_ran_out_as_timed_out() {
    over_http("4000", |server, run| {
        let (code, log, outputs) = run(&[("INPUT_FUNCTION-UPDATE-TIMEOUT", "1")]);
        assert_eq!(code, Some(1), "{log}");
        let functions: Value = serde_json::from_str(output(&outputs, "functions")).expect("JSON");
        assert_eq!(functions[0]["status"], "timed-out", "{log}");
        assert!(
            functions[0]["error"]
                .as_str()
                .is_some_and(|error| error.ends_with(MAY_STILL_COMPLETE)),
            "{functions}"
        );
        assert_eq!(functions[0]["after"], ours(2));
        assert_eq!(output(&outputs, "deletedVersions"), "");
        assert_eq!(server.versions("my-layer").len(), 2);
    });
}
