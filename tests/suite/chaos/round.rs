//! One round: a fresh service, the real action binary run on the round's scenario through
//! its faulty front (once, twice in a row, or twice at once), and what each run left.

use std::fs;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::package::zip_directory;
use fc_local::config::Config;
use fc_local::service::Service;
use serde_json::Value;

use super::front::{self, Exchange, Shared};
use super::functions::{self, Release};
use super::schedule::{Call, Rng, Route, Runs, Scenario, Schedule};
use crate::common::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, SECURITY_TOKEN, run_action};

pub const LAYER: &str = "chaos-layer";
pub const BUCKET: &str = "chaos-bucket";
/// The bearer GitHub's token endpoint wants in a keyless round: a secret too.
const OIDC_REQUEST_TOKEN: &str = "chaos-id-token-request-5d1e";
const ROLE: &str = "acs:ram::1234567890123456:role/chaos-publisher";
const PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/GitHub";

/// The action's connect and idle timeouts in a round, so that a stall costs seconds, not
/// minutes, and a loaded machine still answers in time.
const TIMEOUT_SECS: u64 = 2;

/// What one run of the action left behind.
pub struct RunRecord {
    pub output: Output,
    pub outputs_file: String,
    pub summary: String,
    pub exchanges: Vec<Exchange>,
    /// In one region's view of a `regions` round: whether that region has outputs.
    pub region_succeeded: Option<bool>,
}

impl RunRecord {
    pub fn succeeded(&self) -> bool {
        self.region_succeeded
            .unwrap_or_else(|| self.output.status.success())
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn output(&self, name: &str) -> Option<String> {
        crate::common::parse_github_output(&self.outputs_file)
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// A round played: its draw, the service's state before and after, every run.
pub struct Round {
    pub seed: u64,
    pub scenario: Scenario,
    pub schedule: Schedule,
    pub before: Value,
    pub after: Value,
    /// The states of each region's path prefix after the round, with `regions`.
    pub regions_after: Vec<(String, Value)>,
    /// With [`Runs::Twice`], the state between the runs, and each region's.
    pub between: Option<Value>,
    pub regions_between: Vec<(String, Value)>,
    pub runs: Vec<RunRecord>,
    /// The CRC-64 and size of the round's zip, as the action must compute them.
    pub checksum: String,
    pub zip_size: u64,
    pub secrets: Vec<String>,
}

/// The round `seed` draws, played.
pub fn play(seed: u64) -> Round {
    let mut rng = Rng::new(seed);
    let mut scenario = Scenario::draw(&mut rng);
    let mut schedule = Schedule::draw(&mut rng);
    Release::draw(seed, &mut scenario, &mut schedule);
    super::mid_update::draw(seed, &mut scenario);
    play_drawn(seed, scenario, schedule, &mut rng)
}

/// A round of a scenario and schedule chosen by hand: a defect the random rounds found,
/// kept as a test of its own.
pub fn play_drawn(seed: u64, scenario: Scenario, schedule: Schedule, rng: &mut Rng) -> Round {
    let work = tempfile::tempdir().expect("temp dir");
    let code = work.path().join("code");
    write_tree(&code, &scenario, rng);
    let (zip, _) = zip_directory(&code).expect("the round's tree zips");

    let (config, mut secrets) = service_config(&scenario);
    let shared = Arc::new(Shared {
        service: Service::new(config).expect("service"),
        schedule: Mutex::new(schedule.clone()),
        idle: Duration::from_secs(TIMEOUT_SECS),
    });
    let before = shared.service.state();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let count = if scenario.runs == Runs::Once { 1 } else { 2 };
    let listeners: Vec<_> = (0..count)
        .map(|_| runtime.block_on(front::listen(shared.clone())))
        .collect();
    let run = |index: usize| {
        let (address, exchanges) = &listeners[index];
        let record = run_once(
            work.path(),
            index,
            &code,
            &scenario,
            &format!("http://{address}"),
        );
        let exchanges = exchanges.lock().expect("exchanges").clone();
        RunRecord {
            exchanges,
            ..record
        }
    };
    let (mut between, mut regions_between) = (None, Vec::new());
    let runs = match scenario.runs {
        Runs::Once => vec![run(0)],
        Runs::Twice => {
            let first = run(0);
            between = Some(shared.service.state());
            regions_between = regions_state(&shared, &scenario);
            vec![first, run(1)]
        }
        Runs::Together => std::thread::scope(|scope| {
            let other = scope.spawn(|| run(1));
            let first = run(0);
            vec![first, other.join().expect("the second run")]
        }),
    };
    let after = shared.service.state();
    let regions_after = regions_state(&shared, &scenario);
    runtime.shutdown_timeout(Duration::from_secs(1));

    secrets.extend(lent_secrets(&runs));
    Round {
        seed,
        scenario,
        schedule,
        before,
        after,
        regions_after,
        between,
        regions_between,
        runs,
        checksum: crc64_xz(&zip),
        zip_size: zip.len() as u64,
        secrets,
    }
}

/// The service's configuration for `scenario`, and the secrets it is given.
fn service_config(scenario: &Scenario) -> (Config, Vec<String>) {
    let mut credentials = Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET);
    let mut secrets = vec![ACCESS_KEY_SECRET.to_owned()];
    if scenario.security_token {
        credentials = credentials.with_security_token(SECURITY_TOKEN);
        secrets.push(SECURITY_TOKEN.to_owned());
    }
    let mut config = Config::new(credentials);
    if scenario.seeded_versions > 0 {
        config.seeds = vec![(LAYER.to_owned(), scenario.seeded_versions)];
    }
    config.functions = functions::functions_config(scenario);
    if scenario.keyless {
        secrets.push(OIDC_REQUEST_TOKEN.to_owned());
        config.oidc.request_token = OIDC_REQUEST_TOKEN.to_owned();
    }
    (config, secrets)
}

/// Whatever a server lent: FC 2.0's bucket credentials, STS's role credentials, the job's
/// OIDC token.
fn lent_secrets(runs: &[RunRecord]) -> Vec<String> {
    let mut secrets = Vec::new();
    for exchange in runs.iter().flat_map(|run| &run.exchanges) {
        let reply = exchange.reply_json();
        for credentials in [&reply["credentials"], &reply["Credentials"]] {
            for field in ["AccessKeySecret", "SecurityToken"] {
                if let Some(value) = credentials[field].as_str() {
                    secrets.push(value.to_owned());
                }
            }
        }
        if exchange.call == Call::GitHubToken
            && let Some(token) = reply["value"].as_str()
        {
            secrets.push(token.to_owned());
        }
    }
    secrets
}

/// The state of each region's path prefix, with `regions`.
fn regions_state(shared: &Shared, scenario: &Scenario) -> Vec<(String, Value)> {
    scenario
        .regions
        .iter()
        .map(|region| {
            let state = shared.service.state_of(&format!("/{region}"));
            ((*region).to_owned(), state)
        })
        .collect()
}

/// The round's code: a small Python package unique to the round, and on the large draws a
/// file that does not compress, big enough for a multipart upload.
fn write_tree(code: &Path, scenario: &Scenario, rng: &mut Rng) {
    let package = code.join("python/chaos");
    fs::create_dir_all(&package).expect("folders");
    fs::write(
        package.join("__init__.py"),
        format!("ROUND = {}\n", scenario.content),
    )
    .expect("module");
    fs::create_dir_all(code.join("bin")).expect("bin");
    fs::write(code.join("bin/tool"), "#!/bin/sh\necho chaos\n").expect("tool");
    if scenario.large {
        let mut blob = Vec::with_capacity(34 << 20);
        while blob.len() < 34 << 20 {
            blob.extend_from_slice(&rng.next().to_le_bytes());
        }
        fs::write(package.join("blob.bin"), blob).expect("blob");
    }
}

fn run_once(work: &Path, index: usize, code: &Path, scenario: &Scenario, url: &str) -> RunRecord {
    let outputs = work.join(format!("output-{index}"));
    let summary = work.join(format!("summary-{index}"));
    let temp = work.join(format!("runner-temp-{index}"));
    fs::create_dir_all(&temp).expect("runner temp");
    fs::write(&outputs, "").expect("outputs file");
    let text = |path: &Path| path.to_str().expect("utf-8 path").to_owned();
    let mut envs: Vec<(&str, String)> = vec![
        ("INPUT_LAYER-NAME", LAYER.to_owned()),
        ("INPUT_CODE", text(code)),
        ("INPUT_COMPATIBLE-RUNTIMES", "python3.10".to_owned()),
        ("INPUT_REGION", "cn-hangzhou".to_owned()),
        ("INPUT_ENDPOINT", url.to_owned()),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID.to_owned()),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET.to_owned()),
        ("INPUT_SKIP-UNCHANGED", scenario.skip_unchanged.to_string()),
        ("INPUT_RETRIES", scenario.retries.to_string()),
        ("INPUT_DRY-RUN", scenario.dry_run.to_string()),
        ("GITHUB_OUTPUT", text(&outputs)),
        ("GITHUB_STEP_SUMMARY", text(&summary)),
        ("RUNNER_TEMP", text(&temp)),
        (
            fc_layer_action::http::ENV_TEST_TIMEOUT_SECS,
            TIMEOUT_SECS.to_string(),
        ),
    ];
    if scenario.keyless {
        envs.retain(|(name, _)| !name.starts_with("INPUT_ACCESS-KEY"));
        envs.extend([
            ("INPUT_ROLE-TO-ASSUME", ROLE.to_owned()),
            ("INPUT_OIDC-PROVIDER-ARN", PROVIDER.to_owned()),
            ("INPUT_STS-ENDPOINT", url.to_owned()),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{url}/_github/oidc/token?api-version=2.0"),
            ),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                OIDC_REQUEST_TOKEN.to_owned(),
            ),
            ("GITHUB_RUN_ID", "77".to_owned()),
        ]);
    } else if scenario.security_token {
        envs.push(("INPUT_SECURITY-TOKEN", SECURITY_TOKEN.to_owned()));
    }
    envs.extend(functions::inputs(scenario));
    if let Some(short) = super::mid_update::timeout_of(scenario, index) {
        envs.retain(|(name, _)| *name != "INPUT_FUNCTION-UPDATE-TIMEOUT");
        envs.push(("INPUT_FUNCTION-UPDATE-TIMEOUT", short));
    }
    if let Some(keep) = scenario.keep_versions {
        envs.push(("INPUT_KEEP-VERSIONS", keep.to_string()));
    }
    if let Some(acl) = scenario.acl {
        envs.push(("INPUT_ACL", acl.to_owned()));
    }
    envs.extend(route_inputs(scenario, url));
    if !scenario.regions.is_empty() {
        let per_region = format!("{url}/{{region}}");
        envs.retain(|(name, _)| *name != "INPUT_REGION" && *name != "INPUT_ENDPOINT");
        envs.push(("INPUT_REGIONS", scenario.regions.join(", ")));
        envs.push(("INPUT_ENDPOINT", per_region.clone()));
        for (name, value) in &mut envs {
            if *name == "INPUT_OSS-ENDPOINT" {
                *value = per_region.clone();
            }
        }
    }
    let envs: Vec<(&str, &str)> = envs
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let output = run_action(work, &envs);
    RunRecord {
        output,
        outputs_file: fs::read_to_string(&outputs).expect("outputs file"),
        summary: fs::read_to_string(&summary).unwrap_or_default(),
        exchanges: Vec::new(),
        region_succeeded: None,
    }
}

/// The inputs of the round's way to FC: inline, its own bucket, or FC's temporary one.
fn route_inputs(scenario: &Scenario, url: &str) -> Vec<(&'static str, String)> {
    let mut route = Vec::new();
    match scenario.route {
        Route::Inline => route.push(("INPUT_UPLOAD", "inline".to_owned())),
        Route::OwnBucket => route.extend([
            ("INPUT_UPLOAD", "oss".to_owned()),
            ("INPUT_OSS-BUCKET", BUCKET.to_owned()),
            ("INPUT_OSS-ENDPOINT", url.to_owned()),
        ]),
        Route::TempBucket { account_from_sts } => {
            route.extend([
                ("INPUT_UPLOAD", "oss".to_owned()),
                ("INPUT_OSS-ENDPOINT", url.to_owned()),
                ("INPUT_STS-ENDPOINT", url.to_owned()),
            ]);
            if !account_from_sts {
                route.push((
                    "INPUT_ACCOUNT-ID",
                    fc_local::config::DEFAULT_ACCOUNT_ID.to_owned(),
                ));
            }
        }
    }
    route
}
