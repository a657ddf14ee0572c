//! Which functions use the layer (issue #23), in-process against the local service:
//! `functions: '*'` over every page of ListFunctions, and keep-versions sparing the versions
//! an unnamed function's LATEST or an alias (main or canary) uses; then the release's
//! failures: a refused listing, a failed UpdateAlias, a function whose layers step failed,
//! and the retries of the new calls. Helpers are `release_support`'s.

use std::sync::Arc;

use super::release_support::*;
use crate::common::in_process::*;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::outcome::Failure;
use fc_local::config::FaultKind;
use fc_local::in_process::InProcess;
use serde_json::{Value, json};

/// Layer versions 1 … 5 (the run publishes 6, keep-versions: 1 leaves 1 … 5 to delete).
/// `legacy` (FC 2.0) runs 1 and `other` (not named) 2; `api`'s alias `prod` routes to its
/// version 1 (layer 3) with version 2 (layer 4, LATEST's too) as its canary.
#[test]
fn keep_versions_keeps_what_an_unnamed_function_and_an_alias_s_canary_use() {
    let (_dir, file) = capture_file();
    let service = World {
        layer_versions: 5,
        functions: vec![seed("api", &[&ours(4)]), seed("other", &[&ours(2)])],
        fc2: vec![seed("legacy", &[OFFICIAL, &ours(1)])],
        versions: vec![seed("api", &[&ours(3)]), seed("api", &[&ours(4)])],
        aliases: vec!["api:prod:1:2=0.1".to_owned()],
    }
    .start(|config| config.capture = Some(file.clone()));
    let run = release_ok(
        &service,
        &[("INPUT_KEEP-VERSIONS", "1"), ("INPUT_ALIAS-WEIGHT", "10")],
    );
    // Every function listed (no fcVersion filter) once the alias has moved, then the one
    // version no one uses deleted.
    let tail = &run.sent[run.sent.len() - 3..];
    assert_eq!(
        tail,
        [
            "PUT UpdateAlias",
            "GET ListFunctions",
            "DELETE DeleteLayerVersion"
        ]
    );
    assert_eq!(
        captured(&file, "ListFunctions"),
        [("limit=100".to_owned(), Value::Null)]
    );
    assert_eq!(run.output("deletedVersions"), "5");
    let left: Vec<i64> = versions(&service, "my-layer")
        .iter()
        .map(|version| version["version"].as_i64().expect("a number"))
        .collect();
    assert_eq!(left, [1, 2, 3, 4, 6]);
    for line in [
        "keep-versions: kept 1: used by legacy (LATEST)",
        "keep-versions: kept 2: used by other (LATEST)",
        "keep-versions: kept 3: used by api (alias prod → version 1)",
        "keep-versions: kept 4: used by api (alias prod → version 2)",
    ] {
        logged(&run, line);
    }
    assert!(
        run.summary.contains("| Kept, in use | 1: used by legacy (LATEST); 2: used by other (LATEST); 3: used by api (alias prod → version 1); 4: used by api (alias prod → version 2) |"),
        "{}",
        run.summary
    );
    let prod = prod(&service);
    assert_eq!(prod.version_id, "1");
    assert_eq!(prod.additional_version_weight.get("3"), Some(&0.1));
}

/// One version used by an unnamed function's LATEST and by a named one's alias: one line
/// names both users.
#[test]
fn keep_versions_names_every_user_of_a_kept_version() {
    let service = World {
        layer_versions: 3,
        functions: vec![seed("api", &[&ours(2)]), seed("worker", &[&ours(1)])],
        versions: vec![seed("worker", &[&ours(2)])],
        aliases: vec!["worker:prod:1".to_owned()],
        ..World::default()
    }
    .start(|_| {});
    let run = run(
        &[
            ("INPUT_FUNCTIONS", "worker"),
            ("INPUT_ALIAS", "prod"),
            ("INPUT_ALIAS-WEIGHT", "50"),
            ("INPUT_KEEP-VERSIONS", "1"),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    logged(
        &run,
        "keep-versions: kept 2: used by api (LATEST), worker (alias prod → version 1)",
    );
    assert_eq!(run.output("deletedVersions"), "1,3");
    assert_eq!(run.count("DeleteLayerVersion"), 2);
}

#[test]
fn keep_versions_deletes_nothing_when_listing_the_functions_is_refused() {
    let service = api_with_listing_refused();
    let run = run(
        &[("INPUT_FUNCTIONS", "api"), ("INPUT_KEEP-VERSIONS", "1")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    // A 403 is not retried, and nothing is deleted without the listing.
    let mut expected = PUBLISH_AND_UPDATE.to_vec();
    expected.push("GET ListFunctions");
    assert_eq!(run.sent, expected);
    logged(
        &run,
        "::warning::keep-versions: nothing deleted, since the functions that may use the versions could not be listed",
    );
    assert_eq!(run.output("deletedVersions"), "");
    assert_eq!(versions(&service, "my-layer").len(), 3);
    assert_eq!(run.output("updatedFunctions"), "api");
}

#[test]
fn a_failed_update_alias_fails_the_step_writes_the_outputs_and_deletes_nothing() {
    let service = api_on_prod(None, |config| {
        let refused = ServiceError::new(400, "InvalidArgument", "alias is locked");
        config.faults = vec![fault("UpdateAlias", FaultKind::Fail(refused))];
    });
    let run = release(&service, &[("INPUT_KEEP-VERSIONS", "1")]);
    let Err(Failure::Rollout(outcome)) = &run.result else {
        panic!("the step fails: {}", run.log);
    };
    assert_eq!(outcome.deleted, Vec::<i64>::new());
    assert_eq!(run.sent.last().map(String::as_str), Some("PUT UpdateAlias"));
    assert_eq!(run.count("UpdateAlias"), 1, "a 400 is not retried");
    assert_eq!(
        run.count("ListFunctions") + run.count("DeleteLayerVersion"),
        0
    );
    assert_eq!(versions(&service, "my-layer").len(), 3);
    // The outputs are written all the same, for a later step.
    assert_eq!(run.output("layerVersionArn"), ours(3));
    assert_eq!(run.output("deletedVersions"), "");
    let api = function_output(&run, 0);
    assert_eq!(api["status"], "failed");
    assert!(
        api["error"]
            .as_str()
            .expect("error")
            .contains("alias is locked"),
        "{api}"
    );
    assert_released(&run, 0, "2", routes("1", json!({})), Value::Null);
    assert_eq!(prod(&service).version_id, "1", "the alias did not move");
    logged(
        &run,
        "::warning::function api: UpdateAlias failed: HTTP 400 InvalidArgument: alias is locked",
    );
    logged(&run, "::warning::keep-versions: nothing deleted");
    assert!(
        run.errors()
            .iter()
            .any(|line| line.contains("api (UpdateAlias failed")),
        "{}",
        run.log
    );
    assert!(
        run.summary.contains("| ` api ` | 2 (published) | 1 | — |"),
        "{}",
        run.summary
    );

    // The rerun (the fault spent) publishes no second version: FC says nothing changed, and
    // version 2 is taken; then keep-versions tidies up, sparing what alias prod ran.
    let rerun = release_ok(&service, &[("INPUT_KEEP-VERSIONS", "1")]);
    assert_eq!(
        rerun.sent,
        with_steps(
            &READ_ALIAS,
            &[
                "GET ListFunctionVersions",
                "POST PublishFunctionVersion",
                // Newest first: version 2 holds the new layers, and the search ends there.
                "GET ListFunctionVersions",
                "GET GetFunction",
                "PUT UpdateAlias",
                "GET ListFunctions",
                "DELETE DeleteLayerVersion",
            ],
        )
    );
    assert_eq!(versions_of(&service, "api").len(), 2);
    assert_eq!(prod(&service).version_id, "2");
    assert_eq!(rerun.output("deletedVersions"), "2");
    logged(
        &rerun,
        "keep-versions: kept 1: used by api (alias prod → version 1)",
    );
}

#[test]
fn a_function_whose_layers_step_failed_gets_no_version_and_no_alias_move() {
    let service = api_on_prod(None, |config| {
        config.functions.failing = vec![("api".to_owned(), "bad layer".to_owned())];
    });
    let run = release(&service, &[]);
    assert!(
        matches!(run.result, Err(Failure::Rollout(_))),
        "{}",
        run.log
    );
    for action in ["GetAlias", "PublishFunctionVersion", "UpdateAlias"] {
        assert_eq!(run.count(action), 0, "{action}: {:?}", run.sent);
    }
    assert_eq!(versions_of(&service, "api").len(), 1);
    let api = function_output(&run, 0);
    assert_eq!(api["status"], "failed");
    assert_eq!(api["functionVersion"], Value::Null);
    assert_eq!(api.get("alias"), None, "{api}");
    assert_eq!(prod(&service).version_id, "1");
}

#[test]
fn the_release_s_calls_follow_retries() {
    let busy = || FaultKind::Fail(ServiceError::new(503, "ServiceUnavailable", "busy"));
    let service = api_on_prod(None, |config| {
        config.faults = ["GetAlias", "PublishFunctionVersion", "UpdateAlias"]
            .into_iter()
            .map(|action| fault(action, busy()))
            .collect();
    });
    let run = release_ok(&service, &[]);
    let then = [
        "GET GetAlias",
        "GET GetAlias",
        "GET GetFunction",
        "GET ListFunctionVersions",
        "POST PublishFunctionVersion",
        // A 503 may have published: the versions are looked at before publishing again.
        "GET ListFunctionVersions",
        "POST PublishFunctionVersion",
        "PUT UpdateAlias",
        "PUT UpdateAlias",
    ];
    assert_eq!(run.sent, with_steps(&PUBLISH_AND_UPDATE, &then));
    assert_eq!(
        versions_of(&service, "api").len(),
        2,
        "one version published"
    );
    assert_eq!(prod(&service).version_id, "2");

    // `retries: 0`: the first 503 fails the function.
    let service = api_on_prod(None, |config| {
        config.faults = vec![fault("GetAlias", busy())]
    });
    let run = release(&service, &[("INPUT_RETRIES", "0")]);
    assert!(
        matches!(run.result, Err(Failure::Rollout(_))),
        "{}",
        run.log
    );
    assert_eq!(run.count("GetAlias"), 1);
    assert_eq!(run.count("PublishFunctionVersion"), 0);
    assert_eq!(function_output(&run, 0)["status"], "failed");
}

/// `f000` … `f209`: three pages of 100. `f000`, `f150` and `f209` use a version of the
/// layer; `f100` only another account's layer of the same name; `old`, an FC 2.0
/// function, uses ours too but is not FC 3.0's to roll out to.
#[test]
fn functions_star_takes_every_fc3_function_using_the_layer_over_every_page() {
    let (one, two) = (ours(1), ours(2));
    let functions = (0..210)
        .map(|n| {
            let name = format!("f{n:03}");
            match n {
                0 => seed(&name, &[OFFICIAL, &one]),
                150 => seed(&name, &[&two]),
                209 => seed(&name, &[&one, THEIRS]),
                100 => seed(&name, &[THEIRS]),
                _ => seed(&name, &[OFFICIAL]),
            }
        })
        .collect();
    let (_dir, file) = capture_file();
    let service = World {
        functions,
        fc2: vec![seed("old", &[&one])],
        ..World::default()
    }
    .start(|config| config.capture = Some(file.clone()));
    let run = functions_star(&service);
    assert!(run.result.is_ok(), "{}", run.log);
    // Listed before anything is written: 210 functions at 100 a page.
    assert_eq!(
        run.sent[..5],
        [
            "GET ListLayerVersions",
            "GET ListFunctions",
            "GET ListFunctions",
            "GET ListFunctions",
            "POST CreateLayerVersion",
        ]
    );
    let queries: Vec<String> = (captured(&file, "ListFunctions").into_iter())
        .map(|(query, _)| query)
        .collect();
    assert_eq!(
        queries,
        [
            "limit=100&fcVersion=v3",
            "limit=100&nextToken=f100&fcVersion=v3",
            "limit=100&nextToken=f200&fcVersion=v3",
        ]
    );
    assert_eq!(run.count("UpdateFunction"), 3, "{:?}", run.sent);
    assert_eq!(run.output("updatedFunctions"), "f000,f150,f209");
    logged(
        &run,
        "functions: '*': 3 of the region's 210 function(s) use this layer: f000, f150, f209",
    );
    let state = service.state();
    let layers = |name: &str| state["functions"][name]["layers"].clone();
    assert_eq!(layers("f000"), json!([OFFICIAL, ours(3)]));
    assert_eq!(layers("f150"), json!([ours(3)]));
    assert_eq!(layers("f209"), json!([ours(3), THEIRS]));
    assert_eq!(layers("f100"), json!([THEIRS]));
    assert_eq!(layers("old"), json!([one]));
}

#[test]
fn functions_star_reads_a_function_listed_without_layers_with_get_function() {
    let one = ours(1);
    let service = World {
        functions: vec![seed("api", &[&one]), seed("other", &[OFFICIAL])],
        ..World::default()
    }
    .start(|config| config.functions.list_without_layers = true);
    let run = functions_star(&service);
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(
        run.sent[..5],
        [
            "GET ListLayerVersions",
            "GET ListFunctions",
            "GET GetFunction",
            "GET GetFunction",
            "POST CreateLayerVersion",
        ]
    );
    assert_eq!(run.output("updatedFunctions"), "api");
    assert_eq!(service.state()["functions"]["other"]["updates"], 0);
}

#[test]
fn functions_star_publishes_nothing_when_the_functions_cannot_be_listed() {
    let service = api_with_listing_refused();
    let run = functions_star(&service);
    assert!(
        matches!(run.result, Err(Failure::Functions(_))),
        "{}",
        run.log
    );
    assert_eq!(run.sent, ["GET ListLayerVersions", "GET ListFunctions"]);
    assert_eq!(versions(&service, "my-layer").len(), 2);
}

#[test]
fn functions_star_with_no_function_using_the_layer_is_a_warning() {
    let service = api_alone(&[THEIRS], |_| {});
    let run = functions_star(&service);
    assert!(run.result.is_ok(), "{}", run.log);
    logged(
        &run,
        "::warning::functions: '*': none of the region's 1 function(s) uses a version of this layer",
    );
    assert_eq!(run.count("UpdateFunction"), 0);
    assert_eq!(run.output("functions"), "[]");
}
