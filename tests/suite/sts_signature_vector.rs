//! STS's AssumeRole golden vector (shared/docs/sts.md, reproduced there by the SDK's own
//! helpers): the request the action builds for AssumeRole, signed by its FC client with the
//! vector's clock and nonce, carries exactly the vector's headers and `Authorization`, and
//! the local service's verifier accepts it.

use std::sync::Arc;

use crate::common::block_on;
use crate::common::vectors::Capturing;
use fc_layer_action::client::FcClient;
use fc_layer_action::clock::Signing;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::credentials::role::{RoleArn, SessionName};
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::sts::assume_role::{AssumeRoleParams, assume_role_request};
use fc_local::request::ReceivedRequest;
use fc_local::verify::acs3::verify;
use time::macros::datetime;

const KEY_ID: &str = "LTAI5tGoldenAccessKeyId00";
const SECRET: &str = "GoldenAccessKeySecret0123456789abcdef";
const NONCE: &str = "3f8b7a0e6c5d4b2a91e0f7c6d5b4a392";
/// The vector's role: its account is masked with `****`, as published, so it is no ARN the
/// action would accept; the request is built for a real one and the value swapped in.
const VECTOR_ROLE: &str = "acs:ram::123456789012****:role/fc-publisher";
const AUTHORIZATION: &str = "ACS3-HMAC-SHA256 Credential=LTAI5tGoldenAccessKeyId00,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=10a0a78822cd05fd1fa334a1d722e099acba4afeae356e6bd060cdb239208dd4";

fn golden_request() -> fc_layer_action::http::HttpRequest {
    let role = RoleArn::parse("acs:ram::1234567890120000:role/fc-publisher").expect("valid");
    let session = SessionName::parse("github-action-session").expect("valid");
    let mut request = assume_role_request(&AssumeRoleParams {
        role_arn: &role,
        session_name: &session,
        duration_seconds: 3600,
        external_id: None,
    });
    for (key, value) in &mut request.query {
        if key == "RoleArn" {
            *value = VECTOR_ROLE.to_owned();
        }
    }
    let transport = Capturing::new(200, &[], "{}");
    let client = FcClient::new(
        &transport,
        Endpoint::parse("sts.aliyuncs.com").expect("host"),
        Credentials::new(KEY_ID, SECRET),
        Signing {
            clock: Arc::new(|| datetime!(2025-01-01 00:00:00 UTC)),
            nonces: Arc::new(|| NONCE.to_owned()),
        },
    );
    block_on(client.send(request)).expect("sent");
    transport.only()
}

#[test]
fn the_assume_role_request_reproduces_the_golden_vector() {
    let sent = golden_request();
    let header = |name: &str| {
        sent.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(sent.method, "POST");
    assert!(sent.body.is_empty());
    assert_eq!(
        sent.url,
        "https://sts.aliyuncs.com/?RoleArn=acs%3Aram%3A%3A123456789012%2A%2A%2A%2A%3Arole%2Ffc-publisher&RoleSessionName=github-action-session&DurationSeconds=3600"
    );
    for (name, value) in [
        ("host", "sts.aliyuncs.com"),
        ("x-acs-action", "AssumeRole"),
        ("x-acs-version", "2015-04-01"),
        ("x-acs-date", "2025-01-01T00:00:00Z"),
        ("x-acs-signature-nonce", NONCE),
        (
            "x-acs-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("authorization", AUTHORIZATION),
    ] {
        assert_eq!(header(name), Some(value), "{name}");
    }
    assert_eq!(header("x-acs-security-token"), None);
}

#[test]
fn the_local_verifier_accepts_the_vector_and_refuses_any_change() {
    let sent = golden_request();
    let (_, query) = sent.url.split_once("/?").expect("a query");
    let now = datetime!(2025-01-01 00:05:00 UTC);
    let known = |id: &str| (id == KEY_ID).then(|| Credentials::new(KEY_ID, SECRET));
    let received = |query: &str| {
        let received = ReceivedRequest {
            method: "POST",
            path: "/",
            query,
            headers: &sent.headers,
            body: &[],
        };
        let pairs = received.query_pairs();
        verify(&received.signable("/", &pairs), known, now)
    };
    assert_eq!(received(query), Ok(()));
    let longer = query.replace("DurationSeconds=3600", "DurationSeconds=43200");
    assert!(received(&longer).is_err(), "a changed duration is refused");
}
