//! A prebuilt zip replaced while the run is under way: the binary against a slow `fc-local`,
//! the file renamed over once the first request has arrived. What FC receives must be the
//! first zip's bytes under the first zip's checksum, inline and through an own bucket alike;
//! and an own bucket's object that does not hold what its key names is not trusted.

use crate::common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::hostile::{Hostile, reply};
use common::*;
use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::package;

/// A zip of a tree holding one file, `python/which.py`, that says `which`.
fn zip_saying(work: &Path, which: &str) -> Vec<u8> {
    let tree = work.join(format!("tree-{which}"));
    fs::create_dir_all(tree.join("python")).expect("mkdir");
    fs::write(tree.join("python/which.py"), format!("WHICH = {which:?}\n")).expect("writes");
    package::zip_directory(&tree).expect("zips").0
}

/// Publishes `layer.zip` through a server that holds every reply, renaming a second zip
/// over it as soon as the first request has arrived; returns the version FC recorded and
/// the first zip's bytes.
fn publish_while_replaced(extra: &[(&str, &str)]) -> (serde_json::Value, Vec<u8>, String) {
    let work = tempfile::tempdir().expect("tempdir");
    let capture = work.path().join("capture.jsonl");
    let server = FcLocal::start(&[
        "--delay",
        "300",
        "--capture",
        capture.to_str().expect("utf-8"),
    ]);
    let first = zip_saying(work.path(), "first");
    let second = zip_saying(work.path(), "second");
    let code = work.path().join("layer.zip");
    fs::write(&code, &first).expect("writes");
    fs::write(work.path().join("next.zip"), &second).expect("writes");
    let outputs = work.path().join("github_output");
    let action = Command::new(binaries::action())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs([
            ("INPUT_LAYER-NAME", "my-layer"),
            ("INPUT_CODE", code.to_str().expect("utf-8")),
            ("INPUT_REGION", "cn-hangzhou"),
            ("INPUT_ENDPOINT", &server.url),
            ("INPUT_OSS-ENDPOINT", &server.url),
            ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
            ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
            ("INPUT_RETRIES", "0"),
            ("RUNNER_TEMP", work.path().to_str().expect("utf-8")),
            ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8")),
        ])
        .envs(extra.iter().copied())
        .current_dir(work.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the action runs");
    let started = Instant::now();
    while fs::read(&capture).map_or(true, |lines| lines.is_empty()) {
        assert!(started.elapsed() < Duration::from_secs(30), "no request");
        thread::sleep(Duration::from_millis(5));
    }
    fs::rename(work.path().join("next.zip"), &code).expect("renames over");
    let output = action.wait_with_output().expect("the action ends");
    let log = stdout(&output);
    assert!(output.status.success(), "{log}");
    assert_eq!(fs::read(&code).expect("reads"), second, "it was replaced");
    let versions = server.versions("my-layer");
    assert_eq!(versions.len(), 1, "{log}");
    (versions[0].clone(), first, log)
}

fn assert_first_zip_sent(version: &serde_json::Value, first: &[u8], log: &str) {
    assert_eq!(version["codeChecksum"], crc64_xz(first), "{log}");
    assert_eq!(version["codeSize"], first.len(), "{log}");
    assert_eq!(
        entry_names(version),
        ["python/", "python/which.py"],
        "{log}"
    );
}

#[test]
fn a_zip_renamed_over_during_an_inline_publish_sends_the_first_bytes() {
    let (version, first, log) = publish_while_replaced(&[]);
    assert_first_zip_sent(&version, &first, &log);
}

#[test]
fn a_zip_renamed_over_before_an_own_bucket_upload_sends_the_first_bytes() {
    let (version, first, log) = publish_while_replaced(&[
        ("INPUT_UPLOAD", "oss"),
        ("INPUT_OSS-BUCKET", "my-artifacts"),
    ]);
    assert!(log.contains("::group::Uploading "), "{log}");
    assert_first_zip_sent(&version, &first, &log);
}

/// An own bucket whose object under this zip's key holds other bytes (HeadObject reports
/// another CRC-64): the zip is uploaded again, not trusted to be there.
#[test]
fn an_own_bucket_object_whose_crc_does_not_match_its_key_is_uploaded_again() {
    let server = Hostile::start(true, |request, stream| {
        let answer = match (request.method.as_str(), request.target.as_str()) {
            ("HEAD", _) => reply("200 OK", &[("x-oss-hash-crc64ecma", "123")], b""),
            ("PUT", _) => {
                let crc = crc64_xz(&request.body);
                reply("200 OK", &[("x-oss-hash-crc64ecma", &crc)], b"")
            }
            ("POST", _) => reply(
                "200 OK",
                &[],
                br#"{"layerVersionArn":"acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1","version":1}"#,
            ),
            _ => reply("200 OK", &[], br#"{"layers":[]}"#),
        };
        let _ = stream.write_all(&answer);
    });
    let work = tempfile::tempdir().expect("tempdir");
    let zip = zip_saying(work.path(), "only");
    let code = work.path().join("layer.zip");
    fs::write(&code, &zip).expect("writes");
    let outputs = work.path().join("github_output");
    let output = run_action(
        work.path(),
        &[
            ("INPUT_LAYER-NAME", "my-layer"),
            ("INPUT_CODE", code.to_str().expect("utf-8")),
            ("INPUT_REGION", "cn-hangzhou"),
            ("INPUT_ENDPOINT", &server.url),
            ("INPUT_OSS-ENDPOINT", &server.url),
            ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
            ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
            ("INPUT_RETRIES", "0"),
            ("INPUT_UPLOAD", "oss"),
            ("INPUT_OSS-BUCKET", "my-artifacts"),
            ("RUNNER_TEMP", work.path().to_str().expect("utf-8")),
            ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8")),
        ],
    );
    let log = stdout(&output);
    assert!(output.status.success(), "{log}");
    let requests = server.requests();
    let methods: Vec<&str> = requests
        .iter()
        .map(|request| request.method.as_str())
        .collect();
    assert_eq!(methods, ["GET", "HEAD", "PUT", "POST"], "{log}");
    assert_eq!(requests[2].body, zip, "the zip itself went up again");
    assert!(
        requests[2]
            .target
            .ends_with(&format!("/my-layer/{}.zip", crc64_xz(&zip))),
        "{}",
        requests[2].target
    );
}
