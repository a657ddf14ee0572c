//! The real action binary against the real `fc-local`, over HTTP on loopback.

use crate::common;

use std::fs;

use common::*;
use fc_layer_action::checksum::crc64_xz;

struct Run {
    output: std::process::Output,
    outputs_file: String,
}

/// Runs the action in a fresh temporary working directory with a fresh `GITHUB_OUTPUT`.
fn publish(server: &FcLocal, extra: &[(&str, &str)]) -> Run {
    publish_to(&server.url, extra)
}

/// [`publish`] to any endpoint, served or not.
fn publish_to(endpoint: &str, extra: &[(&str, &str)]) -> Run {
    let work = tempfile::tempdir().expect("tempdir");
    let outputs_path = work.path().join("github_output");
    let example = example_layer();
    let mut envs: Vec<(&str, &str)> = vec![
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_CODE", example.to_str().expect("utf-8 path")),
        ("INPUT_COMPATIBLE-RUNTIMES", "python3.10, python3.9"),
        ("INPUT_DESCRIPTION", "integration test"),
        ("INPUT_LICENSE", "Apache-2.0"),
        ("INPUT_ENDPOINT", endpoint),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
        ("GITHUB_OUTPUT", outputs_path.to_str().expect("utf-8 path")),
    ];
    for (name, value) in extra {
        envs.retain(|(existing, _)| existing != name);
        envs.push((name, value));
    }
    let output = run_action(work.path(), &envs);
    let outputs_file = fs::read_to_string(&outputs_path).unwrap_or_default();
    Run {
        output,
        outputs_file,
    }
}

fn assert_no_secret(run: &Run) {
    for text in [
        stdout(&run.output),
        stderr(&run.output),
        run.outputs_file.clone(),
    ] {
        for secret in [ACCESS_KEY_SECRET, SECURITY_TOKEN] {
            let leaks = text
                .lines()
                .filter(|line| line.contains(secret) && !line.starts_with("::add-mask::"))
                .count();
            assert_eq!(leaks, 0, "secret leaked in:\n{text}");
        }
    }
}

#[test]
fn publishes_a_directory_and_writes_all_outputs() {
    let server = FcLocal::start(&[]);
    let run = publish(&server, &[]);
    assert!(
        run.output.status.success(),
        "{}{}",
        stdout(&run.output),
        stderr(&run.output)
    );
    assert_no_secret(&run);

    let versions = server.versions("my-layer");
    assert_eq!(versions.len(), 1);
    let recorded = &versions[0];
    let outputs = parse_github_output(&run.outputs_file);
    let names: Vec<&str> = outputs.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "layerVersionArn",
            "version",
            "codeChecksum",
            "codeSize",
            "published",
            "deletedVersions"
        ]
    );
    let get = |name: &str| {
        outputs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.clone())
            .expect(name)
    };
    assert_eq!(
        get("layerVersionArn"),
        recorded["layerVersionArn"].as_str().expect("arn")
    );
    assert_eq!(
        get("layerVersionArn"),
        "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1"
    );
    assert_eq!(get("version"), "1");
    assert_eq!(
        get("codeChecksum"),
        recorded["codeChecksum"].as_str().expect("checksum")
    );
    assert_eq!(get("codeSize"), recorded["codeSize"].to_string());
    assert!(
        stdout(&run.output)
            .contains("Published acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1")
    );
    assert!(stdout(&run.output).starts_with(&format!("::add-mask::{ACCESS_KEY_SECRET}\n")));

    assert_eq!(
        recorded["compatibleRuntime"],
        serde_json::json!(["python3.10", "python3.9"])
    );
    assert_eq!(recorded["description"], "integration test");
    assert_eq!(recorded["license"], "Apache-2.0");
    assert_eq!(entry_names(recorded), EXAMPLE_ENTRIES);

    // A second publish of the same tree reuses the first version.
    let again = publish(&server, &[]);
    assert!(again.output.status.success());
    let second = parse_github_output(&again.outputs_file);
    assert_eq!(
        second[..4],
        outputs[..4],
        "the same version, checksum and size"
    );
    assert_eq!(second[4], ("published".to_owned(), "false".to_owned()));
    assert_eq!(server.versions("my-layer").len(), 1);
}

#[test]
fn sends_a_prebuilt_zip_unchanged() {
    let server = FcLocal::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("layer.zip");
    let (bytes, _) = fc_layer_action::package::zip_directory(&example_layer()).expect("zips");
    // A different compression than ours would give, to show the bytes are not rebuilt.
    let mut stored = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    stored
        .start_file("python/only.py", options)
        .expect("starts");
    std::io::Write::write_all(&mut stored, b"X = 1\n").expect("writes");
    let stored = stored.finish().expect("finishes").into_inner();
    assert_ne!(bytes, stored);
    fs::write(&zip_path, &stored).expect("writes zip");

    let run = publish(
        &server,
        &[("INPUT_CODE", zip_path.to_str().expect("utf-8"))],
    );
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    let recorded = &server.versions("my-layer")[0];
    assert_eq!(recorded["codeChecksum"], crc64_xz(&stored).as_str());
    assert_eq!(recorded["codeSize"], stored.len());
}

#[test]
fn relative_code_resolves_against_the_working_directory() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(work.path().join("build/layer")).expect("mkdir");
    fs::write(work.path().join("build/layer/data.txt"), "data").expect("write");
    let envs = [
        ("INPUT_LAYER-NAME", "rel"),
        ("INPUT_CODE", "build/layer"),
        ("INPUT_ENDPOINT", server.url.as_str()),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET),
    ];
    let output = run_action(work.path(), &envs);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("GITHUB_OUTPUT is not set"));
    let files = &server.versions("rel")[0]["files"];
    assert_eq!(files[0]["name"], "data.txt");
}

#[test]
fn sts_credentials_from_the_environment_send_the_token() {
    let server = FcLocal::start(&["--security-token", SECURITY_TOKEN]);
    let sts_env = [
        ("INPUT_ACCESS-KEY-ID", ""),
        ("INPUT_ACCESS-KEY-SECRET", ""),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", SECURITY_TOKEN),
    ];
    let run = publish(&server, &sts_env);
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    assert!(stdout(&run.output).contains(&format!("::add-mask::{SECURITY_TOKEN}\n")));
    assert_no_secret(&run);
    assert_eq!(server.versions("my-layer").len(), 1);

    // Without the token the service refuses, and nothing is published or output.
    let without = publish(&server, &sts_env[..4]);
    assert!(!without.output.status.success());
    assert!(
        stdout(&without.output).contains("InvalidSecurityToken"),
        "{}",
        stdout(&without.output)
    );
    assert!(without.outputs_file.is_empty());
    assert_eq!(server.versions("my-layer").len(), 1);
}

#[test]
fn a_wrong_secret_is_rejected_by_signature_and_leaves_no_outputs() {
    let server = FcLocal::start(&[]);
    let wrong = "wrong-secret-7d1e";
    let run = publish(&server, &[("INPUT_ACCESS-KEY-SECRET", wrong)]);
    assert_eq!(run.output.status.code(), Some(1));
    let out = stdout(&run.output);
    let error = out
        .lines()
        .find(|line| line.starts_with("::error::"))
        .expect("an error annotation");
    assert!(
        error.contains("ListLayerVersions failed: HTTP 403 SignatureNotMatch"),
        "{error}"
    );
    assert!(error.contains("RequestId fc-local-"), "{error}");
    assert!(!error.contains(wrong));
    assert!(
        run.outputs_file.is_empty(),
        "outputs written on failure: {}",
        run.outputs_file
    );
    assert!(server.versions("my-layer").is_empty());

    let unknown = publish(&server, &[("INPUT_ACCESS-KEY-ID", "LTAI-unknown")]);
    assert!(
        stdout(&unknown.output).contains("403 InvalidAccessKeyID"),
        "{}",
        stdout(&unknown.output)
    );
}

#[test]
fn a_service_error_reply_fails_with_code_message_and_request_id() {
    let server = FcLocal::start(&["--fail-create", "409:ConcurrentUpdateError"]);
    let run = publish(&server, &[]);
    assert_eq!(run.output.status.code(), Some(1));
    let out = stdout(&run.output);
    assert!(
        out.contains("::error::CreateLayerVersion failed: HTTP 409 ConcurrentUpdateError: injected by fc-local (RequestId fc-local-000002)"),
        "{out}"
    );
    assert!(run.outputs_file.is_empty());
}

#[test]
fn an_unreachable_endpoint_fails_the_step() {
    // Bind and drop a listener to find a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = publish_to(&url, &[("INPUT_RETRIES", "0")]);
    assert_eq!(run.output.status.code(), Some(1));
    assert!(
        stdout(&run.output).contains(&format!("ListLayerVersions: could not reach {url}")),
        "{}",
        stdout(&run.output)
    );
    assert!(run.outputs_file.is_empty());
}

#[test]
fn invalid_inputs_are_all_reported_and_nothing_is_sent() {
    let server = FcLocal::start(&[]);
    let many = (1..=21)
        .map(|n| format!("python3.{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let long = "d".repeat(257);
    let run = publish(
        &server,
        &[
            ("INPUT_LAYER-NAME", "1-starts-with-a-digit"),
            ("INPUT_COMPATIBLE-RUNTIMES", &many),
            ("INPUT_DESCRIPTION", &long),
            ("INPUT_ENDPOINT", "ftp://example.com"),
            ("INPUT_ACCESS-KEY-SECRET", ""),
        ],
    );
    assert_eq!(run.output.status.code(), Some(1));
    let out = stdout(&run.output);
    let errors: Vec<&str> = out
        .lines()
        .filter(|line| line.starts_with("::error::"))
        .collect();
    for input in [
        "layer-name",
        "compatible-runtimes",
        "description",
        "endpoint",
        "access-key-secret",
    ] {
        assert!(
            errors
                .iter()
                .any(|line| line.contains(&format!("input `{input}`"))),
            "no error names {input}: {out}"
        );
    }
    assert!(
        errors
            .last()
            .expect("summary")
            .contains("nothing was published")
    );
    assert!(run.outputs_file.is_empty());
    assert_eq!(server.state()["layers"], serde_json::json!({}));
}

#[test]
fn a_missing_code_path_is_refused_before_sending() {
    let server = FcLocal::start(&[]);
    let run = publish(&server, &[("INPUT_CODE", "does/not/exist")]);
    assert_eq!(run.output.status.code(), Some(1));
    let out = stdout(&run.output);
    assert!(
        out.contains("::error::input `code`: ") && out.contains("does/not/exist: does not exist"),
        "{out}"
    );
    assert_eq!(server.state()["layers"], serde_json::json!({}));
}

#[test]
fn underscore_input_names_work_like_hyphenated_ones() {
    let server = FcLocal::start(&[]);
    let run = publish(
        &server,
        &[
            ("INPUT_LAYER-NAME", ""),
            ("INPUT_LAYER_NAME", "underscored"),
            ("INPUT_COMPATIBLE-RUNTIMES", ""),
            ("INPUT_COMPATIBLE_RUNTIMES", "nodejs20"),
        ],
    );
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    assert_eq!(
        server.versions("underscored")[0]["compatibleRuntime"],
        serde_json::json!(["nodejs20"])
    );
}

#[test]
fn outputs_are_appended_after_earlier_steps_outputs() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    let outputs_path = work.path().join("out");
    fs::write(&outputs_path, "earlier=kept\n").expect("writes");
    let example = example_layer();
    let envs = [
        ("INPUT_LAYER-NAME", "appended"),
        ("INPUT_CODE", example.to_str().expect("utf-8")),
        ("INPUT_ENDPOINT", server.url.as_str()),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
        ("GITHUB_OUTPUT", outputs_path.to_str().expect("utf-8")),
    ];
    assert!(run_action(work.path(), &envs).status.success());
    let outputs = parse_github_output(&fs::read_to_string(&outputs_path).expect("reads"));
    assert_eq!(outputs[0], ("earlier".to_owned(), "kept".to_owned()));
    assert_eq!(outputs.len(), 7);
}

#[test]
fn a_package_over_the_inline_limit_is_refused_before_sending() {
    let server = FcLocal::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    // Incompressible content just over 75 MiB: its Base64 is over FC's 100 MiB.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let noise: Vec<u8> = (0..(75 * 1024 * 1024 + 4096))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("lib/blob.bin", options).expect("starts");
    std::io::Write::write_all(&mut writer, &noise).expect("writes");
    let zip_path = dir.path().join("big.zip");
    fs::write(&zip_path, writer.finish().expect("finishes").into_inner()).expect("writes");

    let run = publish(
        &server,
        &[
            ("INPUT_CODE", zip_path.to_str().expect("utf-8")),
            ("INPUT_UPLOAD", "inline"),
        ],
    );
    assert_eq!(run.output.status.code(), Some(1));
    let out = stdout(&run.output);
    assert!(
        out.contains("::error::input `code`: the zip is 78647")
            && out.contains("over FC's inline limit of 104857600 bytes"),
        "{out}"
    );
    assert!(run.outputs_file.is_empty());
    assert_eq!(server.state()["layers"], serde_json::json!({}));
}

#[test]
fn an_unknown_runtime_is_a_warning_not_a_refusal() {
    let server = FcLocal::start(&[]);
    let run = publish(
        &server,
        &[("INPUT_COMPATIBLE-RUNTIMES", "python3.10 python9.9")],
    );
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    assert!(
        stdout(&run.output).contains("::warning::input `compatible-runtimes`: \"python9.9\" is not a runtime FC is known to have"),
        "{}",
        stdout(&run.output)
    );
    assert_eq!(
        server.versions("my-layer")[0]["compatibleRuntime"],
        serde_json::json!(["python3.10", "python9.9"])
    );
}

/// The outputs of `run` by name.
fn output(run: &Run, name: &str) -> String {
    parse_github_output(&run.outputs_file)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("no output {name}: {}", stdout(&run.output)))
}

#[test]
fn a_503_twice_makes_one_version_over_http() {
    let server = FcLocal::start(&["--fail", "CreateLayerVersion:2:503:ServiceUnavailable"]);
    let run = publish(&server, &[]);
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    assert_eq!(server.versions("my-layer").len(), 1);
    assert_eq!(output(&run, "version"), "1");
    assert_eq!(stdout(&run.output).matches("; retry ").count(), 2);
}

#[test]
fn a_429_retry_after_is_waited_over_http() {
    let server = FcLocal::start(&["--throttle", "CreateLayerVersion:1:1500"]);
    let started = std::time::Instant::now();
    let run = publish(&server, &[]);
    let took = started.elapsed();
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    assert!(
        took >= std::time::Duration::from_millis(1500),
        "took {took:?}"
    );
    assert!(
        stdout(&run.output).contains("retry 1 of 3 in 1.5 s"),
        "{}",
        stdout(&run.output)
    );
    assert_eq!(server.versions("my-layer").len(), 1);
}

#[test]
fn a_connection_dropped_after_the_create_makes_no_second_version() {
    let server = FcLocal::start(&[
        "--seed",
        "my-layer:1",
        "--drop-reply",
        "CreateLayerVersion:1",
    ]);
    let run = publish(&server, &[]);
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    assert_eq!(
        server.versions("my-layer").len(),
        2,
        "the seed and exactly one more"
    );
    assert_eq!(output(&run, "version"), "2");
    assert_eq!(output(&run, "published"), "true");
}

#[test]
fn a_dry_run_sends_only_reads_over_http() {
    let work = tempfile::tempdir().expect("tempdir");
    let capture = work.path().join("capture.jsonl");
    let server = FcLocal::start(&[
        "--seed",
        "my-layer:3",
        "--capture",
        capture.to_str().expect("utf-8"),
    ]);
    let run = publish(
        &server,
        &[
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_KEEP-VERSIONS", "1"),
            ("INPUT_ACL", "public"),
        ],
    );
    assert!(run.output.status.success(), "{}", stdout(&run.output));
    let methods: Vec<String> = fs::read_to_string(&capture)
        .expect("capture")
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("JSON");
            record["method"].as_str().expect("method").to_owned()
        })
        .collect();
    assert_eq!(methods, ["GET"]);
    assert_eq!(server.versions("my-layer").len(), 3);
    assert_eq!(output(&run, "published"), "false");
}
