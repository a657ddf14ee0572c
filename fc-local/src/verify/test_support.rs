//! What the verifiers' tests share: one time, one STS identity and its lookups, and signers
//! made of fc-local's own canonical forms, so that each verifier's checks around the
//! signature (dates, tokens, key ids) are tested without the action. That these canonical
//! forms are the published ones is the vectors' business ([`super::vectors`]).

use fc_layer_action::credentials::Credentials;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::dates::{format_iso8601, format_iso8601_basic, format_rfc1123};
use crate::digest::sha256_hex;

use super::AuthError;
use super::acs3::Authorization as Acs3Authorization;
use super::acs3_canonical::CanonicalRequest as Acs3Canonical;
use super::fc2::Authorization as Fc2Authorization;
use super::fc2_canonical::StringToSign;
use super::oss_v4::Authorization as OssAuthorization;
use super::oss_v4_canonical::{CanonicalRequest as OssCanonical, UNSIGNED_PAYLOAD};
use super::request::Request;

pub(crate) const TIME: OffsetDateTime = datetime!(2024-05-20 08:30:00 UTC);
const KEY_ID: &str = "key-id";
const SECRET: &str = "SECRET-VALUE";
const TOKEN: &str = "TOKEN-VALUE";

fn credentials() -> Credentials {
    Credentials::new(KEY_ID, SECRET).with_security_token(TOKEN)
}

pub(crate) fn lookup(id: &str) -> Option<Credentials> {
    (id == KEY_ID).then(credentials)
}

/// The same key id known as long-term keys, which carry no security token.
pub(crate) fn long_term(_: &str) -> Option<Credentials> {
    Some(Credentials::new(KEY_ID, SECRET))
}

/// A refusal goes back to the client, so it names neither the secret nor the token.
pub(crate) fn assert_discreet(error: &AuthError) {
    for leaked in [TOKEN, SECRET] {
        assert!(!error.message.contains(leaked), "{error}");
    }
}

/// `headers` with header `name` left out, and sent with `value` instead when there is one.
pub(crate) fn replaced(
    headers: &[(String, String)],
    name: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    let mut changed: Vec<(String, String)> = headers
        .iter()
        .filter(|(key, _)| key != name)
        .cloned()
        .collect();
    if let Some(value) = value {
        changed.push((name.to_owned(), value.to_owned()));
    }
    changed
}

/// `method path` carrying `headers`, and nothing else.
pub(crate) fn request<'a>(
    method: &'a str,
    path: &'a str,
    headers: &'a [(String, String)],
) -> Request<'a> {
    Request {
        method,
        path,
        headers,
        ..Request::default()
    }
}

/// `request`'s headers followed by `added`, the token, and an `authorization` that
/// `authorize` makes of all of them but itself.
fn signed(
    request: &Request<'_>,
    added: &[(&str, String)],
    token_header: &str,
    authorize: impl Fn(&Request<'_>) -> String,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = request.headers.to_vec();
    headers.extend(
        added
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone())),
    );
    headers.push((token_header.to_owned(), TOKEN.to_owned()));
    let authorization = authorize(&Request {
        headers: &headers,
        ..*request
    });
    headers.push(("authorization".to_owned(), authorization));
    headers
}

/// `request` as [`credentials`] sign it with ACS3 at [`TIME`], every header it carries
/// signed: its headers and the signer's.
pub(crate) fn sign_acs3(request: &Request<'_>, nonce: &str) -> Vec<(String, String)> {
    let hash = sha256_hex(request.body);
    let added = [
        ("x-acs-date", format_iso8601(TIME)),
        ("x-acs-signature-nonce", nonce.to_owned()),
        ("x-acs-content-sha256", hash.clone()),
    ];
    signed(request, &added, "x-acs-security-token", |all| {
        let names: Vec<&str> = all.headers.iter().map(|(name, _)| name.as_str()).collect();
        let canonical = Acs3Canonical::new(all, &names, &hash);
        Acs3Authorization {
            access_key_id: KEY_ID.to_owned(),
            signed_headers: canonical.signed_headers(),
            signature: canonical.signature(SECRET),
        }
        .to_string()
    })
}

/// `request` (its path a resource) as [`credentials`] sign it with OSS V4 at [`TIME`] for
/// `cn-hangzhou`: its headers and the signer's.
pub(crate) fn sign_oss_v4(request: &Request<'_>) -> Vec<(String, String)> {
    let date = format_iso8601_basic(TIME);
    let added = [
        ("x-oss-date", date.clone()),
        ("x-oss-content-sha256", UNSIGNED_PAYLOAD.to_owned()),
    ];
    signed(request, &added, "x-oss-security-token", |all| {
        let mut authorization = OssAuthorization {
            access_key_id: KEY_ID.to_owned(),
            date: TIME.date(),
            region: "cn-hangzhou".to_owned(),
            additional_headers: Vec::new(),
            signature: String::new(),
        };
        let canonical = OssCanonical::new(all, &[]);
        authorization.signature = canonical.signature(SECRET, &date, &authorization.scope());
        authorization.to_string()
    })
}

/// `request` as [`credentials`] sign it with FC 2.0 at [`TIME`]: its headers and the
/// signer's.
pub(crate) fn sign_fc2(request: &Request<'_>) -> Vec<(String, String)> {
    let added = [("date", format_rfc1123(TIME))];
    signed(request, &added, "x-fc-security-token", |all| {
        Fc2Authorization {
            access_key_id: KEY_ID.to_owned(),
            signature: StringToSign::new(all).signature(SECRET),
        }
        .to_string()
    })
}
