//! The publish pipeline in-process: `run_step` with the real reporter writing to buffers and
//! the local FC service as its transport (signatures checked, zips opened), no subprocess and
//! no socket. Each scenario of a publish is here once, with replies no real server would give;
//! `end_to_end.rs` runs the binary itself for its wiring.

use crate::common;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::in_process::*;
use common::{
    ACCESS_KEY_ID, ACCESS_KEY_SECRET, EXAMPLE_ENTRIES, SECURITY_TOKEN, entry_names,
    first_publish_outputs,
};
use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::clock::Signing;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::{HttpReply, Transport};
use fc_layer_action::interface::Input;
use fc_layer_action::outcome::Failure;
use fc_local::config::{Fault, FaultKind};
use fc_local::in_process::InProcess;
use serde_json::json;

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
    assert_eq!(run.outputs(), first_publish_outputs(recorded));
    assert_eq!(
        published.checksum.as_deref(),
        recorded["codeChecksum"].as_str()
    );
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
    let inputs: Vec<Input> = match &run.result {
        Err(Failure::Inputs(errors)) => errors.iter().map(|error| error.input).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        inputs,
        [
            Input::LayerName,
            Input::CompatibleRuntimes,
            Input::Description,
            Input::Endpoint,
            Input::AccessKeySecret
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
fn every_request_of_a_run_is_signed_with_the_clock_and_nonces_it_is_handed() {
    let service = service(|_| {});
    let skewed = time::OffsetDateTime::now_utc() - time::Duration::minutes(20);
    let signing = Signing {
        clock: Arc::new(move || skewed),
        nonces: Arc::new(|| "pinned-nonce".to_owned()),
    };
    let run = run_signed(
        Path::new("/nonexistent-workdir"),
        &[],
        InProcess(Arc::clone(&service)),
        &signing,
    );
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent, ["GET ListLayerVersions"]);
    let errors = run.errors();
    assert!(
        errors.len() == 1 && errors[0].contains("RequestTimeTooSkewed"),
        "{}",
        run.log
    );

    // The same pinned nonce twice is a replay the service refuses: the second request of the
    // run (the create) carries the nonce handed in too.
    let now = time::OffsetDateTime::now_utc();
    let replaying = Signing {
        clock: Arc::new(move || now),
        nonces: Arc::new(|| "pinned-nonce-2".to_owned()),
    };
    let run = run_signed(
        Path::new("/nonexistent-workdir"),
        &[("INPUT_RETRIES", "0")],
        InProcess(Arc::clone(&service)),
        &replaying,
    );
    assert_eq!(
        run.sent,
        ["GET ListLayerVersions", "POST CreateLayerVersion"]
    );
    assert!(
        run.errors()
            .iter()
            .any(|line| line.contains("SignatureNonceUsed")),
        "{}",
        run.log
    );
    assert!(versions(&service, "my-layer").is_empty());
}

#[test]
fn relative_code_resolves_against_the_working_directory() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(work.path().join("build/layer")).expect("mkdir");
    fs::write(work.path().join("build/layer/data.txt"), "data").expect("write");
    let run = run_in(
        work.path(),
        &[("INPUT_CODE", "build/layer")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    let files = &versions(&service, "my-layer")[0]["files"];
    assert_eq!(files[0]["name"], "data.txt");
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
                && errors[0].contains(problem),
            "{code}: {}",
            run.log
        );
    }
}

#[test]
fn a_package_over_the_inline_limit_is_refused_before_sending_when_inline_is_asked() {
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
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "big.zip"), ("INPUT_UPLOAD", "inline")],
        Unreachable,
    );
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

/// The local service, except that OSS reports another CRC-64 for every object and part
/// written, as a store that damaged the data would.
struct DamagingOss(InProcess);

impl Transport for DamagingOss {
    async fn send(
        &self,
        request: fc_layer_action::http::HttpRequest,
    ) -> Result<HttpReply, fc_layer_action::http::TransportError> {
        let writes_oss = request.method == "PUT"
            && request
                .headers
                .iter()
                .any(|(name, value)| name == "authorization" && value.starts_with("OSS4"));
        let mut reply = self.0.send(request).await?;
        if writes_oss {
            for (name, value) in &mut reply.headers {
                if name == "x-oss-hash-crc64ecma" {
                    *value = "12345".to_owned();
                }
            }
        }
        Ok(reply)
    }
}

#[test]
fn an_oss_crc_that_differs_from_ours_fails_the_step_and_aborts_the_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layer = dir.path().join("layer");
    fs::create_dir(&layer).expect("mkdir");
    let noise = common::noise(40 << 20, 3);
    fs::write(layer.join("blob.bin"), noise).expect("writes");
    for (code, operation) in [("layer", "UploadPart"), (EXAMPLE_LAYER, "PutObject")] {
        let service = service(|_| {});
        let code = if code == EXAMPLE_LAYER {
            common::example_layer().to_str().expect("utf-8").to_owned()
        } else {
            code.to_owned()
        };
        let run = run_in(
            dir.path(),
            &[
                ("INPUT_CODE", &code),
                ("INPUT_UPLOAD", "oss"),
                ("INPUT_REGION", "cn-hangzhou"),
                ("INPUT_ACCOUNT-ID", "1234567890123456"),
                ("INPUT_OSS-ENDPOINT", ENDPOINT),
                ("INPUT_RETRIES", "1"),
            ],
            DamagingOss(InProcess(Arc::clone(&service))),
        );
        run.assert_failed_and_wrote_nothing();
        assert!(
            run.errors()[0].starts_with(&format!(
                "::error::OSS {operation}: OSS computed CRC-64 12345 but the data sent has "
            )) && run.errors()[0].ends_with("; it was damaged on the way"),
            "{}",
            run.log
        );
        assert_eq!(
            service.state()["openUploads"],
            0,
            "{operation}: parts left behind"
        );
        assert_eq!(run.count("CreateLayerVersion"), 0);
    }
}

const EXAMPLE_LAYER: &str = "the example layer";
