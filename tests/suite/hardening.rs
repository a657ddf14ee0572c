//! The real binary against servers and inputs that misbehave on purpose: redirects,
//! workflow-command injection, replies that lie, unwritable outputs, huge replies, silent
//! servers, hostile zips and proxies. In every case the canary secret and token must stay out
//! of everything a person sees.

use crate::common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Output;
use std::thread;
use std::time::Duration;

use common::hostile::{Hostile, reply};
use common::*;

const LAYER_ARN: &str = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1";

struct Run {
    output: Output,
    outputs_file: String,
}

impl Run {
    fn stdout(&self) -> String {
        stdout(&self.output)
    }

    fn errors(&self) -> Vec<String> {
        self.stdout()
            .lines()
            .filter(|line| line.starts_with("::error::"))
            .map(str::to_owned)
            .collect()
    }

    /// Failed, wrote no output, and every workflow command it printed is one of ours.
    fn assert_failed_cleanly(&self) {
        assert_eq!(self.output.status.code(), Some(1), "{}", self.stdout());
        assert_eq!(self.outputs_file, "", "outputs written on failure");
        assert_only_own_commands(&self.stdout());
        assert_no_canary(self);
    }
}

/// Every line that starts like a workflow command is a mask, a warning or an error of ours
/// (a `check` finding's titled with its file).
fn assert_only_own_commands(stdout: &str) {
    for line in stdout.lines().filter(|line| line.starts_with("::")) {
        assert!(
            [
                "::add-mask::",
                "::error::",
                "::warning::",
                "::error title=",
                "::warning title=",
                "::group::",
                "::endgroup::"
            ]
            .iter()
            .any(|own| line.starts_with(own)),
            "a line poses as a workflow command: {line:?}\n{stdout}"
        );
    }
}

fn assert_no_canary(run: &Run) {
    let texts = [run.stdout(), stderr(&run.output), run.outputs_file.clone()];
    for text in &texts {
        for canary in [ACCESS_KEY_SECRET, SECURITY_TOKEN] {
            for line in text.lines().filter(|line| line.contains(canary)) {
                assert!(line.starts_with("::add-mask::"), "canary leaked: {line:?}");
            }
        }
    }
}

/// Runs the action with STS credentials (so both canaries are in play) against `endpoint`,
/// in a fresh working directory with a fresh `GITHUB_OUTPUT`.
fn act(endpoint: &str, extra: &[(&str, &str)]) -> Run {
    let work = tempfile::tempdir().expect("tempdir");
    act_in(work.path(), endpoint, extra)
}

fn act_in(work: &Path, endpoint: &str, extra: &[(&str, &str)]) -> Run {
    let outputs_path = work.join("github_output");
    let output = run_action_with_sts(work, endpoint, &outputs_path, extra);
    let outputs_file = fs::read_to_string(&outputs_path).unwrap_or_default();
    Run {
        output,
        outputs_file,
    }
}

fn answer_with(bytes: Vec<u8>) -> impl Fn(&hostile::Received, &mut std::net::TcpStream) {
    move |_, stream| {
        let _ = stream.write_all(&bytes);
    }
}

/// A hostile server for the create: the listing before it gets an honest empty page, so
/// that what is tested is the request that carries the zip and the token.
fn hostile_create(
    read_body: bool,
    answer: impl Fn(&hostile::Received, &mut std::net::TcpStream) + Send + Sync + 'static,
) -> Hostile {
    Hostile::start(read_body, move |request, stream| {
        if request.method == "GET" {
            let _ = stream.write_all(&reply("200 OK", &[], br#"{"layers":[]}"#));
        } else {
            answer(request, stream);
        }
    })
}

fn sts_fc_local() -> FcLocal {
    FcLocal::start(&["--security-token", SECURITY_TOKEN])
}

// 1. Redirects are never followed.

#[test]
fn a_redirect_to_another_host_is_not_followed_for_any_status() {
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let elsewhere = Hostile::start(
            true,
            answer_with(reply(
                "200 OK",
                &[],
                format!(r#"{{"layerVersionArn":"{LAYER_ARN}","version":1}}"#).as_bytes(),
            )),
        );
        let location = format!("http://localhost:{}/steal", elsewhere.port);
        let redirecting = hostile_create(
            true,
            answer_with(reply(status, &[("location", &location)], b"")),
        );
        let run = act(&redirecting.url, &[]);
        run.assert_failed_cleanly();
        let code = &status[..3];
        assert_eq!(
            run.errors(),
            [format!(
                "::error::CreateLayerVersion: the endpoint answered HTTP {code} redirecting to localhost:{}; FC never redirects API calls, so the redirect was not followed and nothing was sent there",
                elsewhere.port
            )],
        );
        assert_eq!(redirecting.creates(), 1, "{status}: exactly one create");
        assert!(
            elsewhere.requests().is_empty(),
            "{status}: something reached the other host"
        );
    }
}

#[test]
fn a_redirect_to_the_same_url_is_sent_once() {
    let server = hostile_create(true, |request, stream| {
        let _ = stream.write_all(&reply(
            "307 Temporary Redirect",
            &[("location", &request.target)],
            b"",
        ));
    });
    let run = act(&server.url, &[]);
    run.assert_failed_cleanly();
    assert_eq!(server.creates(), 1, "CreateLayerVersion is never re-sent");
    assert!(run.errors()[0].contains(&format!(
        "HTTP 307 redirecting to 127.0.0.1:{}",
        server.port
    )));
}

// 2. Nothing from outside can start a line of the log.

#[test]
fn a_reply_cannot_inject_workflow_commands() {
    let body = format!(
        r#"{{"layerVersionArn":"x\n::stop-commands::pwned\n{LAYER_ARN}","version":1,"codeChecksum":"1\r\n::error::fake"}}"#
    );
    let server = hostile_create(true, answer_with(reply("200 OK", &[], body.as_bytes())));
    let run = act(&server.url, &[]);
    run.assert_failed_cleanly();
    assert!(
        !run.stdout().contains("\n::stop-commands::"),
        "{}",
        run.stdout()
    );

    let message = "denied\n::stop-commands::pwned\r\n::set-output name=x::y %";
    let error =
        format!(r#"{{"Code":"AccessDenied","Message":{message:?},"RequestId":"r\n::warning::w"}}"#);
    let server = hostile_create(
        true,
        answer_with(reply("403 Forbidden", &[], error.as_bytes())),
    );
    let run = act(&server.url, &[]);
    run.assert_failed_cleanly();
    assert_eq!(
        run.errors(),
        [
            "::error::CreateLayerVersion failed: HTTP 403 AccessDenied: denied%0A::stop-commands::pwned%0D%0A::set-output name=x::y %25 (RequestId r%0A::warning::w)"
        ]
    );
}

#[test]
fn a_code_path_cannot_inject_workflow_commands() {
    let server = sts_fc_local();
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer\n::warning::injected");
    fs::create_dir(&layer).expect("mkdir");
    fs::write(layer.join("data.txt"), "data").expect("writes");
    let run = act_in(
        work.path(),
        &server.url,
        &[("INPUT_CODE", layer.to_str().expect("utf-8"))],
    );
    assert!(run.output.status.success(), "{}", run.stdout());
    assert_only_own_commands(&run.stdout());
    assert!(
        !run.stdout()
            .lines()
            .any(|line| line.starts_with("::warning::")),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout()
            .contains("layer%0A::warning::injected: 1 entries"),
        "{}",
        run.stdout()
    );
    assert_no_canary(&run);
}

/// A `check` finding's annotation is titled with the file's name, which comes from the tree:
/// `:` and `,` would end the title and pose as the message or another property.
#[test]
fn a_file_name_cannot_break_out_of_its_annotation_title() {
    let server = sts_fc_local();
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer");
    fs::create_dir_all(layer.join("python")).expect("mkdir");
    let name = "evil::warning file=x,line=1::100%.so";
    fs::write(
        layer.join("python").join(name),
        common::native::elf_for(object::Architecture::Aarch64),
    )
    .expect("writes");
    let run = act_in(
        work.path(),
        &server.url,
        &[
            ("INPUT_CODE", layer.to_str().expect("utf-8")),
            ("INPUT_COMPATIBLE-RUNTIMES", "python3.10"),
            ("INPUT_CHECK", "warn"),
        ],
    );
    assert!(run.output.status.success(), "{}", run.stdout());
    assert_only_own_commands(&run.stdout());
    let titled: Vec<String> = run
        .stdout()
        .lines()
        .filter(|line| line.starts_with("::warning title="))
        .map(str::to_owned)
        .collect();
    assert_eq!(titled.len(), 1, "{}", run.stdout());
    assert!(
        titled[0].starts_with(
            "::warning title=python/evil%3A%3Awarning file=x%2Cline=1%3A%3A100%25.so::python/evil::warning file=x,line=1::100%25.so: is native code for Aarch64"
        ),
        "{}",
        titled[0]
    );
    assert_no_canary(&run);
}

// 3. A reply is checked before it is believed.

#[test]
fn a_reply_that_is_not_a_valid_layer_is_not_success() {
    for body in [
        r#"{"layerVersionArn":"","version":-5}"#.to_owned(),
        format!(r#"{{"layerVersionArn":"{LAYER_ARN}","version":0}}"#),
        r#"{"layerVersionArn":"acs:fc:r:1:layers/other/versions/1","version":1}"#.to_owned(),
        format!(r#"{{"layerVersionArn":"{LAYER_ARN}","version":2}}"#),
    ] {
        let server = hostile_create(true, answer_with(reply("200 OK", &[], body.as_bytes())));
        let run = act(&server.url, &[]);
        run.assert_failed_cleanly();
        assert!(
            run.errors()[0].starts_with(
                "::error::CreateLayerVersion: the reply is not what the API documents: "
            ),
            "{body}: {:?}",
            run.errors()
        );
    }
}

// 4. The outputs file is checked before anything is sent.

#[test]
fn an_unwritable_github_output_fails_before_any_request() {
    let server = sts_fc_local();
    let work = tempfile::tempdir().expect("tempdir");
    let directory = work.path().to_str().expect("utf-8").to_owned();
    let missing = work
        .path()
        .join("no/such/folder/out")
        .to_str()
        .expect("utf-8")
        .to_owned();
    for path in [directory.as_str(), "/dev/full", missing.as_str()] {
        let run = act(&server.url, &[("GITHUB_OUTPUT", path)]);
        assert_eq!(run.output.status.code(), Some(1), "{path}");
        assert!(
            run.errors()[0].starts_with(&format!("::error::cannot open GITHUB_OUTPUT ({path})")),
            "{path}: {}",
            run.stdout()
        );
        assert_no_canary(&run);
        assert_eq!(
            server.state()["layers"],
            serde_json::json!({}),
            "{path}: a version was created"
        );
    }
}

// 5. Replies are read up to a bound.

#[test]
fn a_huge_reply_is_refused_without_reading_it() {
    // Declared up front: refused on the headers.
    let declared = hostile_create(true, |_, stream| {
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 629145600\r\ncontent-type: application/json\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&[b' '; 1 << 20]);
    });
    let run = act(&declared.url, &[]);
    run.assert_failed_cleanly();
    assert_eq!(
        run.errors(),
        [format!(
            "::error::CreateLayerVersion: the reply from {} is over 1048576 bytes, more than any API answer; the rest was not read",
            declared.url
        )]
    );

    // Streamed with no length: cut off once past the bound.
    let written = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&written);
    let streamed = hostile_create(true, move |_, stream| {
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
        for _ in 0..(600 * 16) {
            if stream.write_all(chunk.as_bytes()).is_err() {
                break;
            }
            counter.fetch_add(64 * 1024, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let run = act(&streamed.url, &[]);
    run.assert_failed_cleanly();
    assert!(
        run.errors()[0].contains("is over 1048576 bytes"),
        "{:?}",
        run.errors()
    );
    thread::sleep(Duration::from_millis(200));
    let sent = written.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "the client kept reading: {sent} bytes were taken"
    );
}

// 6. A silent server fails the step after the idle timeout, naming the phase.

#[test]
fn a_silent_server_fails_on_the_idle_timeout_naming_the_phase() {
    // Reads the request, then says nothing.
    let silent = hostile_create(true, |_, _| thread::sleep(Duration::from_secs(30)));
    let run = act(&silent.url, &[("FC_LAYER_ACTION_TEST_TIMEOUT_SECS", "2")]);
    run.assert_failed_cleanly();
    assert_eq!(
        run.errors(),
        [format!(
            "::error::CreateLayerVersion: {} did not answer while waiting for the reply: no byte sent or received for 2 s",
            silent.url
        )]
    );

    // Takes nothing of a body too large for the socket buffers (inline: on loopback,
    // `auto` would send 32 MiB through OSS).
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer");
    fs::create_dir(&layer).expect("mkdir");
    fs::write(layer.join("noise.bin"), noise(32 << 20, 1)).expect("writes");
    let deaf = hostile_create(false, |_, _| thread::sleep(Duration::from_secs(30)));
    let run = act_in(
        work.path(),
        &deaf.url,
        &[
            ("INPUT_CODE", "layer"),
            ("INPUT_UPLOAD", "inline"),
            ("FC_LAYER_ACTION_TEST_TIMEOUT_SECS", "2"),
        ],
    );
    run.assert_failed_cleanly();
    assert!(
        run.errors()[0]
            .contains("did not answer while sending the request: no byte sent or received for 2 s"),
        "{:?}",
        run.errors()
    );
}

#[test]
fn a_silent_tls_port_fails_on_the_connect_timeout() {
    // Accepts connections and never reads or writes a byte, so the TLS handshake waits.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(1).collect();
        thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    let endpoint = format!("https://127.0.0.1:{port}");
    let run = act(&endpoint, &[("FC_LAYER_ACTION_TEST_TIMEOUT_SECS", "2")]);
    run.assert_failed_cleanly();
    // The first request is the listing, so that is where the silence is met.
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with(&format!(
            ": ListLayerVersions: {endpoint} did not answer while connecting: no byte sent or received for 2 s"
        )),
        "{errors:?}"
    );
}

// 7. Prebuilt zips are read whole before they are sent.

fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in entries {
        writer.start_file(*name, stored).expect("starts");
        writer.write_all(content).expect("writes");
    }
    writer.finish().expect("finishes").into_inner()
}

#[test]
fn a_prebuilt_zip_with_unsafe_names_or_a_bad_crc_is_refused_before_sending() {
    let server = sts_fc_local();
    let work = tempfile::tempdir().expect("tempdir");
    let content: &[u8] = b"payload-payload-payload";
    let mut corrupt = zip_with(&[("python/ok.py", b"X = 1\n"), ("python/bad.py", content)]);
    let at = corrupt
        .windows(content.len())
        .position(|window| window == content)
        .expect("stored content");
    corrupt[at] ^= 0xff;
    for (name, bytes, problem) in [
        (
            "parent.zip",
            zip_with(&[("../evil", b"x")]),
            "entry \"../evil\" has a `..` component",
        ),
        (
            "inner.zip",
            zip_with(&[("python/../../evil", b"x")]),
            "has a `..` component",
        ),
        (
            "absolute.zip",
            zip_with(&[("/etc/cron.d/evil", b"x")]),
            "entry \"/etc/cron.d/evil\" is an absolute path",
        ),
        (
            "backslash.zip",
            zip_with(&[("python\\..\\evil", b"x")]),
            "holds a backslash",
        ),
        ("corrupt.zip", corrupt, "entry \"python/bad.py\" is damaged"),
    ] {
        fs::write(work.path().join(name), bytes).expect("writes");
        let run = act_in(work.path(), &server.url, &[("INPUT_CODE", name)]);
        run.assert_failed_cleanly();
        let error = &run.errors()[0];
        assert!(
            error.starts_with("::error::input `code`: ") && error.contains(problem),
            "{name}: {error}"
        );
        assert_eq!(
            server.state()["layers"],
            serde_json::json!({}),
            "{name} was sent"
        );
    }
}

#[test]
fn a_tree_too_large_for_inline_stops_zipping_and_sends_nothing() {
    let server = sts_fc_local();
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer");
    fs::create_dir(&layer).expect("mkdir");
    for part in 0..3 {
        fs::write(layer.join(format!("part{part}.bin")), noise(30 << 20, 2)).expect("writes");
    }
    let run = act_in(
        work.path(),
        &server.url,
        &[("INPUT_CODE", "layer"), ("INPUT_UPLOAD", "inline")],
    );
    run.assert_failed_cleanly();
    assert!(
        run.errors()[0].starts_with(
            "::error::input `code`: the zip passed 78643200 bytes (zipping stopped there)"
        ),
        "{:?}",
        run.errors()
    );
    assert_eq!(server.state()["layers"], serde_json::json!({}));
}

// 8. Proxies: honoured, `NO_PROXY=*` included, and named when they fail.

#[test]
fn proxies_are_used_bypassed_with_no_proxy_star_and_named_on_failure() {
    let server = sts_fc_local();
    let proxy = Hostile::start(
        true,
        answer_with(reply("502 Bad Gateway", &[], b"proxy says no")),
    );
    let through = act(&server.url, &[("HTTP_PROXY", &proxy.url)]);
    through.assert_failed_cleanly();
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].target,
        format!(
            "{}/2023-03-30/layers/my-layer/versions?limit=20",
            server.url
        )
    );

    let bypassed = act(
        &server.url,
        &[("HTTP_PROXY", &proxy.url), ("NO_PROXY", "*")],
    );
    assert!(bypassed.output.status.success(), "{}", bypassed.stdout());
    assert_eq!(
        proxy.requests().len(),
        1,
        "NO_PROXY=* still went through the proxy"
    );
    assert_no_canary(&bypassed);

    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let dead_port = dead.local_addr().expect("address").port();
    drop(dead);
    let proxy_url = format!("http://user:proxy-pa55@127.0.0.1:{dead_port}");
    let unreachable = act(&server.url, &[("http_proxy", &proxy_url)]);
    unreachable.assert_failed_cleanly();
    let error = &unreachable.errors()[0];
    assert!(
        error.contains(&format!(
            ": ListLayerVersions: could not reach {} through the proxy http://127.0.0.1:{dead_port}: ",
            server.url
        )),
        "{error}"
    );
    assert!(
        !error.contains("proxy-pa55"),
        "the proxy's password is shown: {error}"
    );
    assert_eq!(server.versions("my-layer").len(), 1);
}
