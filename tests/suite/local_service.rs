//! `fc-local` as an FC layer API: every call through the action's own signing client, and
//! the refusals that keep it strict (signatures, replays, clock skew, bad bodies).

use crate::common;

use common::*;
use fc_layer_action::client::{ClientError, FcClient};
use fc_layer_action::clock::Signing;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::fc::{ApiRequest, Code, CreateLayerVersionInput, InlineCode, LayerName};
use fc_layer_action::http::{ReqwestTransport, Timeouts};
use fc_layer_action::package;
use fc_layer_action::proxy::ProxySettings;
use fc_layer_action::sign::Request;
use fc_layer_action::sign::acs3::{SigningParams, sign};

type Client = FcClient<ReqwestTransport>;
use serde_json::Value;

fn client(server: &FcLocal) -> Client {
    FcClient::new(
        ReqwestTransport::new(ProxySettings::default(), Timeouts::default()).expect("transport"),
        Endpoint::parse(&server.url).expect("url"),
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        Signing::system(),
    )
}

fn json(body: Vec<u8>) -> Value {
    serde_json::from_slice(&body).expect("JSON reply")
}

fn create(
    client: &Client,
    name: &LayerName,
    zip: &[u8],
    checksum: String,
) -> Result<Vec<u8>, ClientError> {
    let input = CreateLayerVersionInput {
        code: Code::Inline(InlineCode {
            zip_file: zip,
            checksum,
        }),
        compatible_runtime: &[],
        description: None,
        license: None,
    };
    block_on(client.send(ApiRequest::create_layer_version(name, &input).expect("encodes")))
}

/// Creates a version of `zip` with its true checksum.
fn create_checked(client: &Client, name: &LayerName, zip: &[u8]) -> Result<Vec<u8>, ClientError> {
    create(client, name, zip, fc_layer_action::checksum::crc64_xz(zip))
}

fn service_code(result: Result<Vec<u8>, ClientError>) -> String {
    match result {
        Err(ClientError::Service { error, .. }) => error.code,
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[test]
fn every_layer_call_works_through_the_signing_client() {
    let server = FcLocal::start(&[]);
    let client = client(&server);
    let name = LayerName::parse("calls").expect("valid");
    let (zip, _) = package::zip_directory(&example_layer()).expect("zips");
    for _ in 0..3 {
        create_checked(&client, &name, &zip).expect("creates");
    }

    let page = json(
        block_on(client.send(ApiRequest::list_layer_versions(&name, 2, None))).expect("lists"),
    );
    let versions: Vec<&Value> = page["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|layer| &layer["version"])
        .collect();
    assert_eq!(versions, [1, 2]);
    assert_eq!(page["nextVersion"], 3);
    let rest = json(
        block_on(client.send(ApiRequest::list_layer_versions(&name, 2, Some(3)))).expect("lists"),
    );
    assert_eq!(rest["layers"][0]["version"], 3);
    assert_eq!(rest.get("nextVersion"), None, "last page");

    let got = json(block_on(client.send(ApiRequest::get_layer_version(&name, 2))).expect("gets"));
    assert_eq!(
        got["layerVersionArn"],
        "acs:fc:cn-hangzhou:1234567890123456:layers/calls/versions/2"
    );

    block_on(client.send(ApiRequest::put_layer_acl(
        &name,
        fc_layer_action::fc::Acl::Public,
    )))
    .expect("acl");
    let public =
        json(block_on(client.send(ApiRequest::get_layer_version(&name, 1))).expect("gets"));
    assert_eq!(public["acl"], "1");

    block_on(client.send(ApiRequest::delete_layer_version(&name, 2))).expect("deletes");
    assert_eq!(
        service_code(block_on(
            client.send(ApiRequest::get_layer_version(&name, 2))
        )),
        "LayerVersionNotFound"
    );
    let missing = LayerName::parse("missing").expect("valid");
    assert_eq!(
        service_code(block_on(
            client.send(ApiRequest::get_layer_version(&missing, 1))
        )),
        "LayerNotFound"
    );

    // Numbers are not reused after a delete.
    create_checked(&client, &name, &zip).expect("creates");
    assert_eq!(
        server.versions("calls").last().expect("a version")["version"],
        4
    );
}

#[test]
fn the_service_checks_the_zip_and_its_checksum() {
    let server = FcLocal::start(&[]);
    let client = client(&server);
    let name = LayerName::parse("checked").expect("valid");
    let (zip, _) = package::zip_directory(&example_layer()).expect("zips");
    assert_eq!(
        service_code(create(&client, &name, &zip, "12345".into())),
        "InvalidArgument"
    );
    let corrupt = &zip[..zip.len() - 10];
    assert_eq!(
        service_code(create(
            &client,
            &name,
            corrupt,
            fc_layer_action::checksum::crc64_xz(corrupt)
        )),
        "InvalidArgument"
    );
    assert_eq!(
        service_code(create(
            &client,
            &name,
            b"not a zip",
            fc_layer_action::checksum::crc64_xz(b"not a zip")
        )),
        "InvalidArgument"
    );

    // A flipped byte in an entry's content: the central directory is intact, its CRC-32 not.
    let mut stored = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    stored.start_file("data.txt", options).expect("starts");
    std::io::Write::write_all(&mut stored, b"content that will be damaged").expect("writes");
    let mut damaged = stored.finish().expect("finishes").into_inner();
    let at = damaged
        .windows(7)
        .position(|window| window == b"content")
        .expect("stored as is");
    damaged[at] ^= 0x20;
    assert_eq!(
        service_code(create(
            &client,
            &name,
            &damaged,
            fc_layer_action::checksum::crc64_xz(&damaged)
        )),
        "InvalidArgument"
    );
    assert!(server.versions("checked").is_empty());
}

/// Sends a hand-built request over a raw socket, so tests can break it in ways the client
/// never would. Returns the status and the reply body.
fn raw_request(
    server: &FcLocal,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Value) {
    use std::io::{Read, Write};
    let address = server.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("sends");
    stream.write_all(body).expect("sends body");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("reads");
    let status = reply[9..12].parse().expect("status");
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Headers for GET /2023-03-30/layers/x/versions signed at `time` with `nonce`.
fn signed_list(server: &FcLocal, time: time::OffsetDateTime, nonce: &str) -> Vec<(String, String)> {
    let host = server.url.trim_start_matches("http://").to_owned();
    let mut headers = vec![
        ("host".to_owned(), host),
        ("x-acs-action".to_owned(), "ListLayerVersions".to_owned()),
        ("x-acs-version".to_owned(), "2023-03-30".to_owned()),
    ];
    let credentials = Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET);
    let output = sign(
        &Request {
            method: "GET",
            path: "/2023-03-30/layers/x/versions",
            query: &[],
            headers: &headers,
            body: b"",
        },
        &SigningParams {
            credentials: &credentials,
            time,
            nonce,
        },
    );
    headers.extend(output.headers);
    headers
}

#[test]
fn replays_skewed_clocks_and_unsigned_headers_are_refused() {
    let server = FcLocal::start(&[]);
    let path = "/2023-03-30/layers/x/versions";
    let now = time::OffsetDateTime::now_utc();

    let headers = signed_list(&server, now, "nonce-1");
    assert_eq!(
        raw_request(&server, "GET", path, &headers, b"").1["Code"],
        "LayerNotFound",
        "accepted, then not found"
    );
    let (status, replay) = raw_request(&server, "GET", path, &headers, b"");
    assert_eq!(
        (status, replay["Code"].as_str()),
        (403, Some("SignatureNonceUsed"))
    );

    let stale = signed_list(&server, now - time::Duration::minutes(20), "nonce-2");
    assert_eq!(
        raw_request(&server, "GET", path, &stale, b"").1["Code"],
        "RequestTimeTooSkewed"
    );

    let mut unsigned = signed_list(&server, now, "nonce-3");
    unsigned.push(("x-acs-extra".to_owned(), "sneaked in".to_owned()));
    let (status, reply) = raw_request(&server, "GET", path, &unsigned, b"");
    assert_eq!(
        (status, reply["Code"].as_str()),
        (403, Some("SignatureNotMatch"))
    );
    assert!(
        reply["Message"]
            .as_str()
            .expect("message")
            .contains("x-acs-extra")
    );

    let mut tampered = signed_list(&server, now, "nonce-4");
    let (status, reply) = raw_request(
        &server,
        "GET",
        "/2023-03-30/layers/y/versions",
        &tampered,
        b"",
    );
    assert_eq!(
        (status, reply["Code"].as_str()),
        (403, Some("SignatureNotMatch")),
        "the path is signed"
    );
    tampered.retain(|(name, _)| name != "authorization");
    assert_eq!(
        raw_request(&server, "GET", path, &tampered, b"").1["Code"],
        "MissingRequiredHeader"
    );

    let wrong_action = signed_list(&server, now, "nonce-5");
    let (status, reply) = raw_request(&server, "DELETE", path, &wrong_action, b"");
    assert_eq!(status, 403, "the method is signed too: {reply}");
}

/// A client of the service under the path prefix `/{prefix}`.
fn client_under(server: &FcLocal, prefix: &str) -> Client {
    FcClient::new(
        ReqwestTransport::new(ProxySettings::default(), Timeouts::default()).expect("transport"),
        Endpoint::parse(&format!("{}/{prefix}", server.url)).expect("url"),
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        Signing::system(),
    )
}

#[test]
fn each_path_prefix_is_a_region_of_its_own_over_http_and_latency_holds_every_reply() {
    let server = FcLocal::start(&["--latency", "200"]);
    let name = LayerName::parse("prefixed").expect("name");
    let (zip, _) = package::zip_directory(&example_layer()).expect("zips");
    let started = std::time::Instant::now();
    let created =
        json(create_checked(&client_under(&server, "cn-beijing"), &name, &zip).expect("created"));
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(200),
        "the reply was held: {:?}",
        started.elapsed()
    );
    assert_eq!(
        created["layerVersionArn"],
        "acs:fc:cn-beijing:1234567890123456:layers/prefixed/versions/1"
    );
    let again = json(
        create_checked(&client_under(&server, "ap-southeast-1"), &name, &zip).expect("created"),
    );
    assert_eq!(
        again["layerVersionArn"],
        "acs:fc:ap-southeast-1:1234567890123456:layers/prefixed/versions/1",
        "numbered on its own"
    );
    assert!(
        server.versions("prefixed").is_empty(),
        "nothing without a prefix"
    );
    let (status, state) = raw_request(&server, "GET", "/cn-beijing/_local/state", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(
        state["layers"]["prefixed"]["versions"]
            .as_object()
            .map(|v| v.len()),
        Some(1)
    );
}
