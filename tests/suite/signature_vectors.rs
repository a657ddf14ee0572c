//! The published ACS3-HMAC-SHA256 vectors (tests/data/signature-vectors.json, from
//! shared/docs/signature-vectors.md), reproduced by the signer and accepted by the local
//! service's verifier.

use fc_layer_action::credentials::Credentials;
use fc_layer_action::sign::Request;
use fc_layer_action::sign::acs3::{CanonicalRequest, SigningParams, sign};
use fc_layer_action::sign::primitives::sha256_hex;
use fc_local::request::ReceivedRequest;
use fc_local::verify::acs3::{parse_authorization, verify};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The verifier's lookup when `credentials` are the only ones the service knows.
fn known(credentials: &Credentials) -> impl Fn(&str) -> Option<Credentials> + '_ {
    move |id| (id == credentials.access_key_id).then(|| credentials.clone())
}

/// Headers that `sign()` adds itself, so they are not handed to it.
const ADDED_BY_SIGN: [&str; 4] = [
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
];

fn data() -> Value {
    let text = include_str!("../data/signature-vectors.json");
    serde_json::from_str(text).expect("valid JSON")
}

fn vectors() -> Vec<Value> {
    let vectors = data()["vectors"].as_array().expect("vectors").clone();
    assert_eq!(vectors.len(), 5, "all five published vectors");
    vectors
}

fn text<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", vector["name"]))
}

fn headers(vector: &Value) -> Vec<(String, String)> {
    vector["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("name").to_owned(),
                pair[1].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn query(vector: &Value) -> Vec<(String, String)> {
    text(vector, "query")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("key=value");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

fn credentials(vector: &Value, headers: &[(String, String)]) -> Credentials {
    let credentials = Credentials::new(
        text(vector, "access_key_id"),
        text(vector, "access_key_secret"),
    );
    match header(headers, "x-acs-security-token") {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    }
}

fn date(headers: &[(String, String)]) -> OffsetDateTime {
    OffsetDateTime::parse(header(headers, "x-acs-date").expect("date"), &Rfc3339).expect("RFC 3339")
}

#[test]
fn signer_reproduces_every_vector() {
    for vector in vectors() {
        let name = text(&vector, "name");
        let all_headers = headers(&vector);
        let signed_names: Vec<&str> = text(&vector, "signed_headers").split(';').collect();
        let given: Vec<(String, String)> = all_headers
            .iter()
            .filter(|(key, _)| {
                signed_names.contains(&key.as_str()) && !ADDED_BY_SIGN.contains(&key.as_str())
            })
            .cloned()
            .collect();
        let credentials = credentials(&vector, &all_headers);
        let query = query(&vector);
        let body = text(&vector, "body").as_bytes();
        let output = sign(
            &Request {
                method: text(&vector, "method"),
                path: text(&vector, "path"),
                query: &query,
                headers: &given,
                body,
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
    for vector in vectors() {
        let all_headers = headers(&vector);
        let signed_names: Vec<&str> = text(&vector, "signed_headers").split(';').collect();
        let signed: Vec<(String, String)> = all_headers
            .iter()
            .filter(|(key, _)| signed_names.contains(&key.as_str()))
            .cloned()
            .collect();
        let body = text(&vector, "body").as_bytes();
        let canonical = CanonicalRequest::new(
            &Request {
                method: text(&vector, "method"),
                path: text(&vector, "path"),
                query: &query(&vector),
                headers: &signed,
                body,
            },
            &sha256_hex(body),
        );
        if let Some(lines) = vector["canonical_request"].as_array() {
            let expected: Vec<&str> = lines
                .iter()
                .map(|line| line.as_str().expect("line"))
                .collect();
            assert_eq!(canonical.to_string(), expected.join("\n"));
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
    for vector in vectors() {
        let name = text(&vector, "name");
        let mut all_headers = headers(&vector);
        let authorization = format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={}",
            text(&vector, "access_key_id"),
            text(&vector, "signed_headers"),
            text(&vector, "signature")
        );
        all_headers.push(("authorization".to_owned(), authorization));
        let credentials = credentials(&vector, &all_headers);
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
        verify(&request, known(&credentials), now)
            .unwrap_or_else(|error| panic!("{name}: {error:?}"));

        let rejected = verify(
            &Request {
                method: "PUT",
                ..request
            },
            known(&credentials),
            now,
        )
        .expect_err("changed method");
        assert_eq!(rejected.code, "SignatureNotMatch", "{name}");
        let wrong_secret = Credentials {
            access_key_secret: fc_layer_action::credentials::Secret::new("nope"),
            ..credentials.clone()
        };
        assert_eq!(
            verify(&request, known(&wrong_secret), now)
                .expect_err("wrong secret")
                .code,
            "SignatureNotMatch"
        );
    }
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
