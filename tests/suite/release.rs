//! `alias` and `alias-weight` (issue #23), in-process against the local service: one test
//! per rule (the alias created, moved at 100, given a canary, promoted by a rerun, left
//! alone when already right; FC's "nothing changed"; a lost PublishFunctionVersion or
//! CreateAlias reply; a dry run). `functions: '*'`, keep-versions and the failures are in
//! `release_keep`; the helpers are in `release_support`. The service runs strict: a body
//! field a call does not take is a 400, so a PublishFunctionVersion body is
//! `{"description"}` and no more.

use super::release_support::*;
use crate::common::in_process::*;
use fc_local::config::FaultKind;
use fc_local::functions::view::aliases_in;
use serde_json::{Value, json};

#[test]
fn a_missing_alias_is_created_on_the_version_published_for_the_new_layers() {
    let one = ours(1);
    let (_dir, file) = capture_file();
    let service = api_alone(&[OFFICIAL, &one], |config| {
        config.capture = Some(file.clone())
    });
    let run = release_ok(&service, &[]);
    // GetAlias's 404 is not retried; the version is published once, after a listing.
    let then = [
        "GET GetAlias",
        "GET ListFunctionVersions",
        "POST PublishFunctionVersion",
        "POST CreateAlias",
    ];
    assert_eq!(run.sent, with_steps(&PUBLISH_AND_UPDATE, &then));
    let description = "my-layer version 3 (fc-layer-action)";
    assert_eq!(
        captured(&file, "PublishFunctionVersion"),
        [(String::new(), json!({ "description": description }))]
    );
    assert_eq!(
        captured(&file, "ListFunctionVersions"),
        [("direction=BACKWARD&limit=100".to_owned(), Value::Null)]
    );
    assert_eq!(
        captured(&file, "CreateAlias"),
        [(
            String::new(),
            json!({"aliasName": "prod", "versionId": "1"})
        )]
    );
    let versions = versions_of(&service, "api");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].layers, new_layers());
    assert_eq!(
        versions[0].description,
        "my-layer version 3 (fc-layer-action)"
    );
    assert_routes(&service, "1", json!({}));
    let api = function_output(&run, 0);
    assert_eq!(api["status"], "updated");
    assert_eq!(api["functionVersion"], "1");
    assert_eq!(
        api["alias"],
        json!({"name": "prod", "before": null, "after": routes("1", json!({}))})
    );
    logged(
        &run,
        "function api: alias prod now routes all traffic to version 1",
    );
    assert!(
        run.summary.contains("#### Alias ` prod `"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| ` api ` | 1 (published) | none | 1 |"),
        "{}",
        run.summary
    );
}

#[test]
fn a_canary_weight_on_a_missing_alias_creates_it_whole_and_says_why() {
    let service = api_alone(&[], |_| {});
    let run = release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "25")]);
    assert_eq!(run.count("CreateAlias"), 1, "{:?}", run.sent);
    assert_routes(&service, "1", json!({}));
    logged(
        &run,
        "alias prod: the alias is new, so no earlier version is there to keep the other 75%",
    );
}

#[test]
fn at_weight_100_the_alias_moves_to_the_new_version_and_its_canary_is_cleared() {
    let (_dir, file, service) = api_on_prod_captured("2=0.1");
    let run = release_ok(&service, &[]);
    // Both versions the alias routes to are read; neither has the new layers.
    let then = [
        "GET GetAlias",
        "GET GetFunction",
        "GET GetFunction",
        "GET ListFunctionVersions",
        "POST PublishFunctionVersion",
        "PUT UpdateAlias",
    ];
    assert_eq!(run.sent, with_steps(&PUBLISH_AND_UPDATE, &then));
    assert_eq!(versions_of(&service, "api")[2].layers, new_layers());
    assert_eq!(
        captured(&file, "UpdateAlias"),
        [(
            String::new(),
            json!({"versionId": "3", "additionalVersionWeight": {}})
        )]
    );
    // Cleared, not kept: UpdateAlias sent `"additionalVersionWeight": {}`.
    assert_routes(&service, "3", json!({}));
    let before = routes("1", json!({"2": 0.1}));
    assert_released(&run, 0, "3", before, routes("3", json!({})));
    logged(
        &run,
        "function api: alias prod: the canary version 2 (10%) is cleared",
    );
    logged(
        &run,
        "function api: alias prod now routes all traffic to version 3",
    );
}

#[test]
fn a_canary_weight_keeps_the_main_version_and_replaces_the_other_canary() {
    let (_dir, file, service) = api_on_prod_captured("2=0.2");
    let run = release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert_eq!(run.count("PublishFunctionVersion"), 1, "{:?}", run.sent);
    assert_eq!(run.sent.last().map(String::as_str), Some("PUT UpdateAlias"));
    assert_eq!(
        captured(&file, "UpdateAlias"),
        [(
            String::new(),
            json!({"versionId": "1", "additionalVersionWeight": {"3": 0.1}})
        )]
    );
    assert_routes(&service, "1", json!({"3": 0.1}));
    let api = function_output(&run, 0);
    assert_eq!(api["alias"]["after"], routes("1", json!({"3": 0.1})));
    logged(
        &run,
        "function api: alias prod: the canary version 2 (20%) is replaced",
    );
    logged(
        &run,
        "function api: alias prod now routes 90% to version 1 and 10% to version 3",
    );
}

#[test]
fn promoting_by_a_rerun_at_100_reuses_the_canary_and_publishes_nothing() {
    let service = api_on_prod(None, |_| {});
    release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert_eq!(
        prod(&service).additional_version_weight.get("2"),
        Some(&0.1)
    );
    let promote = release_ok(&service, &[]);
    // The layer version is reused, LATEST is already on it, the canary (version 2) already
    // holds the new layers: only the alias is written.
    assert_eq!(
        promote.sent,
        with_steps(&READ_ALIAS, &["GET GetFunction", "PUT UpdateAlias"])
    );
    assert_eq!(promote.output("published"), "false");
    assert_eq!(versions(&service, "my-layer").len(), 3);
    assert_eq!(versions_of(&service, "api").len(), 2);
    let updates = &service.state()["functions"]["api"]["updates"];
    assert_eq!(updates, 1, "LATEST untouched by the rerun");
    assert_routes(&service, "2", json!({}));
    assert_eq!(function_output(&promote, 0)["status"], "unchanged");
    let before = routes("1", json!({"2": 0.1}));
    assert_released(&promote, 0, "2", before, routes("2", json!({})));
    logged(
        &promote,
        "function api: version 2 (canary of alias prod) already has the new layers; no version published",
    );
    assert!(
        promote
            .summary
            .contains("| ` api ` | 2 (reused) | 1, 10% to 2 | 2 |"),
        "{}",
        promote.summary
    );
}

#[test]
fn a_rerun_with_the_same_weight_sends_no_write() {
    let service = api_on_prod(None, |_| {});
    release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    let again = release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert_eq!(again.sent, with_steps(&READ_ALIAS, &["GET GetFunction"]));
    logged(
        &again,
        "function api: alias prod is already where it should be; nothing sent",
    );
    let api = function_output(&again, 0);
    assert_eq!(api["alias"]["before"], api["alias"]["after"]);
    assert_eq!(api["functionVersion"], "2");
    assert_eq!(versions_of(&service, "api").len(), 2);
}

#[test]
fn a_canary_weight_on_the_alias_s_main_version_sends_nothing_and_says_so() {
    let service = api_on_prod(None, |_| {});
    release_ok(&service, &[]);
    assert_eq!(prod(&service).version_id, "2");
    let canary = release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "30")]);
    assert_eq!(canary.sent, READ_ALIAS);
    logged(
        &canary,
        "function api: alias prod: version 2 is already the alias's main version, which cannot also be its canary",
    );
    assert!(prod(&service).additional_version_weight.is_empty());
}

#[test]
fn a_publish_whose_reply_was_lost_is_found_and_adopted_not_repeated() {
    let service = api_on_prod(None, |config| {
        config.faults = vec![fault("PublishFunctionVersion", FaultKind::DropReply)];
    });
    let run = release_ok(&service, &[]);
    let then = [
        "GET GetAlias",
        "GET GetFunction",
        "GET ListFunctionVersions",
        "POST PublishFunctionVersion",
        // Newest first: version 2 is new since the first listing, and read.
        "GET ListFunctionVersions",
        "GET GetFunction",
        "PUT UpdateAlias",
    ];
    assert_eq!(run.sent, with_steps(&PUBLISH_AND_UPDATE, &then));
    let versions = versions_of(&service, "api");
    assert_eq!(versions.len(), 2, "one version published, not two");
    assert_eq!(versions[1].layers, new_layers());
    assert_eq!(prod(&service).version_id, "2");
    assert_eq!(function_output(&run, 0)["functionVersion"], "2");
    logged(
        &run,
        "function api: version 2 is new since the listing and holds the new layers",
    );
}

#[test]
fn when_fc_says_nothing_changed_the_newest_version_with_the_new_layers_is_used() {
    let service = api_alone(&[], |_| {});
    release_ok(&service, &[]);
    // A new alias on the same function: LATEST is what version 1 holds.
    let staging = release_ok(&service, &[("INPUT_ALIAS", "staging")]);
    assert_eq!(
        staging.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "GET GetAlias",
            "GET ListFunctionVersions",
            "POST PublishFunctionVersion",
            "GET ListFunctionVersions",
            "GET GetFunction",
            "POST CreateAlias",
        ]
    );
    logged(
        &staging,
        "function api: FC says nothing changed since its last version; taking the newest version that holds the new layers",
    );
    assert_eq!(versions_of(&service, "api").len(), 1);
    let aliases = aliases_in(&service.state(), "api");
    assert_eq!(aliases["staging"].version_id, "1");
    assert_eq!(function_output(&staging, 0)["functionVersion"], "1");
}

#[test]
fn alias_already_exists_after_a_lost_create_alias_reply_falls_back_to_update_alias() {
    let service = api_alone(&[], |config| {
        config.faults = vec![fault("CreateAlias", FaultKind::DropReply)]
    });
    let run = release_ok(&service, &[]);
    let then = [
        "GET GetAlias",
        "GET ListFunctionVersions",
        "POST PublishFunctionVersion",
        "POST CreateAlias",
        "POST CreateAlias",
        "PUT UpdateAlias",
    ];
    assert_eq!(run.sent, with_steps(&PUBLISH_AND_UPDATE, &then));
    logged(
        &run,
        "function api: alias prod exists already (created meanwhile, or by an attempt whose reply was lost): updating it",
    );
    assert_eq!(prod(&service).version_id, "1");
    assert_eq!(versions_of(&service, "api").len(), 1);
    let api = function_output(&run, 0);
    assert_eq!(api["alias"]["after"], routes("1", json!({})));
}

#[test]
fn a_dry_run_with_an_alias_sends_only_gets() {
    let service = api_on_prod(Some("2=0.1"), |_| {});
    let run = release_ok(
        &service,
        &[("INPUT_DRY-RUN", "true"), ("INPUT_KEEP-VERSIONS", "1")],
    );
    // keep-versions would delete a version, so what uses it is read, with a GET too.
    assert_eq!(
        run.sent,
        with_steps(&READ_ALIAS, &["GET GetFunction", "GET ListFunctions"])
    );
    logged(
        &run,
        "Dry run: function api would publish a version (version 1 (main) has other layers; version 2 (canary) has other layers) and move alias prod to it at 100%",
    );
    assert_eq!(versions_of(&service, "api").len(), 2);
    assert_eq!(prod(&service).version_id, "1");
    assert_eq!(versions(&service, "my-layer").len(), 2);
    let api = function_output(&run, 0);
    assert_eq!(api["functionVersion"], Value::Null);
    // keep-versions neither lists the functions nor deletes anything in a dry run.
    assert_eq!(run.output("deletedVersions"), "");

    // After a canary run, a dry run at 100 would move the alias to the canary.
    let service = api_on_prod(None, |_| {});
    release_ok(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    let dry = release_ok(&service, &[("INPUT_DRY-RUN", "true")]);
    assert!(
        dry.sent.iter().all(|sent| sent.starts_with("GET ")),
        "{:?}",
        dry.sent
    );
    logged(
        &dry,
        "Dry run: function api: alias prod would route all traffic to version 2",
    );
    assert_eq!(prod(&service).version_id, "1");
    assert_eq!(
        function_output(&dry, 0)["alias"]["after"],
        routes("2", json!({}))
    );
}
