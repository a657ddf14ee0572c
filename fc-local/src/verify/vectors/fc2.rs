//! The FC 2.0 vectors: `tempBucketToken` signed with long-term keys and with STS ones.

use serde_json::Value;

use super::{
    OSS_VECTORS, Scheme, Signed, check_answers, credentials, headers, lines, list, lookup, text,
};
use crate::dates::{format_rfc1123, parse_rfc1123};
use crate::verify::fc2::verify;
use crate::verify::fc2_canonical::StringToSign;

fn vectors() -> Vec<Value> {
    list(OSS_VECTORS, "fc2", 2)
}

/// The vector's request as FC receives it: a `host` (never signed), its content headers and
/// its own, the ones its signer adds, and its `authorization`.
fn signed(vector: &Value) -> Signed {
    let token = vector["security_token"].as_str();
    let mut headers = vec![(
        "host".to_owned(),
        "1234567890123456.cn-hangzhou.fc.aliyuncs.com".to_owned(),
    )];
    for name in ["content_md5", "content_type"] {
        if let Some(value) = vector[name].as_str() {
            headers.push((name.replace('_', "-"), value.to_owned()));
        }
    }
    headers.extend(self::headers(vector));
    headers.push(("date".to_owned(), text(vector, "date").to_owned()));
    if let Some(token) = token {
        headers.push(("x-fc-security-token".to_owned(), token.to_owned()));
    }
    let signed: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|name| name.starts_with("x-fc-") || name.starts_with("content-") || name == "date")
        .collect();
    let authorization = text(vector, "authorization");
    headers.push(("authorization".to_owned(), authorization.to_owned()));
    let (_, signature) = authorization.rsplit_once(':').expect("FC keyId:signature");
    Signed {
        name: text(vector, "name").to_owned(),
        method: text(vector, "method").to_owned(),
        path: text(vector, "path").to_owned(),
        query: Vec::new(),
        headers,
        body: Vec::new(),
        signature: signature.to_owned(),
        signed,
        known: credentials(vector, token),
        now: parse_rfc1123(text(vector, "date")).expect("date"),
    }
}

const FC2: Scheme = Scheme {
    verify: |signed| verify(&signed.request(), lookup(&signed.known), signed.now),
    mismatch: "SignatureNotMatch",
    date_header: "date",
    format_date: format_rfc1123,
    checked_first: &[],
    // Covered only through a content-md5 header, which these requests do not send.
    changed_body: None,
};

#[test]
fn the_string_to_sign_is_rebuilt_byte_for_byte() {
    for vector in vectors() {
        let signed = signed(&vector);
        let name = &signed.name;
        let string_to_sign = StringToSign::new(&signed.request());
        assert_eq!(
            Some(string_to_sign.to_string()),
            lines(&vector, "string_to_sign"),
            "{name}"
        );
        let secret = signed.known.access_key_secret.expose();
        assert_eq!(string_to_sign.signature(secret), signed.signature, "{name}");
    }
}

#[test]
fn every_vector_is_accepted_and_refused_once_anything_signed_changes() {
    for vector in vectors() {
        let signed = signed(&vector);
        assert!(signed.signed.len() >= 2, "{}", signed.name);
        check_answers(&FC2, &signed);
    }
}
