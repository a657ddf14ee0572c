//! The published ACS3-HMAC-SHA256 vectors (tests/data/signature-vectors.json, from
//! shared/docs/signature-vectors.md and STS's golden vector in shared/docs/sts.md),
//! reproduced by the signer and accepted by the local service's verifier as requests arrive
//! at it. The verifier's side in full (its own canonical request rebuilt byte for byte, and
//! every byte of signature, signed header and body changed) is fc-local's
//! `verify::vectors::acs3`, over the same file.

use std::sync::Arc;

use crate::common::block_on;
use crate::common::vectors::{
    self, Capturing, credentials, header, headers, lines, lookup, query, text,
};
use fc_layer_action::client::FcClient;
use fc_layer_action::clock::Signing;
use fc_layer_action::credentials::{Credentials, Secret};
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::fc::ApiRequest;
use fc_layer_action::sign::Request;
use fc_layer_action::sign::acs3::{CanonicalRequest, SigningParams, sign};
use fc_layer_action::sign::primitives::sha256_hex;
use fc_local::request::ReceivedRequest;
use fc_local::verify::acs3::{parse_authorization, verify};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Headers that `sign()` adds itself, so they are not handed to it.
const ADDED_BY_SIGN: [&str; 4] = [
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
];

fn data() -> Value {
    vectors::load(include_str!("../data/signature-vectors.json"))
}

fn acs3_vectors() -> Vec<Value> {
    vectors::list(&data(), "vectors", 6)
}

/// The vector's credentials, with the token its headers carry.
fn vector_credentials(vector: &Value, headers: &[(String, String)]) -> Credentials {
    credentials(vector, header(headers, "x-acs-security-token"))
}

fn date(headers: &[(String, String)]) -> OffsetDateTime {
    OffsetDateTime::parse(header(headers, "x-acs-date").expect("date"), &Rfc3339).expect("RFC 3339")
}

/// The vector's headers that are signed, as listed in `signed_headers`.
fn signed(vector: &Value, headers: &[(String, String)]) -> Vec<(String, String)> {
    let names: Vec<&str> = text(vector, "signed_headers").split(';').collect();
    headers
        .iter()
        .filter(|(key, _)| names.contains(&key.as_str()))
        .cloned()
        .collect()
}

#[test]
fn signer_reproduces_every_vector() {
    for vector in acs3_vectors() {
        let name = text(&vector, "name");
        let all_headers = headers(&vector);
        let given: Vec<(String, String)> = signed(&vector, &all_headers)
            .into_iter()
            .filter(|(key, _)| !ADDED_BY_SIGN.contains(&key.as_str()))
            .collect();
        let credentials = vector_credentials(&vector, &all_headers);
        let output = sign(
            &Request {
                method: text(&vector, "method"),
                path: text(&vector, "path"),
                query: &query(&vector),
                headers: &given,
                body: text(&vector, "body").as_bytes(),
            },
            &SigningParams {
                credentials: &credentials,
                time: date(&all_headers),
                nonce: header(&all_headers, "x-acs-signature-nonce").expect("nonce"),
            },
        );
        for added in ADDED_BY_SIGN {
            assert_eq!(
                output.header(added),
                header(&all_headers, added),
                "{name}: {added}"
            );
        }
        let authorization =
            parse_authorization(output.header("authorization").expect("authorization"))
                .expect("parses");
        assert_eq!(
            authorization.access_key_id,
            text(&vector, "access_key_id"),
            "{name}"
        );
        assert_eq!(
            authorization.signed_headers,
            text(&vector, "signed_headers"),
            "{name}"
        );
        assert_eq!(
            authorization.signature,
            text(&vector, "signature"),
            "{name}"
        );
    }
}

#[test]
fn canonical_requests_match_the_documented_text_and_hashes() {
    let mut checked = 0;
    for vector in acs3_vectors() {
        let body = text(&vector, "body").as_bytes();
        let canonical = CanonicalRequest::new(
            &Request {
                method: text(&vector, "method"),
                path: text(&vector, "path"),
                query: &query(&vector),
                headers: &signed(&vector, &headers(&vector)),
                body,
            },
            &sha256_hex(body),
        );
        if let Some(expected) = lines(&vector, "canonical_request") {
            assert_eq!(canonical.to_string(), expected);
            checked += 1;
        }
        if let Some(hash) = vector["canonical_request_sha256"].as_str() {
            assert_eq!(sha256_hex(canonical.to_string().as_bytes()), hash);
            checked += 1;
        }
    }
    assert_eq!(checked, 2, "vector 4's text and vector 1's hash");
}

#[test]
fn local_service_verifier_accepts_every_vector_and_rejects_a_changed_one() {
    for vector in acs3_vectors() {
        let name = text(&vector, "name");
        let mut all_headers = headers(&vector);
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
            text(&vector, "access_key_id"),
            text(&vector, "signed_headers"),
            text(&vector, "signature")
        );
        all_headers.push(("authorization".to_owned(), authorization));
        let credentials = vector_credentials(&vector, &all_headers);
        let received = ReceivedRequest {
            method: text(&vector, "method"),
            path: text(&vector, "path"),
            query: text(&vector, "query"),
            headers: &all_headers,
            body: text(&vector, "body").as_bytes(),
        };
        let query = received.query_pairs();
        let request = received.signable(received.path, &query);
        let now = date(&all_headers);
        verify(&request, lookup(&credentials), now)
            .unwrap_or_else(|error| panic!("{name}: {error:?}"));

        let rejected = verify(
            &fc_local::verify::Request {
                method: "PUT",
                ..request
            },
            lookup(&credentials),
            now,
        )
        .expect_err("changed method");
        assert_eq!(rejected.code, "SignatureNotMatch", "{name}");
        let wrong_secret = Credentials {
            access_key_secret: Secret::new("nope"),
            ..credentials.clone()
        };
        assert_eq!(
            verify(&request, lookup(&wrong_secret), now)
                .expect_err("wrong secret")
                .code,
            "SignatureNotMatch"
        );
    }
}

/// The FC client itself, its clock and nonce pinned to vector 1's, sends exactly the vector's
/// request: the same headers in the same order, then the signature and `accept`.
#[test]
fn fc_client_with_the_vector_s_clock_and_nonce_sends_exactly_its_request() {
    let vector = &acs3_vectors()[0];
    assert_eq!(text(vector, "name"), "1-alibaba-doc-rpc");
    let expected = headers(vector);
    let time = date(&expected);
    let nonce = header(&expected, "x-acs-signature-nonce")
        .expect("nonce")
        .to_owned();
    let transport = Capturing::new(200, &[], "{}");
    let client = FcClient::new(
        &transport,
        Endpoint::parse(header(&expected, "host").expect("host")).expect("endpoint"),
        vector_credentials(vector, &expected),
        Signing {
            clock: Arc::new(move || time),
            nonces: Arc::new(move || nonce.clone()),
        },
    );
    // The client sends any V3 call as it sends FC's; this one is ECS's, as the vector is.
    let request = ApiRequest {
        action: "RunInstances",
        version: "2014-05-26",
        method: "POST",
        path: text(vector, "path").to_owned(),
        query: query(vector),
        body: None,
    };
    block_on(client.send(request)).expect("the capture answers 200");
    drop(client);

    let sent = transport.only();
    let authorization = format!(
        "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
        text(vector, "access_key_id"),
        text(vector, "signed_headers"),
        text(vector, "signature")
    );
    let mut wanted = expected.clone();
    wanted.push(("authorization".to_owned(), authorization));
    wanted.push(("accept".to_owned(), "application/json".to_owned()));
    assert_eq!(sent.headers, wanted);
    assert_eq!(sent.method, text(vector, "method"));
    assert_eq!(
        sent.url,
        format!(
            "https://{}{}?{}",
            header(&expected, "host").expect("host"),
            text(vector, "path"),
            text(vector, "query")
        )
    );
    assert!(sent.body.is_empty());
}

#[test]
fn path_encoding_matches_the_wire_capture() {
    let case = &data()["path_encoding"];
    let built = fc_layer_action::encode::path([
        "2023-03-30",
        "layers",
        text(case, "layer_name"),
        "versions",
        text(case, "version"),
    ]);
    assert_eq!(built, text(case, "path"));
}
