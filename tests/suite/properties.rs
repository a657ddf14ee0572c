//! Properties over generated input, for every parser and encoder of text from outside: any
//! bytes give a typed error or a valid value, never a panic; what is written can be read
//! back; what is signed verifies, and any change to it does not.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::Command;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::Config;
use time::OffsetDateTime;

use crate::common::Masked;
use fc_layer_action::checksum::{crc64_combine, crc64_xz};
use fc_layer_action::client::parse;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::{Layer, LayerVersionsPage, ServiceError};
use fc_layer_action::github::{self, Outputs};
use fc_layer_action::inputs::{RawInputs, Settings};
use fc_layer_action::interface::{Input, Output};
use fc_layer_action::oss::xml;
use fc_layer_action::package::{check_zip, zip_directory};
use fc_layer_action::sign::{Request, acs3};
use fc_local::verify::Request as Received;
use fc_local::verify::acs3::verify;

fn cases(n: u32) -> Config {
    Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Any text, control characters, non-ASCII and workflow-command syntax included.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[a-z0-9:/._ -]{0,30}",
        Just("::stop-commands::x\n::error::y".to_owned()),
        Just("%0A\r\n%25".to_owned()),
        Just(" ".to_owned()),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    /// Whatever the workflow writes in whichever inputs, parsing gives settings or errors
    /// that name a declared input, never a panic, and no error repeats the secret.
    #[test]
    fn any_input_text_gives_settings_or_errors_naming_inputs(
        given in btree_map(0..Input::ALL.len(), hostile_text(), 0..Input::ALL.len()),
        secret in "[A-Za-z0-9]{16}",
    ) {
        let secret = format!("SeCrEt{secret}");
        let mut vars: Vec<(String, String)> = given
            .iter()
            .map(|(index, value)| {
                let input = Input::ALL[*index];
                (format!("INPUT_{}", input.name().to_uppercase()), value.clone())
            })
            .collect();
        vars.push(("INPUT_ACCESS-KEY-SECRET".to_owned(), secret.clone()));
        let Ok(raw) = RawInputs::from_vars(vars) else {
            return Ok(());
        };
        let mut masked = Masked::default();
        if let Err(errors) = Settings::parse(raw, |_| None, Path::new("/nonexistent"), &mut masked) {
            prop_assert!(!errors.is_empty());
            for error in errors {
                let text = error.to_string();
                prop_assert!(text.starts_with("input `"), "{text}");
                prop_assert!(!text.contains(&secret), "{text}");
            }
        }
    }

    /// Replies from FC, whatever their bytes: a value or a typed error.
    #[test]
    fn any_fc_reply_parses_or_is_a_typed_error(
        body in prop_oneof![
            vec(any::<u8>(), 0..200),
            hostile_json().prop_map(String::into_bytes),
        ],
        status in 100u16..600,
        request_id in proptest::option::of("[ -~]{0,40}"),
    ) {
        let _ = parse::<Layer>("GetLayerVersion", &body);
        let _ = parse::<LayerVersionsPage>("ListLayerVersions", &body);
        let error = ServiceError::from_reply(status, &body, request_id.as_deref());
        prop_assert_eq!(error.status, status);
        let _ = error.to_string();
    }

    /// OSS's XML: any text yields some elements or none; escaped text reads back whole.
    #[test]
    fn oss_xml_reads_back_what_was_escaped_and_survives_anything(
        text in ".{0,60}",
        noise in ".{0,60}",
    ) {
        let document = format!("{noise}<Key>{}</Key>{noise}", xml::escape(&text));
        let found = xml::elements(&document, "Key");
        prop_assert!(found.contains(&text), "{found:?}");
        let _ = xml::element(&noise, "UploadId");
    }

    /// A workflow command's data never ends its line nor holds a control character, and
    /// decodes, as the runner decodes it, to the message with its other control characters
    /// shown as `%XX`.
    #[test]
    fn workflow_command_data_cannot_leave_its_line(message in "(.|\r|\n){0,80}") {
        for line in [github::error(&message), github::warning(&message), github::add_mask(&message)] {
            prop_assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        }
        for line in [github::error(&message), github::escape_line(&message)] {
            prop_assert!(!line.chars().any(char::is_control), "{line:?}");
        }
        let escaped = github::escape_data(&message);
        let decoded = escaped.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
        let shown: String = message
            .chars()
            .map(|c| match c {
                '\r' | '\n' => c.to_string(),
                c if c.is_control() => {
                    let mut bytes = [0u8; 4];
                    c.encode_utf8(&mut bytes).bytes().map(|byte| format!("%{byte:02X}")).collect()
                }
                c => c.to_string(),
            })
            .collect();
        prop_assert_eq!(decoded, shown);
    }

    /// The outputs file, read back the way the runner reads it, holds exactly the values set,
    /// whatever they contain (delimiters and other outputs' syntax included).
    #[test]
    fn outputs_file_values_cannot_break_out_of_their_block(
        values in vec(prop_oneof![
            ".{0,40}",
            Just("x\nversion<<ghadelimiter_0\n7\nghadelimiter_0".to_owned()),
            Just("ghadelimiter_0".to_owned()),
        ], 1..4),
    ) {
        let mut outputs = Outputs::default();
        let names = [Output::LayerVersionArn, Output::Version, Output::CodeChecksum];
        for (output, value) in names.iter().zip(&values) {
            outputs.set(*output, value.clone());
        }
        // A predictable source, so that a value holding the next delimiter is tried too.
        let mut counter = 0;
        let text = outputs
            .render(|| -> Result<String, ()> {
                counter += 1;
                Ok((counter / 2).to_string())
            })
            .expect("renders");
        let read = read_outputs_file(&text);
        let expected: Vec<(String, String)> = names
            .iter()
            .zip(&values)
            .map(|(output, value)| (output.name().to_owned(), value.clone()))
            .collect();
        prop_assert_eq!(read, expected);
    }
}

fn hostile_json() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("null".to_owned()),
        Just("1e999".to_owned()),
        Just("-1".to_owned()),
        Just("9223372036854775808".to_owned()),
        "\"[ -~]{0,20}\"",
        Just("[]".to_owned()),
        Just("{}".to_owned()),
    ];
    let field = prop_oneof![
        Just("code"),
        Just("message"),
        Just("requestId"),
        Just("layerVersionArn"),
        Just("version"),
        Just("codeChecksum"),
        Just("layers"),
        Just("nextToken"),
        Just("compatibleRuntime"),
        Just("ErrorCode"),
    ];
    vec((field, scalar), 0..6).prop_map(|fields| {
        let body: Vec<String> = fields
            .into_iter()
            .map(|(name, value)| format!("\"{name}\":{value}"))
            .collect();
        format!("{{{}}}", body.join(","))
    })
}

/// The runner's reading of `GITHUB_OUTPUT`: `name<<DELIM`, lines, `DELIM`; `name=value`.
fn read_outputs_file(text: &str) -> Vec<(String, String)> {
    let mut lines = text.split('\n');
    let mut read = Vec::new();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for line in lines.by_ref() {
                if line == delimiter {
                    break;
                }
                value.push(line);
            }
            read.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            read.push((name.to_owned(), value.to_owned()));
        }
    }
    read
}

/// A tree of files: relative paths (up to three levels) → content and executable bit.
fn trees() -> impl Strategy<Value = BTreeMap<String, (Vec<u8>, bool)>> {
    let segment = "[a-zA-Z0-9_.é中-]{1,8}".prop_filter("not . or ..", |s| s != "." && s != "..");
    let path = vec(segment, 1..4).prop_map(|segments| segments.join("/"));
    let content = prop_oneof![
        vec(any::<u8>(), 0..300),
        (any::<u8>(), 0usize..5000).prop_map(|(byte, len)| vec![byte; len]),
    ];
    btree_map(path, (content, any::<bool>()), 1..12).prop_map(|tree| {
        // A path cannot be both a file and a folder: keep the first of a clash.
        let mut kept: BTreeMap<String, (Vec<u8>, bool)> = BTreeMap::new();
        for (path, file) in tree {
            let clashes = kept.keys().any(|other| {
                other.starts_with(&format!("{path}/")) || path.starts_with(&format!("{other}/"))
            });
            if !clashes {
                kept.insert(path, file);
            }
        }
        kept
    })
}

fn write_tree(root: &Path, tree: &BTreeMap<String, (Vec<u8>, bool)>) {
    use std::os::unix::fs::PermissionsExt;
    for (path, (content, executable)) in tree {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("folders");
        std::fs::write(&file, content).expect("file");
        let mode = if *executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("mode");
    }
}

proptest! {
    #![proptest_config(cases(48))]

    /// Random trees zip to the same bytes every time, and the `zip` crate and Python's
    /// `zipfile` read back every file's name, content and mode.
    #[test]
    fn zip_writer_round_trips_random_trees(tree in trees()) {
        let dir = tempfile::tempdir().expect("temp dir");
        write_tree(dir.path(), &tree);
        let (first, _) = zip_directory(dir.path()).expect("zips");
        let (second, _) = zip_directory(dir.path()).expect("zips again");
        prop_assert!(first == second, "the same tree gave different bytes");

        let mut archive = zip::ZipArchive::new(Cursor::new(&first)).expect("zip crate reads it");
        let mut files = BTreeMap::new();
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).expect("entry");
            if entry.is_dir() {
                continue;
            }
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("content");
            let executable = entry.unix_mode().expect("unix mode") & 0o111 != 0;
            files.insert(entry.name().expect("name").into_owned(), (content, executable));
        }
        prop_assert_eq!(&files, &tree);

        // A file of this case's own: a fixed name beside the temporary folder was shared by
        // every suite running on the machine at once, which read each other's zips.
        let zip_file = tempfile::NamedTempFile::new().expect("temp file");
        let zip_path = zip_file.path();
        std::fs::write(zip_path, &first).expect("zip on disk");
        let python = Command::new("python3")
            .arg("-c")
            .arg(PYTHON_READER)
            .arg(zip_path)
            .output()
            .expect("python3 runs");
        prop_assert!(python.status.success(), "{}", String::from_utf8_lossy(&python.stderr));
        let listed: BTreeMap<String, (String, bool)> =
            serde_json::from_slice(&python.stdout).expect("python's listing");
        let expected: BTreeMap<String, (String, bool)> = tree
            .iter()
            .map(|(path, (content, executable))| {
                (path.clone(), (hex(content), *executable))
            })
            .collect();
        prop_assert_eq!(listed, expected);
    }

    /// Any bytes as a prebuilt zip, and any one-byte damage to a good one: refused with a
    /// reason or read whole, never a panic.
    #[test]
    fn prebuilt_zip_reader_refuses_or_reads_anything(
        tree in trees(),
        damage in vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        junk in vec(any::<u8>(), 0..400),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = dir.path().join("tree");
        write_tree(&source, &tree);
        let (mut zipped, _) = zip_directory(&source).expect("zips");
        for (index, byte) in &damage {
            let at = index.index(zipped.len());
            zipped[at] ^= byte | 1;
        }
        for bytes in [zipped, junk] {
            let path = dir.path().join("layer.zip");
            std::fs::write(&path, &bytes).expect("written");
            match check_zip(&path) {
                Ok(entries) => prop_assert!(entries > 0 || bytes.len() >= 22),
                Err(error) => prop_assert!(!error.to_string().is_empty()),
            }
        }
    }
}

const PYTHON_READER: &str = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    assert archive.testzip() is None
    print(json.dumps({
        info.filename: [archive.read(info).hex(), bool((info.external_attr >> 16) & 0o111)]
        for info in archive.infolist() if not info.is_dir()
    }))
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A request as the FC client would sign it: a percent-encoded path, decoded query
/// parameters, lower-case headers (host and content-type among them), any body.
#[derive(Clone, Debug)]
struct Signable {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn signables() -> impl Strategy<Value = Signable> {
    let method = prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")];
    let segments = vec("[a-zA-Z0-9._~ é%-]{1,10}", 1..4);
    let query = vec(("[a-zA-Z]{1,8}", "[ -~é]{0,10}"), 0..4);
    let own = [
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "x-acs-security-token",
    ];
    let extra = vec(
        (
            "x-acs-[a-z-]{1,8}".prop_filter("the signer's own", move |name| {
                !own.contains(&name.as_str())
            }),
            "[!-~]{1,16}",
        ),
        0..3,
    );
    let body = vec(any::<u8>(), 0..200);
    (method, segments, query, extra, body).prop_map(|(method, segments, query, extra, body)| {
        let path = fc_layer_action::encode::path(segments.iter().map(String::as_str));
        let mut headers = vec![
            (
                "host".to_owned(),
                "123.cn-hangzhou.fc.aliyuncs.com".to_owned(),
            ),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        for (name, value) in extra {
            if !headers.iter().any(|(known, _)| *known == name) {
                headers.push((name, value));
            }
        }
        Signable {
            method,
            path,
            query,
            headers,
            body,
        }
    })
}

fn lookup(credentials: &Credentials) -> impl Fn(&str) -> Option<Credentials> + '_ {
    move |id| (id == credentials.access_key_id).then(|| credentials.clone())
}

proptest! {
    #![proptest_config(cases(256))]

    /// ACS3: what the action signs, the local service's verifier accepts; a one-byte change
    /// to the body, the path, a query value or a signed header is refused.
    #[test]
    fn acs3_signed_requests_verify_and_any_change_is_refused(
        signable in signables(),
        token in proptest::option::of("[A-Za-z0-9+/=]{8,40}"),
        change in 0usize..4,
        at in any::<prop::sample::Index>(),
    ) {
        let mut credentials = Credentials::new("LTAI-prop", "prop-secret");
        if let Some(token) = token {
            credentials = credentials.with_security_token(token);
        }
        let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("time");
        let request = Request {
            method: signable.method,
            path: &signable.path,
            query: &signable.query,
            headers: &signable.headers,
            body: &signable.body,
        };
        let params = acs3::SigningParams { credentials: &credentials, time: now, nonce: "n0nce" };
        let signed = acs3::sign(&request, &params);
        let mut headers: Vec<(String, String)> = signable.headers.clone();
        headers.extend(signed.headers.iter().cloned());
        // What the action signed, as fc-local's own verifier reads it.
        let sent = Received {
            method: signable.method,
            path: &signable.path,
            query: &signable.query,
            headers: &headers,
            body: &signable.body,
        };
        prop_assert!(verify(&sent, lookup(&credentials), now).is_ok());

        let mut body = signable.body.clone();
        let mut path = signable.path.clone();
        let mut query = signable.query.clone();
        let mut changed_headers = headers.clone();
        match change {
            0 if !body.is_empty() => { let i = at.index(body.len()); body[i] ^= 1; }
            0 => body.push(b'x'),
            1 => path.push('x'),
            2 if !query.is_empty() => { let i = at.index(query.len()); query[i].1.push('x'); }
            2 => query.push(("added".to_owned(), "1".to_owned())),
            _ => {
                // A header the signature covers: every one but `authorization`.
                let signed_count = changed_headers.len() - 1;
                let i = at.index(signed_count);
                changed_headers[i].1.push('x');
            }
        }
        let tampered = Received {
            method: signable.method,
            path: &path,
            query: &query,
            headers: &changed_headers,
            body: &body,
        };
        prop_assert!(verify(&tampered, lookup(&credentials), now).is_err(), "change {change} accepted");
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// The CRC-64 of a zip cut anywhere into pieces, combined from the pieces' CRCs, is the
    /// CRC-64 of the whole: an upload's parts give the whole object's checksum.
    #[test]
    fn combined_crc64_of_random_splits_is_the_whole(
        data in vec(any::<u8>(), 0..4096),
        cuts in vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let crc = |bytes: &[u8]| crc64_xz(bytes).parse::<u64>().expect("decimal");
        let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut.index(data.len() + 1)).collect();
        cuts.push(data.len());
        cuts.sort_unstable();
        let (mut combined, mut start) = (crc(b""), 0);
        for end in cuts {
            let piece = &data[start..end];
            combined = crc64_combine(combined, crc(piece), piece.len() as u64);
            start = end;
        }
        prop_assert_eq!(combined, crc(&data));
    }
}
