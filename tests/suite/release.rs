//! `alias` and `alias-weight` (issue #23), in-process against the local service: one test
//! per rule (the alias created, moved at 100, given a canary, promoted by a rerun, left
//! alone when already right; FC's "nothing changed"; a lost PublishFunctionVersion or
//! CreateAlias reply; a dry run). `functions: '*'`, keep-versions and the failures are in
//! `release_keep`, with these helpers. The service runs strict: a body field a call does
//! not take is a 400, so a PublishFunctionVersion body is `{"description"}` and no more.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use common::in_process::*;
use fc_local::config::{Config, Fault, FaultKind};
use fc_local::functions::view::{AliasView, VersionView, aliases_in, versions_in};
use fc_local::functions::{AliasSeed, FunctionSeed, FunctionsConfig, VersionSeed};
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use serde_json::{Value, json};

pub const OFFICIAL: &str = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2";
/// Another account's layer of the same name: not a version of ours.
pub const THEIRS: &str = "acs:fc:cn-hangzhou:999999999999:layers/my-layer/versions/9";

pub fn ours(version: i64) -> String {
    format!("acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/{version}")
}

/// `NAME:LAYER,…` as `--function` and `--function-version` take it.
pub fn seed(name: &str, layers: &[&str]) -> String {
    format!("{name}:{}", layers.join(","))
}

/// What the service starts with: FC 3.0 functions, FC 2.0 ones, function versions (each its
/// function's next) and aliases, all in the command line's syntax.
#[derive(Default)]
pub struct World {
    pub layer_versions: u32,
    pub functions: Vec<String>,
    pub fc2: Vec<String>,
    pub versions: Vec<String>,
    pub aliases: Vec<String>,
}

impl World {
    /// The service, updates strict, `configure` applied last.
    pub fn start(self, configure: impl FnOnce(&mut Config)) -> Arc<Service> {
        let parse = |text: &String| FunctionSeed::parse(text).expect("a function seed");
        service(|config| {
            config.seeds = vec![("my-layer".to_owned(), self.layer_versions.max(2))];
            config.functions = FunctionsConfig {
                seeds: self.functions.iter().map(parse).collect(),
                fc2_seeds: self.fc2.iter().map(parse).collect(),
                version_seeds: (self.versions.iter())
                    .map(|text| VersionSeed::parse(text).expect("a version seed"))
                    .collect(),
                alias_seeds: (self.aliases.iter())
                    .map(|text| AliasSeed::parse(text).expect("an alias seed"))
                    .collect(),
                strict_update: true,
                ..FunctionsConfig::default()
            };
            configure(config);
        })
    }
}

/// `api` on layer version 1 beside the official layer; its version 1 holds the same, and
/// alias `prod` routes to it (with `canary`, e.g. `2=0.2`, `api`'s version 2 on our layer
/// version 2 too).
pub fn api_on_prod(canary: Option<&str>, configure: impl FnOnce(&mut Config)) -> Arc<Service> {
    let one = ours(1);
    let mut world = World {
        functions: vec![seed("api", &[OFFICIAL, &one])],
        versions: vec![seed("api", &[OFFICIAL, &one])],
        ..World::default()
    };
    let alias = match canary {
        Some(canary) => {
            world.versions.push(seed("api", &[OFFICIAL, &ours(2)]));
            format!("api:prod:1:{canary}")
        }
        None => "api:prod:1".to_owned(),
    };
    world.aliases.push(alias);
    world.start(configure)
}

/// The layers `api` gets from version 3 of the layer.
pub fn new_layers() -> Vec<String> {
    vec![OFFICIAL.to_owned(), ours(3)]
}

/// A run with `functions: api`, `alias: prod` and `changes`.
pub fn release(service: &Arc<Service>, changes: &[(&str, &str)]) -> Run {
    let mut all = vec![("INPUT_FUNCTIONS", "api"), ("INPUT_ALIAS", "prod")];
    all.extend_from_slice(changes);
    run(&all, InProcess(Arc::clone(service)))
}

pub fn fault(action: &str, kind: FaultKind) -> Fault {
    Fault {
        action: action.to_owned(),
        times: 1,
        kind,
    }
}

pub fn prod(service: &Service) -> AliasView {
    aliases_in(&service.state(), "api")
        .remove("prod")
        .expect("alias prod")
}

pub fn versions_of(service: &Service, function: &str) -> Vec<VersionView> {
    versions_in(&service.state(), function)
}

/// `{"version": …, "weights": {…}}` as the `functions` output writes an alias's state.
pub fn routes(version: &str, weights: Value) -> Value {
    json!({"version": version, "weights": weights})
}

pub fn function_output(run: &Run, index: usize) -> Value {
    let all: Value = serde_json::from_str(&run.output("functions")).expect("functions is JSON");
    all[index].clone()
}

/// Whether the log holds `line`. Plain lines are escaped as workflow command data (`%` as
/// `%25`), so the log is read decoded.
pub fn logged(run: &Run, line: &str) {
    let log = run.log.replace("%25", "%");
    assert!(log.contains(line), "{line}\n{}", run.log);
}

/// Where the service captures each request, in a directory that lives as long as the first.
pub fn capture_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("capture.jsonl");
    (dir, file)
}

/// The `(query, body)` of each `action` request the service captured in `file`, in order.
pub fn captured(file: &Path, action: &str) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(file).expect("the capture");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON line"))
        .filter(|record| {
            let headers = record["headers"].as_array().expect("headers");
            headers.contains(&json!(["x-acs-action", action]))
        })
        .map(|record| {
            let body = record["body_base64"].as_str().expect("base64");
            let body = STANDARD.decode(body).expect("base64");
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            (record["query"].as_str().expect("a query").to_owned(), body)
        })
        .collect()
}

pub const PUBLISH_AND_UPDATE: [&str; 5] = [
    "GET ListLayerVersions",
    "POST CreateLayerVersion",
    "GET GetFunction",
    "PUT UpdateFunction",
    "GET GetFunction",
];

pub fn with_steps(first: &[&str], then: &[&str]) -> Vec<String> {
    first
        .iter()
        .chain(then)
        .map(|step| step.to_string())
        .collect()
}

#[test]
fn a_missing_alias_is_created_on_the_version_published_for_the_new_layers() {
    let one = ours(1);
    let (_dir, file) = capture_file();
    let service = World {
        functions: vec![seed("api", &[OFFICIAL, &one])],
        ..World::default()
    }
    .start(|config| config.capture = Some(file.clone()));
    let run = release(&service, &[]);
    assert!(run.result.is_ok(), "{}", run.log);
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
    let prod = prod(&service);
    assert_eq!(
        (
            prod.version_id.as_str(),
            prod.additional_version_weight.len()
        ),
        ("1", 0)
    );
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
    let service = World {
        functions: vec![seed("api", &[])],
        ..World::default()
    }
    .start(|_| {});
    let run = release(&service, &[("INPUT_ALIAS-WEIGHT", "25")]);
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.count("CreateAlias"), 1, "{:?}", run.sent);
    assert_eq!(prod(&service).version_id, "1");
    assert!(prod(&service).additional_version_weight.is_empty());
    logged(
        &run,
        "alias prod: the alias is new, so no earlier version is there to keep the other 75%",
    );
}

#[test]
fn at_weight_100_the_alias_moves_to_the_new_version_and_its_canary_is_cleared() {
    let (_dir, file) = capture_file();
    let service = api_on_prod(Some("2=0.1"), |config| config.capture = Some(file.clone()));
    let run = release(&service, &[]);
    assert!(run.result.is_ok(), "{}", run.log);
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
    let prod = prod(&service);
    assert_eq!(
        captured(&file, "UpdateAlias"),
        [(
            String::new(),
            json!({"versionId": "3", "additionalVersionWeight": {}})
        )]
    );
    // Cleared, not kept: UpdateAlias sent `"additionalVersionWeight": {}`.
    assert_eq!(
        (
            prod.version_id.as_str(),
            prod.additional_version_weight.len()
        ),
        ("3", 0)
    );
    let api = function_output(&run, 0);
    assert_eq!(api["functionVersion"], "3");
    assert_eq!(api["alias"]["before"], routes("1", json!({"2": 0.1})));
    assert_eq!(api["alias"]["after"], routes("3", json!({})));
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
    let (_dir, file) = capture_file();
    let service = api_on_prod(Some("2=0.2"), |config| config.capture = Some(file.clone()));
    let run = release(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.count("PublishFunctionVersion"), 1, "{:?}", run.sent);
    assert_eq!(run.sent.last().map(String::as_str), Some("PUT UpdateAlias"));
    assert_eq!(
        captured(&file, "UpdateAlias"),
        [(
            String::new(),
            json!({"versionId": "1", "additionalVersionWeight": {"3": 0.1}})
        )]
    );
    let prod = prod(&service);
    assert_eq!(prod.version_id, "1");
    assert_eq!(
        prod.additional_version_weight
            .into_iter()
            .collect::<Vec<_>>(),
        [("3".to_owned(), 0.1)]
    );
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
    let canary = release(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert!(canary.result.is_ok(), "{}", canary.log);
    assert_eq!(
        prod(&service).additional_version_weight.get("2"),
        Some(&0.1)
    );
    let promote = release(&service, &[]);
    assert!(promote.result.is_ok(), "{}", promote.log);
    // The layer version is reused, LATEST is already on it, the canary (version 2) already
    // holds the new layers: only the alias is written.
    assert_eq!(
        promote.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "GET GetAlias",
            "GET GetFunction",
            "GET GetFunction",
            "PUT UpdateAlias",
        ]
    );
    assert_eq!(promote.output("published"), "false");
    assert_eq!(versions(&service, "my-layer").len(), 3);
    assert_eq!(versions_of(&service, "api").len(), 2);
    let updates = &service.state()["functions"]["api"]["updates"];
    assert_eq!(updates, 1, "LATEST untouched by the rerun");
    let prod = prod(&service);
    assert_eq!(
        (
            prod.version_id.as_str(),
            prod.additional_version_weight.len()
        ),
        ("2", 0)
    );
    let api = function_output(&promote, 0);
    assert_eq!(api["status"], "unchanged");
    assert_eq!(api["functionVersion"], "2");
    assert_eq!(api["alias"]["before"], routes("1", json!({"2": 0.1})));
    assert_eq!(api["alias"]["after"], routes("2", json!({})));
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
    let first = release(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert!(first.result.is_ok(), "{}", first.log);
    let again = release(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert!(again.result.is_ok(), "{}", again.log);
    assert_eq!(
        again.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "GET GetAlias",
            "GET GetFunction",
            "GET GetFunction",
        ]
    );
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
    let whole = release(&service, &[]);
    assert!(whole.result.is_ok(), "{}", whole.log);
    assert_eq!(prod(&service).version_id, "2");
    let canary = release(&service, &[("INPUT_ALIAS-WEIGHT", "30")]);
    assert!(canary.result.is_ok(), "{}", canary.log);
    assert_eq!(
        canary.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "GET GetAlias",
            "GET GetFunction",
        ]
    );
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
    let run = release(&service, &[]);
    assert!(run.result.is_ok(), "{}", run.log);
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
    let service = World {
        functions: vec![seed("api", &[])],
        ..World::default()
    }
    .start(|_| {});
    let first = release(&service, &[]);
    assert!(first.result.is_ok(), "{}", first.log);
    // A new alias on the same function: LATEST is what version 1 holds.
    let staging = release(&service, &[("INPUT_ALIAS", "staging")]);
    assert!(staging.result.is_ok(), "{}", staging.log);
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
    let service = World {
        functions: vec![seed("api", &[])],
        ..World::default()
    }
    .start(|config| config.faults = vec![fault("CreateAlias", FaultKind::DropReply)]);
    let run = release(&service, &[]);
    assert!(run.result.is_ok(), "{}", run.log);
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
    let run = release(
        &service,
        &[("INPUT_DRY-RUN", "true"), ("INPUT_KEEP-VERSIONS", "1")],
    );
    assert!(run.result.is_ok(), "{}", run.log);
    // keep-versions would delete a version, so what uses it is read, with a GET too.
    assert_eq!(
        run.sent,
        [
            "GET ListLayerVersions",
            "GET GetFunction",
            "GET GetAlias",
            "GET GetFunction",
            "GET GetFunction",
            "GET ListFunctions",
        ]
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
    let canary = release(&service, &[("INPUT_ALIAS-WEIGHT", "10")]);
    assert!(canary.result.is_ok(), "{}", canary.log);
    let dry = release(&service, &[("INPUT_DRY-RUN", "true")]);
    assert!(dry.result.is_ok(), "{}", dry.log);
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
