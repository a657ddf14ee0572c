//! One version per change, in-process against the local service with its faults: skip
//! unchanged, keep-versions, ACL, retries that never duplicate a version, dry run and the job
//! summary. Time is paused, so waits are measured on the runtime's clock without being spent.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::in_process::*;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::outcome::Failure;
use fc_local::config::{Fault, FaultKind};
use fc_local::in_process::InProcess;
use fc_local::service::Service;

fn fault(action: &str, times: u32, kind: FaultKind) -> Fault {
    Fault {
        action: action.to_owned(),
        times,
        kind,
    }
}

fn failing(status: u16, code: &str) -> FaultKind {
    FaultKind::Fail(ServiceError::new(status, code, "injected"))
}

fn publish(service: &Arc<Service>, changes: &[(&str, &str)]) -> Run {
    let run = run(changes, InProcess(Arc::clone(service)));
    assert!(run.result.is_ok(), "{}", run.log);
    run
}

fn version_numbers(service: &Service) -> Vec<i64> {
    versions(service, "my-layer")
        .iter()
        .map(|version| version["version"].as_i64().expect("a number"))
        .collect()
}

#[test]
fn unchanged_twice_makes_one_version_and_reports_it_reused() {
    let service = service(|_| {});
    let first = publish(&service, &[]);
    let second = publish(&service, &[]);
    assert_eq!(version_numbers(&service), [1]);
    assert_eq!(first.output("published"), "true");
    assert_eq!(second.output("published"), "false");
    for name in ["layerVersionArn", "version", "codeChecksum", "codeSize"] {
        assert_eq!(first.output(name), second.output(name), "{name}");
    }
    assert_eq!(second.sent, ["GET ListLayerVersions"], "nothing written");
    assert!(
        second
            .log
            .contains("Unchanged since version 1: reusing acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1"),
        "{}",
        second.log
    );
}

#[test]
fn a_change_of_content_description_license_or_runtimes_makes_a_new_version() {
    let other_code = tempfile::tempdir().expect("tempdir");
    std::fs::write(other_code.path().join("data.txt"), "other").expect("writes");
    let other_code = other_code.path().to_str().expect("utf-8").to_owned();
    for (change, what) in [
        (("INPUT_CODE", other_code.as_str()), "code"),
        (("INPUT_DESCRIPTION", "changed"), "description"),
        (("INPUT_LICENSE", "MIT"), "license"),
        (
            ("INPUT_COMPATIBLE-RUNTIMES", "python3.12"),
            "compatible-runtimes",
        ),
    ] {
        let service = service(|_| {});
        publish(&service, &[]);
        let changed = publish(&service, &[change]);
        assert_eq!(version_numbers(&service), [1, 2], "{what}");
        assert_eq!(changed.output("published"), "true");
        assert!(
            changed
                .log
                .contains(&format!("Publishing: {what} changed since version 1")),
            "{what}: {}",
            changed.log
        );
    }
    // The same runtimes in another order are the same set.
    let service = service(|_| {});
    publish(&service, &[]);
    let reordered = publish(
        &service,
        &[("INPUT_COMPATIBLE-RUNTIMES", "python3.9 python3.10")],
    );
    assert_eq!(reordered.output("published"), "false");
}

#[test]
fn with_45_versions_across_pages_the_highest_is_compared() {
    let service = service(|config| config.seeds.push(("my-layer".to_owned(), 44)));
    let first = publish(&service, &[]);
    assert_eq!(first.output("version"), "45");
    assert_eq!(
        first.count("ListLayerVersions"),
        3,
        "pages of 20: 1-20, 21-40, 41-44"
    );
    let again = publish(&service, &[]);
    assert_eq!(again.output("published"), "false");
    assert_eq!(again.output("version"), "45");
    assert_eq!(again.count("ListLayerVersions"), 3);
    assert_eq!(again.count("CreateLayerVersion"), 0);
    assert!(
        again
            .log
            .contains("::group::Layer my-layer has 45 version(s)"),
        "{}",
        again.log
    );
}

#[test]
fn keep_versions_deletes_all_but_the_highest_and_lists_them() {
    let history = service(|config| config.seeds.push(("my-layer".to_owned(), 5)));
    let run = publish(&history, &[("INPUT_KEEP-VERSIONS", "2")]);
    assert_eq!(run.output("version"), "6");
    assert_eq!(run.output("deletedVersions"), "1,2,3,4");
    assert_eq!(version_numbers(&history), [5, 6]);
    assert_eq!(run.count("DeleteLayerVersion"), 4);

    // A run that reuses a version deletes as well, keeping the version it outputs.
    let seeded = service(|config| config.seeds.push(("my-layer".to_owned(), 3)));
    publish(&seeded, &[]);
    let reused = publish(&seeded, &[("INPUT_KEEP-VERSIONS", "1")]);
    assert_eq!(reused.output("published"), "false");
    assert_eq!(reused.output("deletedVersions"), "1,2,3");
    assert_eq!(version_numbers(&seeded), [4]);
}

#[test]
fn a_failed_delete_is_a_warning_not_a_failure() {
    let service = service(|config| {
        config.seeds.push(("my-layer".to_owned(), 3));
        config
            .faults
            .push(fault("DeleteLayerVersion", 1, failing(403, "AccessDenied")));
    });
    let run = publish(&service, &[("INPUT_KEEP-VERSIONS", "1")]);
    assert_eq!(run.output("deletedVersions"), "2,3");
    assert!(
        run.log.contains("::warning::keep-versions: version 1 was not deleted: DeleteLayerVersion failed: HTTP 403 AccessDenied"),
        "{}",
        run.log
    );
    assert_eq!(version_numbers(&service), [1, 4]);
}

#[test]
fn acl_is_set_both_ways_after_publishing_or_reusing() {
    let service = service(|_| {});
    let public = publish(&service, &[("INPUT_ACL", "public")]);
    assert_eq!(public.count("PutLayerACL"), 1);
    assert_eq!(versions(&service, "my-layer")[0]["acl"], "1");
    let private = publish(&service, &[("INPUT_ACL", "private")]);
    assert_eq!(private.output("published"), "false");
    assert_eq!(private.sent, ["GET ListLayerVersions", "PUT PutLayerACL"]);
    assert_eq!(versions(&service, "my-layer")[0]["acl"], "0");
    assert_eq!(service.state()["layers"]["my-layer"]["acl"], "0");
}

#[test]
fn a_503_twice_still_makes_exactly_one_version() {
    let service = service(|config| {
        config.faults.push(fault(
            "CreateLayerVersion",
            2,
            failing(503, "ServiceUnavailable"),
        ))
    });
    let run = publish(&service, &[]);
    assert_eq!(version_numbers(&service), [1]);
    assert_eq!(run.count("CreateLayerVersion"), 3);
    // A 503 may hide an applied create: each is followed by a listing before the retry.
    assert_eq!(
        run.sent,
        [
            "GET ListLayerVersions",
            "POST CreateLayerVersion",
            "GET ListLayerVersions",
            "POST CreateLayerVersion",
            "GET ListLayerVersions",
            "POST CreateLayerVersion",
        ]
    );
    assert!(
        run.took >= Duration::from_millis(500 + 1000),
        "{:?}",
        run.took
    );
}

#[test]
fn a_429_waits_as_long_as_retry_after_says() {
    let service = service(|config| {
        config.faults.push(fault(
            "CreateLayerVersion",
            1,
            FaultKind::Throttle {
                retry_after_millis: 7_000,
            },
        ))
    });
    let run = publish(&service, &[]);
    assert_eq!(version_numbers(&service), [1]);
    assert_eq!(run.count("CreateLayerVersion"), 2);
    // Throttled, so not applied: no listing between the two creates.
    assert_eq!(run.count("ListLayerVersions"), 1);
    assert!(
        run.took >= Duration::from_millis(7_000),
        "waited {:?}",
        run.took
    );
    assert!(
        run.took < Duration::from_millis(8_000),
        "waited {:?}",
        run.took
    );
    assert!(run.log.contains("retry 1 of 3 in 7.0 s"), "{}", run.log);
}

#[test]
fn a_reply_dropped_after_the_create_applied_adopts_that_version() {
    let service = service(|config| {
        config.seeds.push(("my-layer".to_owned(), 2));
        config
            .faults
            .push(fault("CreateLayerVersion", 1, FaultKind::DropReply));
    });
    let run = publish(&service, &[]);
    assert_eq!(
        version_numbers(&service),
        [1, 2, 3],
        "exactly one new version"
    );
    assert_eq!(run.count("CreateLayerVersion"), 1);
    assert_eq!(run.output("version"), "3");
    assert_eq!(run.output("published"), "true");
    assert!(
        run.log
            .contains("Version 3 holds this run's zip and is newer than every version before it"),
        "{}",
        run.log
    );
}

#[test]
fn a_403_is_tried_once() {
    let service = service(|config| {
        config
            .faults
            .push(fault("CreateLayerVersion", 5, failing(403, "AccessDenied")))
    });
    let run = run(&[], InProcess(Arc::clone(&service)));
    assert!(matches!(run.result, Err(Failure::Client(_))), "{}", run.log);
    assert_eq!(
        run.sent,
        ["GET ListLayerVersions", "POST CreateLayerVersion"]
    );
    assert_eq!(run.outputs_file, "");
    assert_eq!(run.took, Duration::ZERO);
}

#[test]
fn retries_zero_means_one_attempt() {
    let service = service(|config| {
        config.faults.push(fault(
            "CreateLayerVersion",
            1,
            failing(503, "ServiceUnavailable"),
        ))
    });
    let run = run(&[("INPUT_RETRIES", "0")], InProcess(Arc::clone(&service)));
    assert!(run.result.is_err(), "{}", run.log);
    assert_eq!(run.count("CreateLayerVersion"), 1);
    // The listing after the 503 looks for an applied create; it finds none.
    assert_eq!(run.count("ListLayerVersions"), 2);
    assert!(version_numbers(&service).is_empty());
    assert_eq!(run.outputs_file, "");
}

#[test]
fn a_dry_run_reads_but_never_writes() {
    let service = service(|config| config.seeds.push(("my-layer".to_owned(), 4)));
    let run = publish(
        &service,
        &[
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_KEEP-VERSIONS", "2"),
            ("INPUT_ACL", "public"),
        ],
    );
    assert!(
        run.sent.iter().all(|sent| sent.starts_with("GET ")),
        "{:?}",
        run.sent
    );
    assert_eq!(version_numbers(&service), [1, 2, 3, 4]);
    assert_eq!(run.output("published"), "false");
    assert_eq!(run.output("deletedVersions"), "");
    assert!(run.outputs().iter().all(|(name, _)| name != "version"));
    assert!(run.log.contains("Dry run: would publish a new version: code, compatible-runtimes, description, license changed since version 4"), "{}", run.log);
    assert!(
        run.log
            .contains("Dry run: keep-versions would delete 1,2,3"),
        "{}",
        run.log
    );

    // No credentials: validated and packaged, nothing sent at all.
    let offline = run_with(&[
        ("INPUT_DRY-RUN", "true"),
        ("INPUT_ACCESS-KEY-ID", ""),
        ("INPUT_ACCESS-KEY-SECRET", ""),
        ("INPUT_ENDPOINT", ""),
    ]);
    assert!(offline.result.is_ok(), "{}", offline.log);
    assert!(offline.sent.is_empty());
    assert_eq!(offline.output("codeChecksum"), run.output("codeChecksum"));
    assert_eq!(offline.output("codeSize"), run.output("codeSize"));
}

fn run_with(changes: &[(&str, &str)]) -> Run {
    run(changes, InProcess(service(|_| {})))
}

#[test]
fn lifecycle_inputs_are_validated_by_name() {
    let run = run_with(&[
        ("INPUT_SKIP-UNCHANGED", "yes"),
        ("INPUT_KEEP-VERSIONS", "-1"),
        ("INPUT_ACL", "world"),
        ("INPUT_RETRIES", "11"),
        ("INPUT_DRY-RUN", "maybe"),
    ]);
    assert!(run.sent.is_empty());
    let inputs: Vec<&str> = match &run.result {
        Err(Failure::Inputs(errors)) => errors.iter().map(|error| error.input).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        inputs,
        [
            "skip-unchanged",
            "keep-versions",
            "acl",
            "retries",
            "dry-run"
        ]
    );
}

#[test]
fn the_summary_says_what_happened() {
    let service = service(|config| config.seeds.push(("my-layer".to_owned(), 2)));
    let published = publish(
        &service,
        &[("INPUT_KEEP-VERSIONS", "1"), ("INPUT_ACL", "public")],
    );
    let summary = &published.summary;
    for expected in [
        "### Published layer ` my-layer ` version 3\n",
        "| Version | 3 |",
        "| ARN | ` acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/3 ` |",
        "| Result | published: code, compatible-runtimes, description, license changed since version 2 |",
        &format!(
            "| Zip | {} bytes, CRC-64/XZ ` {} ` |",
            published.output("codeSize"),
            published.output("codeChecksum")
        ),
        "| Runtimes | ` python3.10 `, ` python3.9 ` |",
        "| ACL | set to public |",
        "| Deleted versions | 1, 2 |",
    ] {
        assert!(
            summary.contains(expected),
            "{expected:?} not in:\n{summary}"
        );
    }

    let reused = publish(&service, &[]);
    assert!(
        reused
            .summary
            .contains("### Layer ` my-layer ` unchanged: reused version 3"),
        "{}",
        reused.summary
    );
    assert!(
        reused.summary.contains(
            "| Result | skipped: code, runtimes, description and license equal version 3 |"
        ),
        "{}",
        reused.summary
    );

    let failed = run(
        &[("INPUT_ACCESS-KEY-SECRET", "wrong")],
        InProcess(Arc::clone(&service)),
    );
    assert!(
        failed
            .summary
            .starts_with("### Layer ` my-layer ` was not published\n"),
        "{}",
        failed.summary
    );
    assert!(
        failed.summary.contains("HTTP 403 SignatureNotMatch"),
        "{}",
        failed.summary
    );
    assert!(
        failed.summary.contains("(RequestId fc-local-"),
        "{}",
        failed.summary
    );
}

#[test]
fn a_slow_service_is_waited_for_within_the_idle_timeout() {
    let service = service(|config| config.delay = Some(Duration::from_secs(3)));
    let run = publish(&service, &[]);
    assert_eq!(
        run.sent,
        ["GET ListLayerVersions", "POST CreateLayerVersion"]
    );
    assert!(run.took >= Duration::from_secs(6), "{:?}", run.took);
    assert_eq!(version_numbers(&service), [1]);
}
