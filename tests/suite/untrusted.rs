//! Nothing lent or read late is trusted (issue #18): the real binary against hostile servers
//! and trees that change under it. Names and credentials lent by FC, endpoint texts with
//! passwords, files swapped between the walk and the read, sizes known early, zip bombs,
//! OSS replies that do not confirm what they stored, and server text in the job summary.
//! Each case checks that the step failed (or, for the summary, succeeded) cleanly: no byte
//! to another host, no secret printed, nothing created.

use crate::common;

use std::fs;
use std::io::{Cursor, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use common::hostile::{Hostile, reply};
use common::*;
use fc_layer_action::oss_names::BucketName;

const ACCOUNT_ID: &str = "1234567890123456";

/// One run of the action: its process output, `GITHUB_OUTPUT` and the job summary.
struct Run {
    output: Output,
    outputs_file: String,
    summary: String,
}

impl Run {
    fn stdout(&self) -> String {
        stdout(&self.output)
    }

    fn errors(&self) -> String {
        self.stdout()
            .lines()
            .filter(|line| line.starts_with("::error::"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Failed with an error holding `wanted`, wrote no output, and none of `secrets` shows
    /// anywhere but in a mask line.
    fn assert_failed_with(&self, wanted: &str, secrets: &[&str]) {
        assert_eq!(self.output.status.code(), Some(1), "{}", self.stdout());
        assert!(
            self.errors().contains(wanted),
            "wanted {wanted:?} in {}",
            self.stdout()
        );
        assert_eq!(self.outputs_file, "", "outputs written on failure");
        let texts = [self.stdout(), stderr(&self.output), self.summary.clone()];
        for secret in [ACCESS_KEY_SECRET, SECURITY_TOKEN].iter().chain(secrets) {
            for text in &texts {
                for line in text.lines().filter(|line| line.contains(secret)) {
                    assert!(
                        line.starts_with("::add-mask::"),
                        "{secret:?} leaked: {line:?}"
                    );
                }
            }
        }
    }
}

/// Runs the action in `work` with STS credentials, `GITHUB_OUTPUT` and a job summary, the
/// example layer as its code and `extra` over the defaults.
fn act_in(work: &Path, endpoint: &str, extra: &[(&str, &str)]) -> Run {
    let outputs_path = work.join("github_output");
    let summary_path = work.join("summary.md");
    let mut envs = vec![(
        "GITHUB_STEP_SUMMARY",
        summary_path.to_str().expect("utf-8 path"),
    )];
    envs.extend_from_slice(extra);
    let output = run_action_with_sts(work, endpoint, &outputs_path, &envs);
    Run {
        output,
        outputs_file: fs::read_to_string(&outputs_path).unwrap_or_default(),
        summary: fs::read_to_string(&summary_path).unwrap_or_default(),
    }
}

fn act(endpoint: &str, extra: &[(&str, &str)]) -> Run {
    let work = tempfile::tempdir().expect("tempdir");
    act_in(work.path(), endpoint, extra)
}

/// [`act`] with `url` as FC and as the OSS of one's own bucket, `my-bucket` in cn-hangzhou,
/// the upload through it; `extra` over that.
fn act_own_bucket(url: &str, extra: &[(&str, &str)]) -> Run {
    let mut inputs = vec![
        ("INPUT_UPLOAD", "oss"),
        ("INPUT_REGION", "cn-hangzhou"),
        ("INPUT_OSS-BUCKET", "my-bucket"),
        ("INPUT_OSS-ENDPOINT", url),
    ];
    inputs.extend_from_slice(extra);
    act(url, &inputs)
}

fn send(stream: &mut TcpStream, bytes: &[u8]) {
    let _ = stream.write_all(bytes);
}

/// A listener that only counts connections: the host a hostile name would send the upload
/// to, which must see none.
struct Bystander {
    port: u16,
    connections: Arc<AtomicUsize>,
}

impl Bystander {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Self { port, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// FC as a hostile lender: the listing is empty, `tempBucketToken` answers `lent`, and any
/// other request (a create) gets a 500.
fn lender(lent: String) -> Hostile {
    Hostile::start(true, move |request, stream| {
        let body = if request.target.starts_with("/2016-08-15/tempBucketToken") {
            reply("200 OK", &[], lent.as_bytes())
        } else if request.method == "GET" {
            reply("200 OK", &[], br#"{"layers":[]}"#)
        } else {
            reply("500 Internal Server Error", &[], b"{}")
        };
        send(stream, &body);
    })
}

fn lent_reply(bucket: &str, object: &str, credentials: &str) -> String {
    format!(
        r#"{{"credentials":{credentials},"ossRegion":"oss-cn-hangzhou","ossBucket":{bucket},"objectName":{object}}}"#
    )
}

const GOOD_CREDENTIALS: &str = r#"{"AccessKeyId":"STS.lent","AccessKeySecret":"lent-secret-5e1d","SecurityToken":"lent-token-9b7a"}"#;

// 1. Names and credentials lent by FC are checked like inputs.

#[test]
fn a_lent_bucket_or_key_that_is_not_a_name_sends_nothing_anywhere() {
    let bystander = Bystander::start();
    let oss = Hostile::start(true, |_, stream| {
        send(stream, &reply("500 Internal Server Error", &[], b""))
    });
    let port = bystander.port;
    let host_port = format!("\"localhost:{port}/\"");
    let cases: Vec<(String, String, &str)> = vec![
        (host_port, r#""x.zip""#.to_owned(), "ossBucket"),
        (
            r#""bucket#""#.to_owned(),
            r#""x.zip""#.to_owned(),
            "ossBucket",
        ),
        (
            r#""bucket?""#.to_owned(),
            r#""x.zip""#.to_owned(),
            "ossBucket",
        ),
        (
            r#""Bucket""#.to_owned(),
            r#""x.zip""#.to_owned(),
            "ossBucket",
        ),
        (r#""""#.to_owned(), r#""x.zip""#.to_owned(), "ossBucket"),
        (
            r#""bucket""#.to_owned(),
            r#""../../../other/x.zip""#.to_owned(),
            "objectName",
        ),
        (
            r#""bucket""#.to_owned(),
            r#""a/./x.zip""#.to_owned(),
            "objectName",
        ),
        (r#""bucket""#.to_owned(), r#""""#.to_owned(), "objectName"),
        (r#""bucket""#.to_owned(), "7".to_owned(), "objectName"),
    ];
    for (bucket, object, field) in cases {
        let server = lender(lent_reply(&bucket, &object, GOOD_CREDENTIALS));
        // Both the default (virtual-hosted, OSS's acceleration host) and a URL endpoint.
        for oss_endpoint in [None, Some(oss.url.as_str())] {
            let mut extra = vec![("INPUT_UPLOAD", "oss"), ("INPUT_ACCOUNT-ID", ACCOUNT_ID)];
            if let Some(url) = oss_endpoint {
                extra.push(("INPUT_OSS-ENDPOINT", url));
            }
            let run = act(&server.url, &extra);
            run.assert_failed_with(
                &format!("tempBucketToken: the reply is not what the API documents: {field}"),
                &["lent-secret-5e1d", "lent-token-9b7a"],
            );
            assert_eq!(server.creates(), 0, "{bucket} {object}");
        }
    }
    assert_eq!(
        bystander.connections(),
        0,
        "a lent name sent bytes elsewhere"
    );
    assert!(oss.requests().is_empty(), "{:?}", oss.requests());
}

#[test]
fn lent_credentials_must_be_printable_strings_and_are_never_printed() {
    let oss = Hostile::start(true, |_, stream| {
        send(stream, &reply("500 Internal Server Error", &[], b""))
    });
    let huge = "h".repeat(5000);
    let cases = [
        (
            r#"{"AccessKeyId":"STS.lent","AccessKeySecret":"","SecurityToken":"lent-token-9b7a"}"#
                .to_owned(),
            "credentials.AccessKeySecret is empty",
        ),
        (
            r#"{"AccessKeyId":"STS.lent","AccessKeySecret":"lent-secret-5e1d","SecurityToken":98765432123456789}"#
                .to_owned(),
            "credentials.SecurityToken is not a string",
        ),
        (
            format!(
                r#"{{"AccessKeyId":"STS.lent","AccessKeySecret":"lent-secret-5e1d","SecurityToken":"{huge}"}}"#
            ),
            "credentials.SecurityToken is over 4096 bytes",
        ),
        (
            r#"{"AccessKeyId":"STS.lent","AccessKeySecret":"lent secret\u0007","SecurityToken":"lent-token-9b7a"}"#
                .to_owned(),
            "credentials.AccessKeySecret holds characters other than printable ASCII",
        ),
        (
            r#"{"AccessKeyId":["STS.lent"],"AccessKeySecret":"lent-secret-5e1d","SecurityToken":"lent-token-9b7a"}"#
                .to_owned(),
            "credentials.AccessKeyId is not a string",
        ),
    ];
    for (credentials, wanted) in cases {
        let server = lender(lent_reply(r#""bucket""#, r#""x.zip""#, &credentials));
        let run = act(
            &server.url,
            &[
                ("INPUT_UPLOAD", "oss"),
                ("INPUT_ACCOUNT-ID", ACCOUNT_ID),
                ("INPUT_OSS-ENDPOINT", &oss.url),
            ],
        );
        run.assert_failed_with(
            wanted,
            &[
                "98765432123456789",
                "lent-secret-5e1d",
                "lent-token-9b7a",
                &huge,
            ],
        );
        assert_eq!(server.creates(), 0);
    }
    assert!(oss.requests().is_empty(), "{:?}", oss.requests());
}

#[test]
fn an_account_id_from_sts_must_look_like_one() {
    let huge = "9".repeat(900_000);
    let identity = format!(r#"{{"AccountId":"{huge}","RequestId":"r"}}"#);
    let sts = Hostile::start(true, move |_, stream| {
        send(stream, &reply("200 OK", &[], identity.as_bytes()))
    });
    let server = lender(lent_reply(r#""bucket""#, r#""x.zip""#, GOOD_CREDENTIALS));
    let run = act(
        &server.url,
        &[("INPUT_UPLOAD", "oss"), ("INPUT_STS-ENDPOINT", &sts.url)],
    );
    run.assert_failed_with("GetCallerIdentity", &[]);
    assert!(!run.stdout().contains(&huge[..1000]), "the id was printed");
    assert!(
        run.stdout().len() < 10_000,
        "{} bytes of log",
        run.stdout().len()
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|request| request.header("x-fc-account-id").is_none()),
        "the id was sent on"
    );
}

// 2. An endpoint's password is never printed.

#[test]
fn endpoint_texts_with_a_password_are_never_printed_whole() {
    let texts = [
        "http://user:PASSWORD@127.0.0.1:99999",
        "ftp://user:PASSWORD@127.0.0.1",
        "http://user:PASSWORD@[::1",
        "http://user:PASSWORD@127.0.0.1:9000",
    ];
    for input in ["INPUT_ENDPOINT", "INPUT_OSS-ENDPOINT", "INPUT_STS-ENDPOINT"] {
        for text in texts {
            let run = act(
                "http://127.0.0.1:9",
                &[(input, text), ("INPUT_UPLOAD", "oss")],
            );
            let name = input.trim_start_matches("INPUT_").to_ascii_lowercase();
            run.assert_failed_with(&format!("input `{name}`"), &["PASSWORD"]);
            assert!(run.errors().contains("***@"), "{}", run.errors());
        }
    }
}

// 3. Files swapped after the walk are not followed.

/// Zips `layer` with the tree changed by `swap` between the walk and the reads.
fn zip_swapped(layer: &Path, swap: impl FnOnce()) -> Result<Vec<u8>, String> {
    fc_layer_action::package::zip_dir::zip_directory_between(layer, Vec::new(), u64::MAX, swap)
        .map(|zipped| zipped.writer)
        .map_err(|error| error.to_string())
}

#[test]
fn a_file_swapped_between_walk_and_read_is_refused_never_followed() {
    let work = tempfile::tempdir().expect("tempdir");
    let outside = work.path().join("outside.txt");
    fs::write(&outside, "OUTSIDE-CONTENT").expect("writes");
    // Small files are read whole, large ones streamed: both paths go through the same open.
    for size in [100usize, 9 << 20] {
        for (swap, wanted) in [
            ("link", "it is now a symbolic link"),
            ("fifo", "it is now a FIFO"),
            ("dev-zero", "it is now a symbolic link"),
            ("grown", "it is now a file of"),
        ] {
            let layer = work.path().join(format!("layer-{size}-{swap}"));
            fs::create_dir(&layer).expect("mkdir");
            let file = layer.join("data.bin");
            fs::write(&file, vec![b'a'; size]).expect("writes");
            let result = zip_swapped(&layer, || {
                fs::remove_file(&file).expect("removes");
                match swap {
                    "link" => std::os::unix::fs::symlink(&outside, &file).expect("links"),
                    "dev-zero" => std::os::unix::fs::symlink("/dev/zero", &file).expect("links"),
                    "fifo" => {
                        let made = std::process::Command::new("mkfifo").arg(&file).status();
                        assert!(made.expect("mkfifo runs").success());
                    }
                    _ => fs::write(&file, vec![b'b'; size + 1]).expect("writes"),
                }
            });
            let error = result.expect_err(swap);
            assert!(
                error.contains("data.bin: changed while the layer was packaged")
                    && error.contains(wanted),
                "{swap} {size}: {error}"
            );
        }
    }
}

// 4. Sizes known at the walk are checked there.

#[test]
fn a_6_gb_sparse_file_is_refused_by_the_walk_before_any_read() {
    let server = Hostile::start(true, |_, stream| {
        send(stream, &reply("500 Internal Server Error", &[], b""))
    });
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer");
    fs::create_dir(&layer).expect("mkdir");
    fs::File::create(layer.join("sparse.bin"))
        .expect("creates")
        .set_len(6 << 30)
        .expect("sparse");
    let run = act_in(work.path(), &server.url, &[("INPUT_CODE", "layer")]);
    run.assert_failed_with(
        "sparse.bin: 6442450944 bytes, over the 4294967295 bytes one zip entry can hold; nothing was read",
        &[],
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn an_error_prints_its_causes() {
    let server = Hostile::start(true, |_, stream| {
        send(stream, &reply("500 Internal Server Error", &[], b""))
    });
    let work = tempfile::tempdir().expect("tempdir");
    fs::write(work.path().join("broken.zip"), b"not a zip at all").expect("writes");
    let run = act_in(work.path(), &server.url, &[("INPUT_CODE", "broken.zip")]);
    // The zip reader's own words follow the action's.
    run.assert_failed_with(
        "broken.zip: is not a valid zip file: invalid Zip archive",
        &[],
    );
    assert!(
        run.summary
            .contains("is not a valid zip file: invalid Zip archive"),
        "{}",
        run.summary
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

// 5. Prebuilt zips: bounded checks.

fn zip_of(build: impl FnOnce(&mut zip::ZipWriter<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    build(&mut writer);
    writer.finish().expect("finishes").into_inner()
}

fn deflated() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

/// Every local and central header's field at `local`/`central` bytes from its start,
/// rewritten by `set`.
fn patch_headers(zip: &mut [u8], local: usize, central: usize, set: impl Fn(&mut [u8])) {
    let mut at = 0;
    while at + 4 <= zip.len() {
        match &zip[at..at + 4] {
            [0x50, 0x4b, 0x03, 0x04] => set(&mut zip[at + local..]),
            [0x50, 0x4b, 0x01, 0x02] => set(&mut zip[at + central..]),
            _ => {}
        }
        at += 1;
    }
}

/// A zip whose one stored entry is listed `count` times in the central directory, under
/// names of equal length: entries that all share the same bytes.
fn overlapping(count: usize) -> Vec<u8> {
    let single = zip_of(|writer| {
        writer.start_file("f00000", deflated()).expect("starts");
        writer.write_all(&vec![0u8; 1 << 20]).expect("writes");
    });
    let central = single
        .windows(4)
        .position(|window| window == [0x50, 0x4b, 0x01, 0x02])
        .expect("central directory");
    let end = single
        .windows(4)
        .rposition(|window| window == [0x50, 0x4b, 0x05, 0x06])
        .expect("end record");
    let record = &single[central..end];
    let mut zip = single[..central].to_vec();
    for index in 0..count {
        let mut copy = record.to_vec();
        copy[46..52].copy_from_slice(format!("f{index:05}").as_bytes());
        zip.extend_from_slice(&copy);
    }
    let mut tail = single[end..].to_vec();
    let entries = u16::try_from(count).expect("fits").to_le_bytes();
    tail[8..10].copy_from_slice(&entries);
    tail[10..12].copy_from_slice(&entries);
    let size = u32::try_from(record.len() * count).expect("fits");
    tail[12..16].copy_from_slice(&size.to_le_bytes());
    zip.extend_from_slice(&tail);
    zip
}

#[test]
fn zip_bombs_links_out_and_encrypted_entries_are_refused_before_sending() {
    let server = Hostile::start(true, |_, stream| {
        send(stream, &reply("500 Internal Server Error", &[], b""))
    });
    let work = tempfile::tempdir().expect("tempdir");
    let zeros = vec![0u8; 64 << 20];
    // Declares 1,000 bytes, inflates to 64 MiB.
    let mut liar = zip_of(|writer| {
        writer
            .start_file("python/zeros", deflated())
            .expect("starts");
        writer.write_all(&zeros).expect("writes");
    });
    patch_headers(&mut liar, 22, 24, |field| {
        field[..4].copy_from_slice(&1000u32.to_le_bytes())
    });
    // Declares 3 × 4 GiB.
    let mut huge = zip_of(|writer| {
        for name in ["a", "b", "c"] {
            writer.start_file(name, deflated()).expect("starts");
            writer.write_all(b"x").expect("writes");
        }
    });
    patch_headers(&mut huge, 22, 24, |field| {
        field[..4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes())
    });
    let mut encrypted = zip_of(|writer| {
        writer
            .start_file("python/a.py", deflated())
            .expect("starts");
        writer.write_all(b"X = 1\n").expect("writes");
    });
    patch_headers(&mut encrypted, 6, 8, |field| field[0] |= 1);
    let link_out = zip_of(|writer| {
        writer
            .add_symlink("lib", "/etc", deflated())
            .expect("links");
    });
    let link_up = zip_of(|writer| {
        writer
            .add_symlink("python/lib", "../../x", deflated())
            .expect("links");
    });
    let below_link = zip_of(|writer| {
        writer
            .add_symlink("lib", "python", deflated())
            .expect("links");
        writer
            .start_file("lib/cron.d/x", deflated())
            .expect("starts");
        writer.write_all(b"* * * * * root x").expect("writes");
    });
    for (name, bytes, problem) in [
        ("liar.zip", liar, "entry \"python/zeros\" is damaged: "),
        (
            "huge.zip",
            huge,
            "declare more than 10737418240 bytes unpacked",
        ),
        (
            "overlap.zip",
            overlapping(1000),
            "overlaps entry \"f00000\"",
        ),
        (
            "encrypted.zip",
            encrypted,
            "entry \"python/a.py\" is encrypted",
        ),
        (
            "link-out.zip",
            link_out,
            "symlink entry \"lib\" points to \"/etc\", outside the layer",
        ),
        (
            "link-up.zip",
            link_up,
            "symlink entry \"python/lib\" points to \"../../x\", outside the layer",
        ),
        (
            "below-link.zip",
            below_link,
            "entry \"lib/cron.d/x\" is below the symlink entry \"lib\"",
        ),
    ] {
        fs::write(work.path().join(name), bytes).expect("writes");
        let run = act_in(work.path(), &server.url, &[("INPUT_CODE", name)]);
        run.assert_failed_with(&format!("{name}: "), &[]);
        assert!(
            run.errors().starts_with("::error::input `code`: "),
            "{}",
            run.errors()
        );
        assert!(run.errors().contains(problem), "{name}: {}", run.errors());
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

// 6. `.` segments in the key prefix.

#[test]
fn a_dot_segment_in_the_key_prefix_is_refused_before_any_request() {
    let server = Hostile::start(true, |_, stream| {
        send(stream, &reply("500 Internal Server Error", &[], b""))
    });
    for prefix in ["./", "a/./b/", "a//b/", "../x/"] {
        let run = act_own_bucket(&server.url, &[("INPUT_OSS-KEY-PREFIX", prefix)]);
        run.assert_failed_with("input `oss-key-prefix`: the prefix", &[]);
        assert!(
            run.errors().contains("empty, `.` or `..` segment"),
            "{}",
            run.errors()
        );
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

// 7. OSS replies are verified.

/// OSS with nothing stored that answers PutObject with `put`; FC with an empty listing.
fn own_bucket_oss(put: Vec<u8>) -> Hostile {
    Hostile::start(true, move |request, stream| {
        let answer = match request.method.as_str() {
            "HEAD" => reply("404 Not Found", &[], b""),
            "PUT" => put.clone(),
            "GET" => reply("200 OK", &[], br#"{"layers":[]}"#),
            _ => reply("500 Internal Server Error", &[], b"{}"),
        };
        send(stream, &answer);
    })
}

#[test]
fn an_upload_oss_does_not_confirm_is_a_failure() {
    let error_body = b"<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>lost</Message><RequestId>r1</RequestId></Error>";
    for (put, wanted) in [
        (
            reply("200 OK", &[("etag", "\"E\"")], b""),
            "OSS PutObject: OSS did not confirm the checksum",
        ),
        (
            reply("200 OK", &[("x-oss-hash-crc64ecma", "0")], error_body),
            "OSS PutObject failed: HTTP 200 InternalError: lost (RequestId r1)",
        ),
        (
            reply("200 OK", &[("x-oss-hash-crc64ecma", "12ab")], b""),
            "is not a CRC-64 in decimal digits",
        ),
    ] {
        let server = own_bucket_oss(put);
        let run = act_own_bucket(&server.url, &[]);
        run.assert_failed_with(wanted, &[]);
        assert_eq!(server.creates(), 0, "created after an unconfirmed upload");
    }
}

#[test]
fn head_object_lies_about_size_or_checksum_are_refused_naming_the_object() {
    for (length, crc) in [
        ("999999999999", "123"),
        ("12", "12ab<img src=x>"),
        ("twelve", "123"),
    ] {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {length}\r\nx-oss-hash-crc64ecma: {crc}\r\nconnection: close\r\n\r\n"
        );
        let server = Hostile::start(true, move |request, stream| {
            let answer = match request.method.as_str() {
                "HEAD" => head.clone().into_bytes(),
                "GET" => reply("200 OK", &[], br#"{"layers":[]}"#),
                _ => reply("500 Internal Server Error", &[], b"{}"),
            };
            send(stream, &answer);
        });
        let run = act(
            &server.url,
            &[
                ("INPUT_CODE", "oss://my-bucket/layers/a.zip"),
                ("INPUT_REGION", "cn-hangzhou"),
                ("INPUT_OSS-ENDPOINT", &server.url),
            ],
        );
        run.assert_failed_with(
            "OSS HeadObject: the reply is not what OSS documents: for oss://my-bucket/layers/a.zip",
            &[],
        );
        assert_eq!(server.creates(), 0);
        // Shown, but as text: in a code block, never as an element.
        assert!(!read_summary(&run.summary).1, "{}", run.summary);
    }
}

// 8. Server text in the job summary.

/// The job summary as a CommonMark reader sees it: its code spans, and whether any HTML.
fn read_summary(markdown: &str) -> (Vec<String>, bool) {
    use pulldown_cmark::{Event, Options, Parser};
    let mut spans = Vec::new();
    let mut html = false;
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Code(text) => spans.push(text.into_string()),
            Event::Html(_) | Event::InlineHtml(_) => html = true,
            _ => {}
        }
    }
    (spans, html)
}

#[test]
fn a_one_backtick_secret_and_a_hostile_arn_leave_the_summary_intact() {
    let arn = "acs:fc:cn-hangzhou:`<img src=x onerror=alert(1)>` |x|:layers/my-layer/versions/1";
    let body = format!(
        r#"{{"layerVersionArn":{arn:?},"version":1,"codeChecksum":"1","layerName":"my-layer"}}"#
    );
    for secret in ["`", "e"] {
        let created = body.clone();
        let server = Hostile::start(true, move |request, stream| {
            let answer = if request.method == "GET" {
                reply("200 OK", &[], br#"{"layers":[]}"#)
            } else {
                reply("200 OK", &[], created.as_bytes())
            };
            send(stream, &answer);
        });
        let run = act(&server.url, &[("INPUT_ACCESS-KEY-SECRET", secret)]);
        let (spans, html) = read_summary(&run.summary);
        assert!(!html, "HTML in the summary:\n{}", run.summary);
        // Every value is redacted, the layer's name too when the secret is in it.
        let name = "my-layer".replace(secret, "***");
        assert!(spans.contains(&name), "{spans:?}\n{}", run.summary);
        let shown = arn.replace(secret, "***");
        assert!(
            spans.iter().any(|span| span.trim() == shown.trim()),
            "{shown:?} not in {spans:?}\n{}",
            run.summary
        );
        // The action's own words are not redacted, however short the secret.
        assert!(
            run.summary.contains("### Published layer") && run.summary.contains("| Runtimes |"),
            "{}",
            run.summary
        );
    }
}

#[test]
fn server_text_is_capped_in_the_log_and_the_summary() {
    let message = "m".repeat(1_000_000);
    let error = format!(r#"{{"Code":"AccessDenied","Message":"{message}","RequestId":"r"}}"#);
    let server = Hostile::start(true, move |request, stream| {
        let answer = if request.method == "GET" {
            reply("200 OK", &[], br#"{"layers":[]}"#)
        } else {
            reply("403 Forbidden", &[], error.as_bytes())
        };
        send(stream, &answer);
    });
    let run = act(&server.url, &[]);
    run.assert_failed_with("(1000000 bytes)", &[]);
    assert!(
        run.stdout().len() < 8_000,
        "{} bytes of log",
        run.stdout().len()
    );
    assert!(
        run.summary.len() < 8_000,
        "{} bytes of summary",
        run.summary.len()
    );
}

#[test]
fn multipart_replies_must_confirm_the_checksum_and_name_a_sane_upload() {
    let bucket = BucketName::parse("my-bucket").expect("bucket");
    let unconfirmed = Hostile::start(true, |_, stream| {
        let body = b"<CompleteMultipartUploadResult><ETag>E</ETag></CompleteMultipartUploadResult>";
        send(stream, &reply("200 OK", &[], body));
    });
    let parts = [(1, "\"E\"".to_owned())];
    let error =
        block_on(common::oss_client(&unconfirmed.url).complete(&bucket, "k.zip", "id", &parts))
            .expect_err("unconfirmed")
            .to_string();
    assert_eq!(
        error,
        "OSS CompleteMultipartUpload: OSS did not confirm the checksum: its reply has no x-oss-hash-crc64ecma, so the object cannot be trusted to hold what was sent"
    );

    let huge_id = "u".repeat(1_000_000);
    let body = format!(
        "<InitiateMultipartUploadResult><UploadId>{huge_id}</UploadId></InitiateMultipartUploadResult>"
    );
    let long = Hostile::start(true, move |_, stream| {
        send(stream, &reply("200 OK", &[], body.as_bytes()))
    });
    let error = block_on(common::oss_client(&long.url).initiate(&bucket, "k.zip"))
        .expect_err("refused")
        .to_string();
    assert!(error.len() < 200, "{error}");
    assert!(
        error.contains("no UploadId of 1 to 256 printable characters"),
        "{error}"
    );
}
