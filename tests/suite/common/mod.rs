//! Helpers shared by the suite: the real `fc-local` and action binaries, run as processes
//! the way a workflow runs them; a hostile server; the pipeline in-process; the published
//! signature vectors.

pub mod binaries;
pub mod github_output;
pub mod hostile;
pub mod in_process;
pub mod native;
pub mod vectors;

pub use github_output::parse_github_output;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The secrets registered for masking, in order.
#[derive(Default)]
pub struct Masked(pub Vec<String>);

impl fc_layer_action::credentials::Masker for Masked {
    fn mask(&mut self, secret: &fc_layer_action::credentials::Secret) {
        self.0.push(secret.expose().to_owned());
    }
}

/// Runs `future` to its end on a runtime of its own, for tests that call a client directly.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// The workspace's root, where the examples and tools are.
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
}

pub const ACCESS_KEY_ID: &str = "LTAI-it-test";
pub const ACCESS_KEY_SECRET: &str = "it-secret-3f9a7c";
pub const SECURITY_TOKEN: &str = "it-sts-token-81c2e5";

/// A running `fc-local`, stopped when dropped.
pub struct FcLocal {
    child: Child,
    pub url: String,
}

impl FcLocal {
    pub fn start(extra_args: &[&str]) -> Self {
        let mut child = Command::new(binaries::fc_local())
            .args([
                "--access-key-id",
                ACCESS_KEY_ID,
                "--access-key-secret",
                ACCESS_KEY_SECRET,
            ])
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("fc-local starts");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut first_line)
            .expect("fc-local prints its address");
        let url = first_line
            .trim()
            .strip_prefix("fc-local listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
            .to_owned();
        Self { child, url }
    }

    /// `GET /_local/state` as JSON.
    pub fn state(&self) -> serde_json::Value {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connects");
        write!(
            stream,
            "GET /_local/state HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .expect("sends");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("reads");
        let (head, body) = reply.split_once("\r\n\r\n").expect("HTTP reply");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        serde_json::from_str(body).expect("JSON state")
    }

    /// The versions of `layer`, in order; empty when the layer does not exist.
    pub fn versions(&self, layer: &str) -> Vec<serde_json::Value> {
        let state = self.state();
        match state["layers"][layer]["versions"].as_object() {
            Some(versions) => versions.values().cloned().collect(),
            None => Vec::new(),
        }
    }
}

impl Drop for FcLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the action binary with only `envs` set (plus PATH), in `working_dir`.
/// `FC_ACTION_BIN` runs another build instead, e.g. an older release to show that a test
/// fails on it.
pub fn run_action(working_dir: &Path, envs: &[(&str, &str)]) -> Output {
    Command::new(binaries::action())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(envs.iter().copied())
        .current_dir(working_dir)
        .output()
        .expect("the action runs")
}

/// [`run_action`] in `work` on the example layer at `endpoint` with STS credentials (so
/// both canaries are in play), `GITHUB_OUTPUT` at `outputs` and one try (so that each case
/// shows its own behaviour, not the retries'); `extra` over that.
pub fn run_action_with_sts(
    work: &Path,
    endpoint: &str,
    outputs: &Path,
    extra: &[(&str, &str)],
) -> Output {
    let example = example_layer();
    let mut envs: Vec<(&str, &str)> = vec![
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_CODE", example.to_str().expect("utf-8 path")),
        ("INPUT_ENDPOINT", endpoint),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
        ("INPUT_SECURITY-TOKEN", SECURITY_TOKEN),
        ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8 path")),
        ("INPUT_RETRIES", "0"),
    ];
    for (name, value) in extra {
        envs.retain(|(existing, _)| existing != name);
        envs.push((name, value));
    }
    run_action(work, &envs)
}

/// [`run_action_with_sts`] in a fresh directory, with a job summary: what the binary did,
/// and the summary it wrote (empty when it wrote none).
pub fn run_action_with_summary(endpoint: &str, extra: &[(&str, &str)]) -> (Output, String) {
    let work = tempfile::tempdir().expect("tempdir");
    let summary = work.path().join("summary.md");
    let outputs = work.path().join("github_output");
    let mut envs = vec![("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8"))];
    envs.extend_from_slice(extra);
    let output = run_action_with_sts(work.path(), endpoint, &outputs, &envs);
    (
        output,
        std::fs::read_to_string(&summary).unwrap_or_default(),
    )
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The sample layer shipped in `examples/`.
pub fn example_layer() -> PathBuf {
    workspace().join("examples/python-layer")
}

/// Python's `zipfile` reads `zip` and describes each entry, as another reader sees it.
pub fn inspect_zip_with_python(zip: &Path) -> serde_json::Value {
    let script = workspace().join("tests/tools/zip_inspect.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(zip)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "zip_inspect.py failed: {}",
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from zip_inspect.py")
}

/// What `examples/python-layer` zips to, entry by entry.
pub const EXAMPLE_ENTRIES: [&str; 5] = [
    "bin/",
    "bin/hello",
    "python/",
    "python/hello/",
    "python/hello/__init__.py",
];

/// The outputs of the first publish of `my-layer`, whose version fc-local recorded as
/// `recorded`: every output, in the order they are written.
pub fn first_publish_outputs(recorded: &serde_json::Value) -> Vec<(String, String)> {
    let arn = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1";
    let checksum = recorded["codeChecksum"].as_str().expect("checksum");
    [
        ("layerVersionArn", arn),
        ("version", "1"),
        ("codeChecksum", checksum),
        ("codeSize", &recorded["codeSize"].to_string()),
        ("published", "true"),
        ("deletedVersions", ""),
        ("updatedFunctions", ""),
        ("functions", "[]"),
        ("layerVersionArns", &format!(r#"{{"cn-hangzhou":"{arn}"}}"#)),
        ("versions", r#"{"cn-hangzhou":1}"#),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .to_vec()
}

/// The entry names of a version in `fc-local`'s state.
pub fn entry_names(version: &serde_json::Value) -> Vec<&str> {
    version["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| file["name"].as_str().expect("name"))
        .collect()
}

/// Incompressible bytes (xorshift from `seed`), so a zip of them is as large as they are.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// An OSS client of the real transport against the service at `url`, path-style, signing
/// with the suite's keys.
pub fn oss_client(
    url: &str,
) -> fc_layer_action::oss::client::OssClient<fc_layer_action::http::ReqwestTransport> {
    use fc_layer_action::credentials::{Credentials, Secret};
    use fc_layer_action::http::{ReqwestTransport, Timeouts};
    fc_layer_action::oss::client::OssClient {
        transport: ReqwestTransport::new(
            fc_layer_action::proxy::ProxySettings::default(),
            Timeouts::default(),
        )
        .expect("transport"),
        location: fc_layer_action::oss::location::OssLocation::parse(url).expect("location"),
        credentials: Credentials {
            access_key_id: ACCESS_KEY_ID.to_owned(),
            access_key_secret: Secret::new(ACCESS_KEY_SECRET),
            security_token: None,
        },
        region: fc_layer_action::cloud::Region::parse("cn-hangzhou").expect("region"),
        clock: std::sync::Arc::new(time::OffsetDateTime::now_utc),
    }
}
