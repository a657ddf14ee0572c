//! The ACS3-HMAC-SHA256 vectors: Alibaba's documented example, requests captured from the
//! official FC 3.0 SDKs, and STS's AssumeRole golden vector.

use serde_json::Value;

use super::{
    ACS3_VECTORS, Scheme, Signed, check_answers, credentials, headers, lines, list, lookup, text,
};
use crate::dates::{format_iso8601, parse_iso8601};
use crate::digest::sha256_hex;
use crate::percent;
use crate::request::query_pairs;
use crate::verify::acs3::verify;
use crate::verify::acs3_canonical::CanonicalRequest;

fn vectors() -> Vec<Value> {
    list(ACS3_VECTORS, "vectors", 6)
}

/// The vector's request as FC or STS receives it: its headers, then its `authorization`.
fn signed(vector: &Value) -> Signed {
    let mut headers = headers(vector);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let known = credentials(vector, header("x-acs-security-token").as_deref());
    let now = parse_iso8601(&header("x-acs-date").expect("x-acs-date")).expect("a date");
    let signature = text(vector, "signature").to_owned();
    let authorization = format!(
        "ACS3-HMAC-SHA256 Credential={},SignedHeaders={},Signature={signature}",
        text(vector, "access_key_id"),
        text(vector, "signed_headers"),
    );
    headers.push(("authorization".to_owned(), authorization));
    Signed {
        name: text(vector, "name").to_owned(),
        method: text(vector, "method").to_owned(),
        path: text(vector, "path").to_owned(),
        query: query_pairs(text(vector, "query")),
        headers,
        body: text(vector, "body").as_bytes().to_vec(),
        signature,
        signed: text(vector, "signed_headers")
            .split(';')
            .map(str::to_owned)
            .collect(),
        known,
        now,
    }
}

const ACS3: Scheme = Scheme {
    verify: |signed| verify(&signed.request(), lookup(&signed.known), signed.now),
    mismatch: "SignatureNotMatch",
    date_header: "x-acs-date",
    format_date: format_iso8601,
    // The body's hash is compared with the body before the signature is.
    checked_first: &[("x-acs-content-sha256", "InvalidArgument")],
    changed_body: Some("InvalidArgument"),
};

#[test]
fn the_canonical_request_is_rebuilt_byte_for_byte() {
    let mut texts = 0;
    for vector in vectors() {
        let signed = signed(&vector);
        let name = &signed.name;
        let names: Vec<&str> = signed.signed.iter().map(String::as_str).collect();
        let canonical = CanonicalRequest::new(&signed.request(), &names, &sha256_hex(&signed.body));
        let text_of = canonical.to_string();
        if let Some(expected) = lines(&vector, "canonical_request") {
            assert_eq!(text_of, expected, "{name}");
            texts += 1;
        }
        if let Some(hash) = vector["canonical_request_sha256"].as_str() {
            assert_eq!(sha256_hex(text_of.as_bytes()), hash, "{name}");
            texts += 1;
        }
        if let Some(query) = vector["canonical_query"].as_str() {
            assert_eq!(text_of.lines().nth(2), Some(query), "{name}");
            texts += 1;
        }
        assert_eq!(
            canonical.signed_headers(),
            text(&vector, "signed_headers"),
            "{name}"
        );
        let secret = signed.known.access_key_secret.expose();
        assert_eq!(canonical.signature(secret), signed.signature, "{name}");
    }
    assert_eq!(
        texts, 3,
        "vector 4's text, vector 1's hash and vector 5's query"
    );
}

#[test]
fn every_vector_is_accepted_and_refused_once_anything_signed_changes() {
    for vector in vectors() {
        check_answers(&ACS3, &signed(&vector));
    }
}

/// The body is signed through its hash: a body sent with its own new hash still breaks the
/// signature.
#[test]
fn a_changed_body_with_its_own_hash_still_breaks_the_signature() {
    for vector in vectors() {
        let mut signed = signed(&vector);
        signed.body.extend_from_slice(b" ");
        let hash = sha256_hex(&signed.body);
        signed.set_header("x-acs-content-sha256", &hash);
        let error = (ACS3.verify)(&signed).expect_err("a changed body");
        assert_eq!(error.code, "SignatureNotMatch", "{}: {error}", signed.name);
    }
}

#[test]
fn the_sts_vector_is_refused_with_a_token_its_keys_do_not_carry() {
    let vector = &vectors()[5];
    assert_eq!(text(vector, "name"), "6-sts-assume-role");
    let signed = signed(vector);
    let temporary = signed.known.clone().with_security_token("not-sent");
    let error = verify(&signed.request(), lookup(&temporary), signed.now).expect_err("token");
    assert_eq!(error.code, "InvalidSecurityToken");
}

/// FC 3.0 signs the path as sent; fc-local routes on its decoded segments, and encoding them
/// back gives the very path captured from the SDKs.
#[test]
fn the_captured_path_decodes_to_its_names_and_back() {
    let data: Value = serde_json::from_str(ACS3_VECTORS).expect("valid JSON");
    let case = &data["path_encoding"];
    let path = text(case, "path");
    let segments = crate::fc3::segments(path);
    let names = [
        "2023-03-30",
        "layers",
        text(case, "layer_name"),
        "versions",
        text(case, "version"),
    ];
    assert_eq!(segments, names);
    let encoded: String = names
        .iter()
        .map(|name| format!("/{}", percent::encode(name)))
        .collect();
    assert_eq!(encoded, path);
}
