//! The OSS V4 vectors: the one every official OSS SDK tests, and PutObject, UploadPart and
//! CompleteMultipartUpload as Alibaba's Python SDK signs them.

use serde_json::Value;

use super::{
    OSS_VECTORS, Scheme, Signed, check_answers, credentials, headers, lines, list, lookup, text,
};
use crate::dates::{format_iso8601_basic, parse_basic_date, parse_iso8601_basic};
use crate::digest::sha256_hex;
use crate::request::query_pairs;
use crate::verify::oss_v4::verify;
use crate::verify::oss_v4_canonical::{CanonicalRequest, Scope, is_signed_by_default, resource};

fn vectors() -> Vec<Value> {
    list(OSS_VECTORS, "oss_v4", 6)
}

fn additional_headers(vector: &Value) -> Vec<String> {
    vector["additional_headers"]
        .as_array()
        .expect("additional_headers")
        .iter()
        .map(|name| name.as_str().expect("a name").to_owned())
        .collect()
}

/// The vector's request as OSS receives it: its headers, the ones its signer adds, a `host`
/// (never signed), and its `authorization`.
fn signed(vector: &Value) -> Signed {
    let token = vector["security_token"].as_str();
    let date = text(vector, "x_oss_date");
    let (bucket, region) = (text(vector, "bucket"), text(vector, "region"));
    let mut headers = headers(vector);
    headers.push(("x-oss-date".to_owned(), date.to_owned()));
    headers.push((
        "x-oss-content-sha256".to_owned(),
        "UNSIGNED-PAYLOAD".to_owned(),
    ));
    if let Some(token) = token {
        headers.push(("x-oss-security-token".to_owned(), token.to_owned()));
    }
    headers.push((
        "host".to_owned(),
        format!("{bucket}.oss-{region}.aliyuncs.com"),
    ));
    let additional = additional_headers(vector);
    let signed: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|name| is_signed_by_default(name) || additional.contains(name))
        .collect();
    let named = match additional.as_slice() {
        [] => String::new(),
        names => format!(",AdditionalHeaders={}", names.join(";")),
    };
    let signature = text(vector, "signature").to_owned();
    let authorization = format!(
        "OSS4-HMAC-SHA256 Credential={}/{}/{region}/oss/aliyun_v4_request{named},Signature={signature}",
        text(vector, "access_key_id"),
        &date[..8],
    );
    headers.push(("authorization".to_owned(), authorization));
    Signed {
        name: text(vector, "name").to_owned(),
        method: text(vector, "method").to_owned(),
        path: resource(bucket, text(vector, "key")),
        query: query_pairs(text(vector, "query")),
        headers,
        body: Vec::new(),
        signature,
        signed,
        known: credentials(vector, token),
        now: parse_iso8601_basic(date).expect("x_oss_date"),
    }
}

const OSS_V4: Scheme = Scheme {
    verify: |signed| verify(&signed.request(), lookup(&signed.known), signed.now),
    mismatch: "SignatureDoesNotMatch",
    date_header: "x-oss-date",
    format_date: format_iso8601_basic,
    // Only UNSIGNED-PAYLOAD is taken, whatever the signature.
    checked_first: &[("x-oss-content-sha256", "InvalidArgument")],
    // UNSIGNED-PAYLOAD: OSS checks what it stored by CRC-64 instead.
    changed_body: None,
};

#[test]
fn the_canonical_request_and_string_to_sign_are_rebuilt_byte_for_byte() {
    let mut texts = 0;
    for vector in vectors() {
        let signed = signed(&vector);
        let name = &signed.name;
        let additional = additional_headers(&vector);
        let named: Vec<&str> = additional.iter().map(String::as_str).collect();
        let canonical = CanonicalRequest::new(&signed.request(), &named);
        assert_eq!(canonical.additional_headers(), additional, "{name}");
        let date = text(&vector, "x_oss_date");
        let scope = Scope {
            day: parse_basic_date(&date[..8]).expect("a day"),
            region: text(&vector, "region").to_owned(),
        };
        let string_to_sign = canonical.string_to_sign(date, &scope);
        let hash = sha256_hex(canonical.to_string().as_bytes());
        assert_eq!(
            string_to_sign,
            format!("OSS4-HMAC-SHA256\n{date}\n{scope}\n{hash}"),
            "{name}"
        );
        if let Some(expected) = lines(&vector, "canonical_request") {
            assert_eq!(canonical.to_string(), expected, "{name}");
            texts += 1;
        }
        if let Some(expected) = lines(&vector, "string_to_sign") {
            assert_eq!(string_to_sign, expected, "{name}");
            texts += 1;
        }
        let secret = signed.known.access_key_secret.expose();
        assert_eq!(
            canonical.signature(secret, date, &scope),
            signed.signature,
            "{name}"
        );
    }
    assert_eq!(texts, 1, "the notes give vector 1's canonical request only");
}

#[test]
fn every_vector_is_accepted_and_refused_once_anything_signed_changes() {
    for vector in vectors() {
        let signed = signed(&vector);
        assert!(signed.signed.len() >= 2, "{}", signed.name);
        check_answers(&OSS_V4, &signed);
    }
}

#[test]
fn a_query_change_breaks_the_signature() {
    for vector in vectors() {
        let mut signed = signed(&vector);
        signed.query.push(("extra".to_owned(), String::new()));
        let error = (OSS_V4.verify)(&signed).expect_err("an added parameter");
        assert_eq!(error.code, "SignatureDoesNotMatch", "{}", signed.name);
    }
}
