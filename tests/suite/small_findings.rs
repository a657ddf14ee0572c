//! The real binary against the small hostile cases: an ESC in a file name, an entry name long
//! enough to push its cause past the log's cap, a redirect from GitHub's token URL, STS
//! credentials whose `Expiration` is missing, garbage or past, and 31 regions. Each shows
//! what the log, the summary and the servers saw.

use crate::common;

use std::fs;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};

use common::hostile::{Hostile, Received, reply};
use common::*;

const LAYER_ARN: &str = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1";
const ROLE: &str = "acs:ram::1234567890123456:role/fc-publisher";
const PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/GitHub";

/// What a run printed and left for the job summary.
struct Run {
    output: Output,
    summary: String,
}

impl Run {
    fn log(&self) -> String {
        stdout(&self.output)
    }

    fn errors(&self) -> Vec<String> {
        (self.log().lines())
            .filter(|line| line.starts_with("::error::"))
            .map(str::to_owned)
            .collect()
    }

    fn assert_failed(&self) {
        assert_eq!(self.output.status.code(), Some(1), "{}", self.log());
    }
}

/// The action in `work` with only `envs` and a summary file.
fn act(work: &Path, envs: &[(&str, &str)]) -> Run {
    let summary = work.join("summary.md");
    let summary_path = summary.to_str().expect("utf-8");
    let mut all = vec![
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_RETRIES", "0"),
        ("GITHUB_STEP_SUMMARY", summary_path),
        ("RUNNER_TEMP", work.to_str().expect("utf-8")),
    ];
    all.extend_from_slice(envs);
    let output = run_action(work, &all);
    let summary = fs::read_to_string(&summary).unwrap_or_default();
    Run { output, summary }
}

/// A dry run without credentials of `code`: it reads the code and nothing else.
fn offline(work: &Path, code: &Path, extra: &[(&str, &str)]) -> Run {
    let mut envs = vec![
        ("INPUT_CODE", code.to_str().expect("utf-8")),
        ("INPUT_DRY-RUN", "true"),
    ];
    envs.extend_from_slice(extra);
    if !envs.iter().any(|(name, _)| *name == "INPUT_REGIONS") {
        envs.push(("INPUT_REGION", "cn-hangzhou"));
    }
    act(work, &envs)
}

#[test]
fn an_esc_in_a_file_name_reaches_the_log_escaped() {
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer");
    fs::create_dir_all(layer.join("python")).expect("mkdir");
    fs::write(layer.join("python/ok.py"), "X = 1\n").expect("writes");
    // A FIFO cannot go in a layer, so the step names it.
    let fifo = layer.join("python/\u{1b}]0;pwned\u{7}\u{1b}[31mred\u{7f}");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.expect("mkfifo runs").success());
    let run = offline(work.path(), &layer, &[]);
    run.assert_failed();
    let log = run.log();
    assert!(!log.contains('\u{1b}'), "a raw ESC: {log:?}");
    assert!(!log.contains('\u{7}') && !log.contains('\u{7f}'), "{log:?}");
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|error| error.contains("python/%1B]0;pwned%07%1B[31mred%7F: is not a file")),
        "{log}"
    );
}

/// A zip whose only entry has a name of `name_bytes` bytes and is marked encrypted (bit 0 of
/// its flags, in the local header and the central directory), which the check refuses.
fn zip_of_a_long_encrypted_entry(name_bytes: usize) -> Vec<u8> {
    let name = format!("python/{}.py", "d".repeat(name_bytes - 10));
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file(name, stored).expect("starts");
    writer.write_all(b"X = 1\n").expect("writes");
    let mut bytes = writer.finish().expect("finishes").into_inner();
    for (signature, flags_at) in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)] {
        let at = (bytes.windows(4))
            .position(|window| window == signature)
            .expect("a header");
        bytes[at + flags_at] |= 1;
    }
    bytes
}

#[test]
fn a_long_entry_name_keeps_its_cause_in_the_log_and_the_summary() {
    let work = tempfile::tempdir().expect("tempdir");
    let zip = work.path().join("deep.zip");
    fs::write(&zip, zip_of_a_long_encrypted_entry(9000)).expect("writes");
    let run = offline(work.path(), &zip, &[]);
    run.assert_failed();
    let cause = "is encrypted; FC cannot unpack an encrypted layer, so zip it without a password";
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.log());
    assert!(errors[0].ends_with(cause), "{}", errors[0]);
    assert!(errors[0].contains(" bytes, shortened) … "), "{}", errors[0]);
    assert!(errors[0].len() < 8400, "{} bytes", errors[0].len());
    assert!(run.summary.contains(cause), "{}", run.summary);
    assert!(run.summary.len() < 6000, "{} bytes", run.summary.len());
}

#[test]
fn a_redirect_from_the_token_url_names_its_target_and_is_not_followed() {
    let github = Hostile::start(true, |_, stream| {
        let location = "http://token-thief.example:8443/steal";
        let _ = stream.write_all(&reply("302 Found", &[("location", location)], b""));
    });
    let work = tempfile::tempdir().expect("tempdir");
    let token_url = format!("{}/token?api-version=2.0", github.url);
    let run = act(
        work.path(),
        &[
            ("INPUT_CODE", example_layer().to_str().expect("utf-8")),
            ("INPUT_REGION", "cn-hangzhou"),
            ("INPUT_ENDPOINT", &github.url),
            ("INPUT_STS-ENDPOINT", &github.url),
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("INPUT_OIDC-PROVIDER-ARN", PROVIDER),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &token_url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-bearer-canary"),
        ],
    );
    run.assert_failed();
    let errors = run.errors().join("\n");
    assert!(
        errors.contains("HTTP 302 redirecting to token-thief.example:8443"),
        "{}",
        run.log()
    );
    for line in (run.log().lines()).filter(|line| line.contains("request-bearer-canary")) {
        assert!(line.starts_with("::add-mask::"), "{line}");
    }
    assert_eq!(github.requests().len(), 1, "one request, nothing followed");
}

/// GitHub's token URL, STS and FC in one server: STS lends credentials whose `Expiration`
/// is `expiration` (a JSON member, or nothing).
fn sts_lending(expiration: &'static str) -> Hostile {
    Hostile::start(true, move |request: &Received, stream: &mut TcpStream| {
        let body = if request.target.starts_with("/token") {
            r#"{"value":"header.payload.signature"}"#.to_owned()
        } else if request.method == "POST" && request.target == "/" {
            format!(
                r#"{{"RequestId":"r","Credentials":{{"AccessKeyId":"STS.lent","AccessKeySecret":"lent-secret-canary","SecurityToken":"lent-token-canary"{expiration}}}}}"#
            )
        } else if request.method == "POST" {
            format!(r#"{{"layerVersionArn":"{LAYER_ARN}","version":1}}"#)
        } else {
            r#"{"layers":[]}"#.to_owned()
        };
        let _ = stream.write_all(&reply("200 OK", &[], body.as_bytes()));
    })
}

fn keyless_run(server: &Hostile) -> Run {
    let work = tempfile::tempdir().expect("tempdir");
    let token_url = format!("{}/token?api-version=2.0", server.url);
    act(
        work.path(),
        &[
            ("INPUT_CODE", example_layer().to_str().expect("utf-8")),
            ("INPUT_REGION", "cn-hangzhou"),
            ("INPUT_ENDPOINT", &server.url),
            ("INPUT_STS-ENDPOINT", &server.url),
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("INPUT_OIDC-PROVIDER-ARN", PROVIDER),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &token_url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-bearer"),
        ],
    )
}

/// The requests that reached FC's API.
fn fc_requests(server: &Hostile) -> usize {
    (server.requests().iter())
        .filter(|request| request.target.starts_with("/2023-03-30/"))
        .count()
}

#[test]
fn sts_credentials_without_a_readable_expiration_are_used_with_a_warning() {
    for expiration in ["", r#","Expiration":"sometime soon""#] {
        let server = sts_lending(expiration);
        let run = keyless_run(&server);
        assert!(run.output.status.success(), "{}", run.log());
        let warned = (run.log().lines())
            .any(|line| line.starts_with("::warning::") && line.contains("Credentials.Expiration"));
        assert!(warned, "{expiration}: {}", run.log());
        assert_eq!(fc_requests(&server), 2, "listed and created");
    }
}

#[test]
fn sts_credentials_already_expired_fail_the_step_before_fc() {
    let server = sts_lending(r#","Expiration":"2020-01-01T00:00:00Z""#);
    let run = keyless_run(&server);
    run.assert_failed();
    let errors = run.errors().join("\n");
    assert!(
        errors.contains("the credentials STS lent expired at 2020-01-01T00:00:00Z"),
        "{}",
        run.log()
    );
    assert_eq!(fc_requests(&server), 0, "nothing sent with them");
    for canary in ["lent-secret-canary", "lent-token-canary"] {
        for line in run.log().lines().filter(|line| line.contains(canary)) {
            assert!(line.starts_with("::add-mask::"), "{line}");
        }
    }
}

#[test]
fn thirty_one_regions_are_refused_naming_the_input_count_and_limit() {
    let work = tempfile::tempdir().expect("tempdir");
    let regions: Vec<String> = (1..=31).map(|index| format!("cn-region{index}")).collect();
    let regions = regions.join(",");
    let run = offline(
        work.path(),
        &example_layer(),
        &[("INPUT_REGIONS", &regions)],
    );
    run.assert_failed();
    assert_eq!(
        run.errors()[0],
        "::error::input `regions`: lists 31 regions; the most is 30 (FC is in fewer regions than that)"
    );
}
