//! The publish pipeline in-process: `run_step` with the real reporter writing to buffers and
//! the local FC service as its transport (signatures checked, zips opened), no subprocess and
//! no socket. The same cases as `end_to_end.rs`, plus replies no real server would give.

mod common;

use std::cell::RefCell;
use std::fs;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use common::{
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, EXAMPLE_ENTRIES, SECURITY_TOKEN, entry_names, example_layer,
    parse_github_output,
};
use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_layer_action::local::in_process::InProcess;
use fc_layer_action::local::service::{Config, Fault, FaultKind, Service};
use fc_layer_action::publish::{self, Environment, Failure, Outcome};
use fc_layer_action::report::Workflow;
use serde_json::{Value, json};

const ENDPOINT: &str = "http://fc.test";

/// What a run left behind: its result, the job log, the `GITHUB_OUTPUT` text, the job
/// summary, and every request sent as `METHOD action`.
struct Run {
    result: Result<Outcome, Failure>,
    log: String,
    outputs_file: String,
    summary: String,
    sent: Vec<String>,
    /// Virtual time the run took (the runtime's clock is paused and jumps over waits).
    took: Duration,
}

impl Run {
    fn outputs(&self) -> Vec<(String, String)> {
        parse_github_output(&self.outputs_file)
    }

    fn output(&self, name: &str) -> String {
        self.outputs()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
            .unwrap_or_else(|| panic!("no output {name}: {}", self.outputs_file))
    }

    /// How many requests of `action` were sent.
    fn count(&self, action: &str) -> usize {
        self.sent
            .iter()
            .filter(|sent| sent.ends_with(&format!(" {action}")))
            .count()
    }

    fn errors(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|line| line.starts_with("::error::"))
            .collect()
    }

    fn assert_failed_and_wrote_nothing(&self) {
        assert!(self.result.is_err(), "{}", self.log);
        assert_eq!(self.outputs_file, "", "outputs written on failure");
        assert!(!self.log.contains("layerVersionArn="), "{}", self.log);
    }
}

/// Records what goes through `inner`, so a test can say what was sent, or that nothing was.
struct Recording<T> {
    inner: T,
    sent: Rc<RefCell<Vec<String>>>,
}

impl<T: Transport> Transport for Recording<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let action = request
            .headers
            .iter()
            .find(|(name, _)| name == "x-acs-action")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        self.sent
            .borrow_mut()
            .push(format!("{} {action}", request.method));
        self.inner.send(request).await
    }
}

/// A server that answers every request with the same reply.
/// A server that answers the create (and every other write) with the same reply; the
/// listing too when `listing` is set, else with an empty page.
struct Canned {
    reply: HttpReply,
    listing: bool,
}

impl Transport for Canned {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        if request.method == "GET" && !self.listing {
            return Ok(HttpReply {
                status: 200,
                headers: Vec::new(),
                body: br#"{"layers":[]}"#.to_vec(),
            });
        }
        Ok(self.reply.clone())
    }
}

/// A network that never answers.
struct Unreachable;

impl Transport for Unreachable {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        Err(TransportError::Unreachable {
            origin: ENDPOINT.to_owned(),
            proxy: None,
            request_sent: false,
            detail: format!(
                "connection refused sending {} {}",
                request.method, request.url
            ),
        })
    }
}

fn service(configure: impl FnOnce(&mut Config)) -> Arc<Service> {
    let mut config = Config::new(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET));
    configure(&mut config);
    Arc::new(Service::new(config).expect("service"))
}

/// The inputs of a valid publish of the example layer, with `changes` applied (an empty
/// value removes a variable).
fn vars(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let example = example_layer();
    let mut vars: Vec<(String, String)> = [
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_CODE", example.to_str().expect("utf-8 path")),
        ("INPUT_COMPATIBLE-RUNTIMES", "python3.10, python3.9"),
        ("INPUT_DESCRIPTION", "in-process test"),
        ("INPUT_LICENSE", "Apache-2.0"),
        ("INPUT_ENDPOINT", ENDPOINT),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
    ]
    .iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect();
    for (name, value) in changes {
        vars.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            vars.push((name.to_string(), value.to_string()));
        }
    }
    vars
}

fn run_in(working_dir: &Path, changes: &[(&str, &str)], transport: impl Transport) -> Run {
    let sent = Rc::new(RefCell::new(Vec::new()));
    let transport = Recording {
        inner: transport,
        sent: Rc::clone(&sent),
    };
    let env = Environment {
        vars: vars(changes),
        working_dir: working_dir.to_path_buf(),
    };
    let mut reporter = Workflow::new(Vec::new(), Some(Vec::new())).with_summary(Some(Vec::new()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let (result, took) = runtime.block_on(async {
        let start = tokio::time::Instant::now();
        let result = publish::run_step(&env, transport, &mut reporter).await;
        (result, start.elapsed())
    });
    let (log, outputs_file, summary) = reporter.into_parts();
    let text =
        |bytes: Option<Vec<u8>>| String::from_utf8(bytes.unwrap_or_default()).expect("utf-8");
    let sent = sent.borrow().clone();
    Run {
        result,
        log: String::from_utf8(log).expect("utf-8 log"),
        outputs_file: text(outputs_file),
        summary: text(summary),
        sent,
        took,
    }
}

fn run(changes: &[(&str, &str)], transport: impl Transport) -> Run {
    run_in(Path::new("/nonexistent-workdir"), changes, transport)
}

fn versions(service: &Service, layer: &str) -> Vec<Value> {
    service.state()["layers"][layer]["versions"]
        .as_object()
        .map(|versions| versions.values().cloned().collect())
        .unwrap_or_default()
}

fn assert_no_secret(run: &Run) {
    for secret in [ACCESS_KEY_SECRET, SECURITY_TOKEN] {
        for (what, text) in [("log", &run.log), ("outputs", &run.outputs_file)] {
            let leaks: Vec<&str> = text
                .lines()
                .filter(|line| line.contains(secret) && !line.starts_with("::add-mask::"))
                .collect();
            assert!(leaks.is_empty(), "{secret} in the {what}: {leaks:?}");
        }
    }
}

#[test]
fn publishes_a_directory_and_writes_all_outputs() {
    let service = service(|_| {});
    let run = run(&[], InProcess(Arc::clone(&service)));
    let published = run.result.as_ref().expect("published");
    assert_no_secret(&run);
    assert_eq!(
        run.sent,
        ["GET ListLayerVersions", "POST CreateLayerVersion"],
        "the listing the unchanged check needs, then one create"
    );
    assert!(
        run.log
            .starts_with(&format!("::add-mask::{ACCESS_KEY_SECRET}\n")),
        "the mask comes first: {}",
        run.log
    );

    let recorded = &versions(&service, "my-layer")[0];
    let arn = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1";
    let layer = published.layer.as_ref().expect("a version");
    assert_eq!(layer.layer_version_arn, arn);
    assert!(published.published());
    assert_eq!(
        run.outputs(),
        [
            ("layerVersionArn".to_owned(), arn.to_owned()),
            ("version".to_owned(), "1".to_owned()),
            (
                "codeChecksum".to_owned(),
                recorded["codeChecksum"]
                    .as_str()
                    .expect("checksum")
                    .to_owned()
            ),
            ("codeSize".to_owned(), recorded["codeSize"].to_string()),
            ("published".to_owned(), "true".to_owned()),
            ("deletedVersions".to_owned(), String::new()),
        ]
    );
    assert_eq!(published.checksum, recorded["codeChecksum"]);
    assert!(
        run.log.contains(&format!("\nPublished {arn}\n")),
        "{}",
        run.log
    );
    assert_eq!(
        recorded["compatibleRuntime"],
        json!(["python3.10", "python3.9"])
    );
    assert_eq!(recorded["description"], "in-process test");
    assert_eq!(recorded["license"], "Apache-2.0");
    assert_eq!(entry_names(recorded), EXAMPLE_ENTRIES);
}

#[test]
fn sends_a_prebuilt_zip_unchanged() {
    let service = service(|_| {});
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("python/only.py", stored).expect("starts");
    std::io::Write::write_all(&mut writer, b"X = 1\n").expect("writes");
    let bytes = writer.finish().expect("finishes").into_inner();
    fs::write(dir.path().join("layer.zip"), &bytes).expect("writes");

    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer.zip")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(run.log.contains("layer.zip: 1 entries"), "{}", run.log);
    let recorded = &versions(&service, "my-layer")[0];
    assert_eq!(recorded["codeChecksum"], crc64_xz(&bytes).as_str());
    assert_eq!(recorded["codeSize"], bytes.len());
}

#[test]
fn sts_credentials_from_the_environment_are_masked_and_send_the_token() {
    let service = service(|config| {
        config.credentials =
            Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET).with_security_token(SECURITY_TOKEN);
    });
    let from_env = [
        ("INPUT_ACCESS-KEY-ID", ""),
        ("INPUT_ACCESS-KEY-SECRET", ""),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", SECURITY_TOKEN),
    ];
    let with_token = run(&from_env, InProcess(Arc::clone(&service)));
    assert!(with_token.result.is_ok(), "{}", with_token.log);
    assert!(
        with_token.log.starts_with(&format!(
            "::add-mask::{ACCESS_KEY_SECRET}\n::add-mask::{SECURITY_TOKEN}\n"
        )),
        "{}",
        with_token.log
    );
    assert_no_secret(&with_token);

    let without = run(&from_env[..4], InProcess(Arc::clone(&service)));
    without.assert_failed_and_wrote_nothing();
    assert!(
        without.errors()[0].contains("403 InvalidSecurityToken"),
        "{}",
        without.log
    );
    assert_eq!(versions(&service, "my-layer").len(), 1);
}

#[test]
fn a_wrong_secret_fails_on_the_signature_and_is_never_shown() {
    let service = service(|_| {});
    let wrong = "wrong-secret-7d1e";
    let run = run(
        &[("INPUT_ACCESS-KEY-SECRET", wrong)],
        InProcess(Arc::clone(&service)),
    );
    run.assert_failed_and_wrote_nothing();
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.log);
    assert!(
        errors[0].starts_with("::error::cannot list the layer's versions, which skip-unchanged and keep-versions need (set `skip-unchanged: false` to publish without the check): ListLayerVersions failed: HTTP 403 SignatureNotMatch"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("(RequestId fc-local-000001)"),
        "{}",
        errors[0]
    );
    assert_eq!(
        run.log.matches(wrong).count(),
        1,
        "only in the mask: {}",
        run.log
    );
    assert!(versions(&service, "my-layer").is_empty());
}

#[test]
fn a_service_error_fails_with_code_message_and_request_id() {
    let service = service(|config| {
        config.faults.push(Fault {
            action: "CreateLayerVersion".to_owned(),
            times: u32::MAX,
            kind: FaultKind::Fail(ServiceError::new(409, "ConcurrentUpdateError", "injected")),
        });
    });
    let run = run(&[], InProcess(service));
    run.assert_failed_and_wrote_nothing();
    assert_eq!(
        run.errors(),
        [
            "::error::CreateLayerVersion failed: HTTP 409 ConcurrentUpdateError: injected (RequestId fc-local-000002)"
        ]
    );
    assert!(matches!(run.result, Err(Failure::Client(_))));
}

#[test]
fn an_unreachable_endpoint_fails_the_step() {
    let run = run(&[], Unreachable);
    run.assert_failed_and_wrote_nothing();
    assert_eq!(
        run.sent, ["GET ListLayerVersions"; 4],
        "the first try and 3 retries"
    );
    assert!(
        run.took >= Duration::from_millis(500 + 1000 + 2000),
        "backed off for {:?}",
        run.took
    );
    assert!(
        run.errors()[0].contains(&format!(
            "ListLayerVersions: could not reach {ENDPOINT}: connection refused"
        )),
        "{}",
        run.log
    );
}

fn reply(status: u16, body: &str) -> Canned {
    Canned {
        listing: false,
        reply: HttpReply {
            status,
            headers: vec![("x-acs-request-id".to_owned(), "canned-1".to_owned())],
            body: body.as_bytes().to_vec(),
        },
    }
}

#[test]
fn a_reply_that_is_not_a_layer_fails_and_writes_no_output() {
    for (body, problem) in [
        ("not json", "expected ident"),
        (r#"{"version":1}"#, "missing field `layerVersionArn`"),
        (r#"{"layerVersionArn":"a","version":"one"}"#, "invalid type"),
    ] {
        let run = run(&[], reply(200, body));
        run.assert_failed_and_wrote_nothing();
        let error = run.errors()[0];
        assert!(
            error.starts_with(
                "::error::CreateLayerVersion: the reply is not what the API documents: "
            ) && error.contains(problem),
            "{body}: {error}"
        );
    }
}

#[test]
fn an_error_reply_that_is_not_json_still_names_the_status_and_request_id() {
    let run = run(&[], reply(502, "<html>Bad Gateway</html>"));
    run.assert_failed_and_wrote_nothing();
    assert_eq!(
        run.errors(),
        [
            "::error::CreateLayerVersion failed: HTTP 502 UnknownError: <html>Bad Gateway</html> (RequestId canned-1)"
        ]
    );
}

#[test]
fn a_layer_other_than_the_one_asked_for_is_not_taken_as_success() {
    for body in [
        r#"{"layerVersionArn":"","version":-5}"#,
        r#"{"layerVersionArn":"acs:fc:r:1:layers/my-layer/versions/1","version":0}"#,
        r#"{"layerVersionArn":"acs:fc:r:1:layers/other/versions/1","version":1}"#,
        r#"{"layerVersionArn":"acs:fc:r:1:layers/my-layer/versions/1","version":1,"codeSize":-1}"#,
        r#"{"layerVersionArn":"acs:x\n::stop-commands::pwned:layers/my-layer/versions/1","version":1}"#,
        r#"{"layerVersionArn":"acs:fc:r:1:layers/my-layer/versions/1","version":1,"codeChecksum":"1\r\n::error::fake"}"#,
    ] {
        let run = run(&[], reply(200, body));
        run.assert_failed_and_wrote_nothing();
        let commands: Vec<&str> = run
            .log
            .lines()
            .filter(|line| line.starts_with("::"))
            .filter(|line| {
                !["::add-mask::", "::group::", "::endgroup::"]
                    .iter()
                    .any(|own| line.starts_with(own))
            })
            .collect();
        assert_eq!(commands.len(), 1, "{body}: {}", run.log);
        assert!(
            commands[0].starts_with(
                "::error::CreateLayerVersion: the reply is not what the API documents: "
            ),
            "{body}: {}",
            run.log
        );
    }
}

#[test]
fn a_redirect_is_not_followed_and_names_where_it_pointed() {
    let redirect = |listing| Canned {
        listing,
        reply: HttpReply {
            status: 307,
            headers: vec![(
                "location".to_owned(),
                "https://attacker.example:8443/steal".to_owned(),
            )],
            body: Vec::new(),
        },
    };
    let tail = "the endpoint answered HTTP 307 redirecting to attacker.example:8443; FC never redirects API calls, so the redirect was not followed and nothing was sent there";
    let run = run(&[], redirect(false));
    run.assert_failed_and_wrote_nothing();
    assert_eq!(
        run.sent,
        ["GET ListLayerVersions", "POST CreateLayerVersion"]
    );
    assert_eq!(
        run.errors(),
        [format!("::error::CreateLayerVersion: {tail}")]
    );

    let listing = run_with_retries_off(redirect(true));
    assert_eq!(listing.sent, ["GET ListLayerVersions"]);
    assert!(
        listing.errors()[0].ends_with(&format!("ListLayerVersions: {tail}")),
        "{}",
        listing.log
    );
}

fn run_with_retries_off(transport: impl Transport) -> Run {
    run(&[("INPUT_RETRIES", "0")], transport)
}

#[test]
fn invalid_inputs_are_all_reported_and_nothing_is_sent() {
    let many = (1..=21)
        .map(|n| format!("python3.{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let long = "d".repeat(257);
    let run = run(
        &[
            ("INPUT_LAYER-NAME", "1-starts-with-a-digit"),
            ("INPUT_COMPATIBLE-RUNTIMES", &many),
            ("INPUT_DESCRIPTION", &long),
            ("INPUT_ENDPOINT", "ftp://example.com"),
            ("INPUT_ACCESS-KEY-SECRET", ""),
        ],
        Unreachable,
    );
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent.len(), 0);
    let inputs: Vec<&'static str> = match &run.result {
        Err(Failure::Inputs(errors)) => errors.iter().map(|error| error.input).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        inputs,
        [
            "layer-name",
            "compatible-runtimes",
            "description",
            "endpoint",
            "access-key-secret"
        ]
    );
    let errors = run.errors();
    assert_eq!(errors.len(), 6, "{}", run.log);
    assert_eq!(
        errors[5],
        "::error::5 input(s) are invalid; nothing was published"
    );
    for (error, input) in errors.iter().zip(inputs) {
        assert!(
            error.starts_with(&format!("::error::input `{input}`: ")),
            "{error}"
        );
    }
}

#[test]
fn an_input_set_twice_differently_is_refused() {
    let run = run(&[("INPUT_LAYER_NAME", "other")], Unreachable);
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent.len(), 0);
    assert!(
        run.errors()[0].starts_with("::error::input `layer-name`: set twice"),
        "{}",
        run.log
    );
}

#[test]
fn code_that_cannot_be_packaged_is_refused_before_sending() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("empty")).expect("mkdir");
    fs::write(dir.path().join("notes.txt"), "text").expect("writes");
    fs::write(dir.path().join("broken.zip"), "PK not really").expect("writes");
    for (code, problem) in [
        ("does/not/exist", "does/not/exist: does not exist"),
        ("empty", "empty: holds no files"),
        (
            "notes.txt",
            "notes.txt: is neither a directory nor a .zip file",
        ),
        ("broken.zip", "broken.zip: is not a valid zip file"),
    ] {
        let run = run_in(dir.path(), &[("INPUT_CODE", code)], Unreachable);
        run.assert_failed_and_wrote_nothing();
        assert_eq!(run.sent.len(), 0, "{code}");
        let errors = run.errors();
        assert!(
            errors.len() == 1
                && errors[0].starts_with("::error::input `code`: ")
                && errors[0].ends_with(problem),
            "{code}: {}",
            run.log
        );
    }
}

#[test]
fn a_package_over_the_inline_limit_is_refused_before_sending() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Stored, so the zip is as large as its content: just over 75 MiB, whose Base64 is over
    // FC's 100 MiB.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("lib/blob.bin", stored).expect("starts");
    std::io::Write::write_all(&mut writer, &vec![7u8; 75 * 1024 * 1024 + 4096]).expect("writes");
    fs::write(
        dir.path().join("big.zip"),
        writer.finish().expect("finishes").into_inner(),
    )
    .expect("writes");
    let run = run_in(dir.path(), &[("INPUT_CODE", "big.zip")], Unreachable);
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent.len(), 0);
    assert!(
        matches!(run.result, Err(Failure::TooLargeForInline { .. })),
        "{}",
        run.log
    );
    assert!(
        run.errors()[0].contains("over FC's inline limit of 104857600 bytes"),
        "{}",
        run.log
    );
}

#[test]
fn an_unknown_runtime_is_a_warning_not_a_refusal() {
    let service = service(|_| {});
    let run = run(
        &[("INPUT_COMPATIBLE-RUNTIMES", "python3.10 python9.9")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log.contains("::warning::input `compatible-runtimes`: \"python9.9\" is not a runtime FC is known to have"),
        "{}",
        run.log
    );
    assert_eq!(
        versions(&service, "my-layer")[0]["compatibleRuntime"],
        json!(["python3.10", "python9.9"])
    );
}
