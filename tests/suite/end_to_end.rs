//! Smoke tests of the binary's wiring: the real action process against the real `fc-local`
//! over HTTP on loopback. Every scenario is tested once, in-process (`pipeline.rs`,
//! `lifecycle.rs`); these three check what only a process shows: the environment read as
//! GitHub sets it, `GITHUB_OUTPUT` appended to, the exit code, and reqwest on a real socket
//! (a signature refused, a connection dropped after the write was applied).

use crate::common;

use std::fs;

use common::*;

struct Run {
    output: std::process::Output,
    outputs_file: String,
}

/// Runs the action in a fresh temporary working directory with `GITHUB_OUTPUT` holding an
/// earlier step's output, which must survive.
fn publish(server: &FcLocal, extra: &[(&str, &str)]) -> Run {
    let work = tempfile::tempdir().expect("tempdir");
    let outputs_path = work.path().join("github_output");
    fs::write(&outputs_path, "earlier=kept\n").expect("writes");
    let example = example_layer();
    let mut envs: Vec<(&str, &str)> = vec![
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_CODE", example.to_str().expect("utf-8 path")),
        ("INPUT_COMPATIBLE-RUNTIMES", "python3.10, python3.9"),
        ("INPUT_DESCRIPTION", "integration test"),
        ("INPUT_LICENSE", "Apache-2.0"),
        ("INPUT_ENDPOINT", &server.url),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
        ("GITHUB_OUTPUT", outputs_path.to_str().expect("utf-8 path")),
    ];
    for (name, value) in extra {
        envs.retain(|(existing, _)| existing != name);
        envs.push((name, value));
    }
    let output = run_action(work.path(), &envs);
    let outputs_file = fs::read_to_string(&outputs_path).expect("GITHUB_OUTPUT is kept");
    Run {
        output,
        outputs_file,
    }
}

impl Run {
    fn stdout(&self) -> String {
        stdout(&self.output)
    }

    /// The outputs this run added after the earlier step's.
    fn outputs(&self) -> Vec<(String, String)> {
        let outputs = parse_github_output(&self.outputs_file);
        assert_eq!(
            outputs[0],
            ("earlier".to_owned(), "kept".to_owned()),
            "an earlier step's output is kept"
        );
        outputs[1..].to_vec()
    }

    fn assert_no_secret(&self) {
        for text in [
            self.stdout(),
            stderr(&self.output),
            self.outputs_file.clone(),
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
}

#[test]
fn the_binary_publishes_over_http_and_appends_its_outputs() {
    let server = FcLocal::start(&[]);
    let run = publish(&server, &[]);
    assert!(
        run.output.status.success(),
        "{}{}",
        run.stdout(),
        stderr(&run.output)
    );
    run.assert_no_secret();
    assert!(
        run.stdout()
            .starts_with(&format!("::add-mask::{ACCESS_KEY_SECRET}\n"))
    );

    let versions = server.versions("my-layer");
    assert_eq!(versions.len(), 1);
    let recorded = &versions[0];
    let arn = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1";
    assert_eq!(recorded["layerVersionArn"], arn);
    assert_eq!(run.outputs(), first_publish_outputs(recorded));
    assert!(run.stdout().contains(&format!("Published {arn}")));
    assert_eq!(entry_names(recorded), EXAMPLE_ENTRIES);
}

#[test]
fn a_refused_signature_fails_the_process_with_no_output_and_no_secret() {
    let server = FcLocal::start(&[]);
    let wrong = "wrong-secret-7d1e";
    let run = publish(&server, &[("INPUT_ACCESS-KEY-SECRET", wrong)]);
    assert_eq!(run.output.status.code(), Some(1));
    let out = run.stdout();
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
    assert!(run.outputs().is_empty(), "outputs written on failure");
    assert!(server.versions("my-layer").is_empty());
}

#[test]
fn a_connection_dropped_after_the_create_applied_makes_no_second_version() {
    let server = FcLocal::start(&[
        "--seed",
        "my-layer:1",
        "--drop-reply",
        "CreateLayerVersion:1",
    ]);
    let run = publish(&server, &[]);
    assert!(run.output.status.success(), "{}", run.stdout());
    assert_eq!(
        server.versions("my-layer").len(),
        2,
        "the seed and exactly one more"
    );
    let outputs = run.outputs();
    assert_eq!(outputs[1], ("version".to_owned(), "2".to_owned()));
    assert_eq!(outputs[4], ("published".to_owned(), "true".to_owned()));
    run.assert_no_secret();
}

/// A panic, on the main thread or a worker, ends as one `::error::` annotation naming where
/// it happened, with the masked secret redacted and nothing else printed after the mask.
#[test]
fn a_panic_is_one_redacted_annotation() {
    let secret = "probe-secret-8f3a";
    for place in ["main", "thread"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_fc-panic-probe"))
            .args([secret, place])
            .output()
            .expect("the probe runs");
        assert!(
            !output.status.success(),
            "{place}: a panic must fail the step"
        );
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        let stderr = String::from_utf8(output.stderr).expect("utf-8");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{place}: {stdout}");
        assert_eq!(lines[0], format!("::add-mask::{secret}"));
        assert!(
            lines[1].starts_with(
                "::error::fc-layer-action stopped on a bug at tests/suite/bin/panic_probe.rs:"
            ),
            "{place}: {}",
            lines[1]
        );
        assert!(
            lines[1].contains("a reply held ***%0A::warning::injected"),
            "{}",
            lines[1]
        );
        assert!(!stderr.contains(secret), "{place}: {stderr}");
    }
}
