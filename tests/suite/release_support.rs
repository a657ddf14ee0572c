//! The helpers `release` and `release_keep` share: the service's world (functions, versions
//! and aliases in the command line's syntax), a release run, and what to read back from the
//! service and the run's outputs.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use common::in_process::*;
use fc_layer_action::fc::ServiceError;
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

/// `api` alone on `layers`, no version or alias yet, `configure` applied last.
pub fn api_alone(layers: &[&str], configure: impl FnOnce(&mut Config)) -> Arc<Service> {
    World {
        functions: vec![seed("api", layers)],
        ..World::default()
    }
    .start(configure)
}

/// `api` alone on our layer version 1, and ListFunctions refused with a 403.
pub fn api_with_listing_refused() -> Arc<Service> {
    api_alone(&[&ours(1)], |config| {
        let denied = ServiceError::new(403, "AccessDenied", "no fc:ListFunctions");
        config.faults = vec![fault("ListFunctions", FaultKind::Fail(denied))];
    })
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

/// [`api_on_prod`] capturing each request in the file returned, in a directory that lives
/// as long as the first.
pub fn api_on_prod_captured(canary: &str) -> (tempfile::TempDir, PathBuf, Arc<Service>) {
    let (dir, file) = capture_file();
    let service = api_on_prod(Some(canary), |config| config.capture = Some(file.clone()));
    (dir, file, service)
}

/// A run with `functions: '*'` and nothing else.
pub fn functions_star(service: &Arc<Service>) -> Run {
    run_on(service, &[("INPUT_FUNCTIONS", "*")])
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

/// [`release`], which must succeed.
pub fn release_ok(service: &Arc<Service>, changes: &[(&str, &str)]) -> Run {
    let run = release(service, changes);
    assert!(run.result.is_ok(), "{}", run.log);
    run
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

/// Alias `prod` of `api` in the service routes to `version`, with `weights` as its canary.
pub fn assert_routes(service: &Service, version: &str, weights: Value) {
    let prod = prod(service);
    assert_eq!(prod.version_id, version);
    let canary = serde_json::to_value(&prod.additional_version_weight).expect("weights as JSON");
    assert_eq!(canary, weights);
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

/// The `functions` output's `index`th entry: `version` taken for its alias, which went from
/// `before` to `after`.
pub fn assert_released(run: &Run, index: usize, version: &str, before: Value, after: Value) {
    let entry = function_output(run, index);
    assert_eq!(entry["functionVersion"], version);
    assert_eq!(entry["alias"]["before"], before);
    assert_eq!(entry["alias"]["after"], after);
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

/// What a release with an alias reads first once the layer version is there: the function,
/// the alias and the alias's main version.
pub const READ_ALIAS: [&str; 4] = [
    "GET ListLayerVersions",
    "GET GetFunction",
    "GET GetAlias",
    "GET GetFunction",
];

pub fn with_steps(first: &[&str], then: &[&str]) -> Vec<String> {
    first
        .iter()
        .chain(then)
        .map(|step| step.to_string())
        .collect()
}
