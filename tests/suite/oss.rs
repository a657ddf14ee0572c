//! Large layers through OSS, the real binary against `fc-local`, which serves FC 3.0, FC 2.0's
//! temporary bucket, STS GetCallerIdentity and an in-memory OSS that checks every V4
//! signature, CRC and part, and opens the zip that CreateLayerVersion names.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Output;

use common::*;
use fc_layer_action::checksum::crc64_xz;
use serde_json::Value;

struct Run {
    output: Output,
    outputs: Vec<(String, String)>,
}

impl Run {
    fn stdout(&self) -> String {
        stdout(&self.output)
    }

    fn output(&self, name: &str) -> &str {
        self.outputs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("no output {name}: {}", self.stdout()))
    }

    fn assert_success(&self) {
        assert!(
            self.output.status.success(),
            "{}{}",
            self.stdout(),
            stderr(&self.output)
        );
    }
}

/// Publishes `code` from `work` to `server`, for FC and OSS alike, with `extra` inputs.
fn publish(server: &FcLocal, work: &Path, code: &str, extra: &[(&str, &str)]) -> Run {
    let outputs_path = work.join("github_output");
    let _ = fs::remove_file(&outputs_path);
    let mut envs: Vec<(&str, &str)> = vec![
        ("INPUT_LAYER-NAME", "big-layer"),
        ("INPUT_CODE", code),
        ("INPUT_REGION", "cn-hangzhou"),
        ("INPUT_ENDPOINT", &server.url),
        ("INPUT_OSS-ENDPOINT", &server.url),
        ("INPUT_STS-ENDPOINT", &server.url),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
        ("RUNNER_TEMP", work.to_str().expect("utf-8")),
        ("GITHUB_OUTPUT", outputs_path.to_str().expect("utf-8")),
    ];
    for (name, value) in extra {
        envs.retain(|(existing, _)| existing != name);
        envs.push((name, value));
    }
    let output = run_action(work, &envs);
    let outputs = parse_github_output(&fs::read_to_string(&outputs_path).unwrap_or_default());
    Run { output, outputs }
}

fn layer_dir(work: &Path, bytes: usize) -> String {
    let layer = work.join("layer");
    fs::create_dir_all(layer.join("lib")).expect("mkdir");
    fs::write(layer.join("lib/blob.bin"), noise(bytes, 42)).expect("writes");
    fs::write(layer.join("lib/readme.txt"), "a large layer\n").expect("writes");
    layer.to_str().expect("utf-8").to_owned()
}

fn oss_objects(server: &FcLocal) -> Value {
    server.state()["ossObjects"].clone()
}

/// The OSS operations fc-local saw, in order, from its capture file.
fn oss_calls(capture: &Path) -> Vec<String> {
    fs::read_to_string(capture)
        .expect("capture")
        .lines()
        .filter_map(|line| {
            let record: Value = serde_json::from_str(line).expect("JSON");
            let headers = record["headers"].as_array()?;
            let authorization = headers.iter().find(|pair| pair[0] == "authorization")?[1]
                .as_str()?
                .to_owned();
            authorization.starts_with("OSS4-HMAC-SHA256").then(|| {
                format!(
                    "{} {}",
                    record["method"].as_str().unwrap_or_default(),
                    record["query"].as_str().unwrap_or_default()
                )
            })
        })
        .collect()
}

fn assert_no_lent_secret_shown(run: &Run) {
    // fc-local's lent secrets are random hex; none may show outside a mask line.
    for line in run.stdout().lines() {
        if line.starts_with("::add-mask::") {
            continue;
        }
        assert!(!line.contains(ACCESS_KEY_SECRET), "{line}");
        let hex_run = line
            .split(|c: char| !c.is_ascii_hexdigit())
            .any(|word| word.len() == 32);
        assert!(
            !hex_run,
            "a 32-digit hex value, a lent secret or token, shows: {line}"
        );
    }
}

#[test]
fn upload_oss_goes_through_the_temporary_bucket_and_masks_the_lent_credentials() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    let code = example_layer();
    let run = publish(
        &server,
        work.path(),
        code.to_str().expect("utf-8"),
        &[("INPUT_UPLOAD", "oss")],
    );
    run.assert_success();
    let stdout = run.stdout();
    assert_eq!(
        stdout.matches("::add-mask::").count(),
        3,
        "own secret, lent secret, lent token: {stdout}"
    );
    assert!(
        stdout.contains("The credentials belong to account 1234567890123456"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FC lent its temporary bucket fc-local-temp (cn-hangzhou)"),
        "{stdout}"
    );
    assert_no_lent_secret_shown(&run);
    let objects = oss_objects(&server);
    assert_eq!(
        objects["fc-local-temp/1234567890123456/fc-local-1.zip"],
        run.output("codeSize").parse::<u64>().expect("size")
    );
    let version = &server.versions("big-layer")[0];
    assert_eq!(entry_names(version), EXAMPLE_ENTRIES);
    assert_eq!(version["codeChecksum"], run.output("codeChecksum"));
}

#[test]
fn a_layer_over_the_inline_limit_goes_through_oss_in_parts_with_auto() {
    let work = tempfile::tempdir().expect("tempdir");
    let capture = work.path().join("capture.jsonl");
    let server = FcLocal::start(&["--capture", capture.to_str().expect("utf-8")]);
    let code = layer_dir(work.path(), 80 << 20);
    let run = publish(
        &server,
        work.path(),
        &code,
        &[("INPUT_ACCOUNT-ID", "1234567890123456")],
    );
    run.assert_success();
    let stdout = run.stdout();
    // One region and FC's bucket: the link, measured on loopback as the packager passes the
    // first part, sends it through OSS as it is packaged; unmeasured, the size does after.
    assert!(
        stdout.contains("goes through OSS, uploaded as it is packaged")
            || stdout.contains("upload: auto, and its Base64 is over FC's inline limit"),
        "{stdout}"
    );
    assert!(stdout.contains("::group::Uploading "), "{stdout}");
    assert!(
        !stdout.contains("The credentials belong to account"),
        "account-id was given: {stdout}"
    );
    let calls = oss_calls(&capture);
    assert_eq!(calls.first().map(String::as_str), Some("POST uploads"));
    assert_eq!(
        calls
            .iter()
            .filter(|call| call.starts_with("PUT partNumber="))
            .count(),
        11,
        "{calls:?}"
    );
    assert!(
        calls
            .last()
            .is_some_and(|call| call.starts_with("POST uploadId=")),
        "{calls:?}"
    );
    let version = &server.versions("big-layer")[0];
    assert_eq!(version["codeChecksum"], run.output("codeChecksum"));
    assert_eq!(server.state()["openUploads"], 0);
}

#[test]
fn an_own_bucket_is_content_addressed_and_uploaded_once() {
    let work = tempfile::tempdir().expect("tempdir");
    let capture = work.path().join("capture.jsonl");
    let server = FcLocal::start(&["--capture", capture.to_str().expect("utf-8")]);
    let code = example_layer();
    let inputs = [
        ("INPUT_UPLOAD", "oss"),
        ("INPUT_OSS-BUCKET", "my-artifacts"),
        ("INPUT_OSS-KEY-PREFIX", "layers/"),
        ("INPUT_SKIP-UNCHANGED", "false"),
    ];
    let first = publish(&server, work.path(), code.to_str().expect("utf-8"), &inputs);
    first.assert_success();
    let key = format!(
        "my-artifacts/layers/big-layer/{}.zip",
        first.output("codeChecksum")
    );
    assert!(
        oss_objects(&server)[&key].is_u64(),
        "{}",
        oss_objects(&server)
    );
    let second = publish(&server, work.path(), code.to_str().expect("utf-8"), &inputs);
    second.assert_success();
    assert!(
        second
            .stdout()
            .contains("already holds this zip (same CRC-64): not uploaded again"),
        "{}",
        second.stdout()
    );
    assert_eq!(
        oss_calls(&capture),
        ["HEAD ", "PUT ", "HEAD "],
        "one upload for two publishes"
    );
    assert_eq!(server.versions("big-layer").len(), 2);
}

#[test]
fn code_oss_publishes_an_object_already_in_oss() {
    let work = tempfile::tempdir().expect("tempdir");
    let server = FcLocal::start(&[]);
    let code = example_layer();
    let staged = publish(
        &server,
        work.path(),
        code.to_str().expect("utf-8"),
        &[
            ("INPUT_UPLOAD", "oss"),
            ("INPUT_OSS-BUCKET", "my-artifacts"),
            ("INPUT_LAYER-NAME", "staging"),
        ],
    );
    staged.assert_success();
    let object = format!(
        "oss://my-artifacts/fc-layers/staging/{}.zip",
        staged.output("codeChecksum")
    );
    let run = publish(&server, work.path(), &object, &[]);
    run.assert_success();
    assert!(
        run.stdout().contains(&format!("Found {object}: ")),
        "{}",
        run.stdout()
    );
    let version = &server.versions("big-layer")[0];
    assert_eq!(version["codeChecksum"], staged.output("codeChecksum"));
    assert_eq!(entry_names(version), EXAMPLE_ENTRIES);
    let missing = publish(&server, work.path(), "oss://my-artifacts/no/such.zip", &[]);
    assert_eq!(missing.output.status.code(), Some(1));
    assert!(
        missing
            .stdout()
            .contains("::error::input `code`: oss://my-artifacts/no/such.zip does not exist"),
        "{}",
        missing.stdout()
    );
}

#[test]
fn a_failed_part_is_sent_again_and_an_upload_given_up_on_is_aborted() {
    let work = tempfile::tempdir().expect("tempdir");
    let code = layer_dir(work.path(), 40 << 20);
    let flaky = FcLocal::start(&["--fail", "UploadPart:2:503:ServiceUnavailable"]);
    let run = publish(&flaky, work.path(), &code, &[("INPUT_UPLOAD", "oss")]);
    run.assert_success();
    assert_eq!(flaky.versions("big-layer").len(), 1);
    assert_eq!(flaky.state()["openUploads"], 0);

    let broken = FcLocal::start(&["--fail", "UploadPart:1000:403:AccessDenied"]);
    let run = publish(&broken, work.path(), &code, &[("INPUT_UPLOAD", "oss")]);
    assert_eq!(run.output.status.code(), Some(1));
    assert!(
        run.stdout()
            .contains("::error::OSS UploadPart failed: HTTP 403 InjectedFault"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        broken.state()["openUploads"],
        0,
        "the failed upload was aborted"
    );
    assert!(broken.versions("big-layer").is_empty());
    assert!(run.outputs.is_empty());
}

#[test]
fn bad_oss_inputs_are_refused_before_any_request() {
    let work = tempfile::tempdir().expect("tempdir");
    let capture = work.path().join("capture.jsonl");
    let server = FcLocal::start(&["--capture", capture.to_str().expect("utf-8")]);
    let example = example_layer();
    let example = example.to_str().expect("utf-8");
    for (code, extra, input, problem) in [
        ("oss://my-bucket", vec![], "code", "names no object"),
        ("oss://my-bucket/", vec![], "code", "names no object"),
        (
            "oss://My_Bucket/a.zip",
            vec![],
            "code",
            "is not a bucket name OSS accepts",
        ),
        (
            example,
            vec![("INPUT_OSS-BUCKET", "ab")],
            "oss-bucket",
            "is not a bucket name OSS accepts",
        ),
        (
            "oss://my-bucket/a.zip",
            vec![("INPUT_OSS-BUCKET", "my-bucket")],
            "oss-bucket",
            "cannot be used with `code: oss://my-bucket/a.zip`",
        ),
        (
            "oss://my-bucket/a.zip",
            vec![("INPUT_UPLOAD", "inline")],
            "upload",
            "`inline` cannot send",
        ),
        (
            example,
            vec![("INPUT_UPLOAD", "sideways")],
            "upload",
            "is not `auto`, `inline` or `oss`",
        ),
        (
            example,
            vec![("INPUT_OSS-KEY-PREFIX", "/abs/")],
            "oss-key-prefix",
            "must not start with",
        ),
        (
            example,
            vec![("INPUT_ACCOUNT-ID", "12ab")],
            "account-id",
            "is not an Alibaba Cloud account id",
        ),
    ] {
        let run = publish(&server, work.path(), code, &extra);
        assert_eq!(run.output.status.code(), Some(1), "{code} {extra:?}");
        let stdout = run.stdout();
        assert!(
            stdout.lines().any(
                |line| line.starts_with(&format!("::error::input `{input}`: "))
                    && line.contains(problem)
            ),
            "{code} {extra:?}: {stdout}"
        );
    }
    let work_big = tempfile::tempdir().expect("tempdir");
    let big = layer_dir(work_big.path(), 76 << 20);
    let run = publish(
        &server,
        work_big.path(),
        &big,
        &[("INPUT_UPLOAD", "inline")],
    );
    assert!(
        run.stdout()
            .contains("::error::input `code`: the zip passed 78643200 bytes"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        fs::read_to_string(&capture).unwrap_or_default(),
        "",
        "a request was sent"
    );
}

#[test]
fn the_zip_that_fc_reads_from_oss_is_the_one_sent() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    let zip = work.path().join("prebuilt.zip");
    let (bytes, _) = fc_layer_action::package::zip_directory(&example_layer()).expect("zips");
    fs::write(&zip, &bytes).expect("writes");
    let run = publish(
        &server,
        work.path(),
        zip.to_str().expect("utf-8"),
        &[
            ("INPUT_UPLOAD", "oss"),
            ("INPUT_ACCOUNT-ID", "1234567890123456"),
        ],
    );
    run.assert_success();
    assert_eq!(run.output("codeChecksum"), crc64_xz(&bytes));
    assert_eq!(server.versions("big-layer")[0]["codeSize"], bytes.len());
}
