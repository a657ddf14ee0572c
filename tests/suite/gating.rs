//! A dry run that gates, and paths from the workspace (issue 26, items 4 and 6). A dry run
//! fails where the real run would, for each reason it can see by reading (a function
//! missing, a sixth layer, what is inside, the inputs), and still writes nothing but the
//! outputs a real run's failure writes; a relative `code` resolves against
//! `GITHUB_WORKSPACE`. Unknown regions and hosts that do not answer: `unanswered.rs`.

use crate::common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use common::in_process::*;
use common::native::elf_for;
use fc_layer_action::outcome::Failure;
use fc_local::functions::{FunctionSeed, FunctionsConfig};
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use object::Architecture;

const OFFICIAL: &str = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2";

fn with_functions(functions: &[(&str, Vec<String>)]) -> Arc<Service> {
    service(|config| {
        config.seeds = vec![("my-layer".to_owned(), 1)];
        config.functions = FunctionsConfig {
            seeds: functions
                .iter()
                .map(|(name, layers)| FunctionSeed {
                    name: (*name).to_owned(),
                    layers: layers.clone(),
                })
                .collect(),
            strict_update: true,
            ..FunctionsConfig::default()
        };
    })
}

/// Five layers of other accounts: one more is FC's limit passed.
fn five_others() -> Vec<String> {
    (1..=5)
        .map(|n| format!("acs:fc:cn-hangzhou:99999999{n}:layers/other{n}/versions/1"))
        .collect()
}

/// The dry run failed as the real run would, said so, and wrote nothing: no request but
/// reads; no outputs but those a real run's failure writes (a function not moved).
fn assert_would_fail(run: &Run) -> &Failure {
    assert!(
        run.sent.iter().all(|sent| sent.starts_with("GET ")),
        "a dry run wrote: {:?}",
        run.sent
    );
    assert!(
        run.errors()
            .iter()
            .any(|line| line.contains("would fail: ")),
        "{}",
        run.log
    );
    assert!(run.summary.contains("would fail"), "{}", run.summary);
    assert!(
        run.summary
            .contains("Nothing was uploaded, created, changed or deleted."),
        "{}",
        run.summary
    );
    match &run.result {
        Err(Failure::WouldFail(found)) => found,
        other => panic!("not a dry run's failure: {other:?}\n{}", run.log),
    }
}

#[test]
fn a_dry_run_fails_on_a_function_that_does_not_exist_as_the_real_run_does() {
    let service = with_functions(&[("api", vec![OFFICIAL.to_owned()])]);
    let dry = run_on(
        &service,
        &[
            ("INPUT_FUNCTIONS", "api, nosuchfn"),
            ("INPUT_DRY-RUN", "true"),
        ],
    );
    let found = assert_would_fail(&dry);
    assert!(matches!(found, Failure::Rollout(_)), "{found:?}");
    assert_eq!(
        dry.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "GET GetFunction"
        ]
    );
    let error = dry.errors().join("\n");
    assert!(
        error.contains(
            "would fail: 1 of 2 function(s) could not be moved to the new version: nosuchfn ("
        ),
        "{error}"
    );
    assert!(error.contains("FunctionNotFound"), "{error}");
    // As after a real run's rollout: `functions` names the one that would not move.
    let functions: serde_json::Value =
        serde_json::from_str(&dry.output("functions")).expect("functions is JSON");
    assert_eq!(functions[0]["status"], "would-update");
    assert!(
        functions[1]["error"]
            .as_str()
            .is_some_and(|error| error.contains("FunctionNotFound")),
        "{functions}"
    );
    assert_eq!(dry.output("published"), "false");
    assert_eq!(dry.output("updatedFunctions"), "");
    // The summary's table shows the function that would fail, and the one that would move.
    assert!(dry.summary.contains("nosuchfn"), "{}", dry.summary);
    assert!(dry.summary.contains("failed: "), "{}", dry.summary);
    assert_eq!(versions(&service, "my-layer").len(), 1, "nothing published");
    let state = service.state();
    assert_eq!(state["functions"]["api"]["layers"][0], OFFICIAL);

    let real = run_on(&service, &[("INPUT_FUNCTIONS", "api, nosuchfn")]);
    assert!(
        matches!(real.result, Err(Failure::Rollout(_))),
        "{}",
        real.log
    );
}

#[test]
fn a_dry_run_fails_on_a_sixth_layer() {
    let service = with_functions(&[("full", five_others())]);
    let run = run_on(
        &service,
        &[("INPUT_FUNCTIONS", "full"), ("INPUT_DRY-RUN", "true")],
    );
    assert_would_fail(&run);
    assert_eq!(run.sent, ["GET ListLayerVersions", "GET GetFunction"]);
    let error = run.errors().join("\n");
    assert!(
        error.contains("full (it would have 6 layers, and FC allows at most 5"),
        "{error}"
    );
    assert_eq!(
        service.state()["functions"]["full"]["layers"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}

#[test]
fn a_dry_run_fails_on_check_errors_before_any_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let so = dir.path().join("layer/python/arm/_speedups.so");
    fs::create_dir_all(so.parent().expect("parent")).expect("mkdir");
    fs::write(&so, elf_for(Architecture::Aarch64)).expect("writes");
    let service = service(|_| {});
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer"), ("INPUT_DRY-RUN", "true")],
        InProcess(Arc::clone(&service)),
    );
    let found = assert_would_fail(&run);
    assert!(matches!(found, Failure::Contents { .. }), "{found:?}");
    assert_eq!(run.outputs_file, "", "outputs written on failure");
    assert!(run.sent.is_empty(), "{:?}", run.sent);
    assert!(run.summary.contains("arm/_speedups.so"), "{}", run.summary);
}

#[test]
fn a_dry_run_with_bad_inputs_says_it_would_fail() {
    let run = run(
        &[("INPUT_DRY-RUN", "true"), ("INPUT_RETRIES", "many")],
        InProcess(service(|_| {})),
    );
    let found = assert_would_fail(&run);
    assert!(matches!(found, Failure::Inputs(_)), "{found:?}");
    assert_eq!(run.outputs_file, "", "outputs written on failure");
    assert!(run.sent.is_empty());
    assert!(
        run.summary.starts_with("### Dry run: would fail"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains(r#"retries\`: "many" is not a whole number"#),
        "{}",
        run.summary
    );
}

#[test]
fn a_dry_run_that_would_succeed_still_succeeds() {
    let service = with_functions(&[("api", vec![OFFICIAL.to_owned()])]);
    let run = run_on(
        &service,
        &[("INPUT_FUNCTIONS", "api"), ("INPUT_DRY-RUN", "true")],
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(!run.summary.contains("would fail"), "{}", run.summary);
}

#[test]
fn the_binary_s_dry_run_exits_1_on_a_missing_function_and_fc_local_is_untouched() {
    let server = common::FcLocal::start(&[
        "--security-token",
        common::SECURITY_TOKEN,
        "--seed",
        "my-layer:1",
        "--function",
        "api",
    ]);
    let before = server.state();
    let (output, summary) = common::run_action_with_summary(
        &server.url,
        &[
            ("INPUT_FUNCTIONS", "api, nosuchfn"),
            ("INPUT_DRY-RUN", "true"),
        ],
    );
    let stdout = common::stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "::error::would fail: 1 of 2 function(s) could not be moved to the new version: nosuchfn ("
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Dry run: function api would go from"),
        "{stdout}"
    );
    assert!(summary.contains("would fail"), "{summary}");
    assert_eq!(server.state(), before, "fc-local changed");
}

#[test]
fn a_relative_code_resolves_against_github_workspace_not_the_working_directory() {
    let workspace = tempfile::tempdir().expect("tempdir");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let file = workspace.path().join("build/layer/python/only_here.py");
    fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    fs::write(&file, "X = 1\n").expect("writes");
    let server = common::FcLocal::start(&["--security-token", common::SECURITY_TOKEN]);
    let outputs = elsewhere.path().join("github_output");
    let output = common::run_action_with_sts(
        elsewhere.path(),
        &server.url,
        &outputs,
        &[
            ("INPUT_CODE", "build/layer"),
            (
                "GITHUB_WORKSPACE",
                workspace.path().to_str().expect("utf-8"),
            ),
        ],
    );
    assert!(output.status.success(), "{}", common::stdout(&output));
    let published = server.versions("my-layer");
    assert_eq!(published.len(), 1);
    assert!(
        common::entry_names(&published[0]).contains(&"python/only_here.py"),
        "{:?}",
        published[0]
    );
    assert!(!Path::new(&elsewhere.path().join("build")).exists());
}
