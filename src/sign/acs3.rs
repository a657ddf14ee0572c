//! ACS3-HMAC-SHA256, Alibaba Cloud's "V3" request signature.
//!
//! [`sign`] is pure: the time and the nonce come in as arguments, and it returns the headers to
//! add to the request rather than touching one. [`CanonicalRequest`] prints the exact bytes
//! that get hashed, so tests (and the local service's error messages) compare plain strings.
//!
//! It covers all of a [`Request`]: the method, the path as sent, the query, every header it
//! is handed (which ones is the caller's choice, listed in `SignedHeaders`) and the body.
//!
//! ```text
//! CanonicalRequest = METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n HEX(SHA256(body))
//! StringToSign     = "ACS3-HMAC-SHA256" \n HEX(SHA256(CanonicalRequest))
//! Signature        = HEX(HMAC-SHA256(secret, StringToSign))
//! ```

use std::fmt;

use time::OffsetDateTime;

use super::primitives::{
    EmptyValue, canonical_headers, canonical_query, format_iso8601, hmac_sha256, sha256_hex,
};
use super::{Request, SigningOutput, Token, canonical_text, write_request_lines};
use crate::credentials::Credentials;
use crate::encode::hex;

const ALGORITHM: &str = "ACS3-HMAC-SHA256";
const DATE_HEADER: &str = "x-acs-date";
const NONCE_HEADER: &str = "x-acs-signature-nonce";
const CONTENT_SHA256_HEADER: &str = "x-acs-content-sha256";
const SECURITY_TOKEN_HEADER: &str = "x-acs-security-token";

/// What varies from one signing to the next, handed in so that signing stays pure.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    pub credentials: &'a Credentials,
    pub time: OffsetDateTime,
    /// Unique per request; the service rejects a replayed nonce.
    pub nonce: &'a str,
}

/// Signs `request`, every header it carries included (`host`, `content-type` and the
/// request's own `x-acs-*` headers must be among them): adds `x-acs-date`,
/// `x-acs-signature-nonce`, `x-acs-content-sha256`, the security token for STS credentials,
/// and the `authorization` header over all of them.
pub fn sign(request: &Request<'_>, params: &SigningParams<'_>) -> SigningOutput {
    let payload_hash = sha256_hex(request.body);
    let output = SigningOutput::stamped(
        vec![
            (DATE_HEADER.to_owned(), format_iso8601(params.time)),
            (NONCE_HEADER.to_owned(), params.nonce.to_owned()),
            (CONTENT_SHA256_HEADER.to_owned(), payload_hash.clone()),
        ],
        params.credentials,
        SECURITY_TOKEN_HEADER,
    );
    let headers = output.carried_by(request);
    let canonical = CanonicalRequest::new(&request.with_headers(&headers), &payload_hash);
    output.authorized(Authorization {
        access_key_id: params.credentials.access_key_id.clone(),
        signed_headers: canonical.signed_headers(),
        signature: canonical.signature(params.credentials.access_key_secret.expose()),
    })
}

/// The canonical form of a request. Its `Display` is exactly the text that gets hashed, the
/// security token included, so it is for tests and never for a log; `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    method: String,
    path: String,
    /// Encoded and sorted.
    query: Vec<(String, String)>,
    /// Lowercase names, trimmed values, sorted by name, repeated names joined with `,`.
    headers: Vec<(String, String)>,
    payload_hash: String,
}

impl CanonicalRequest {
    /// Every header in `request.headers` is signed, the signer's own included.
    /// `payload_hash` is the body's SHA-256 in hex, as `x-acs-content-sha256` carries it:
    /// handed in, so that a body of a hundred megabytes is hashed once.
    pub fn new(request: &Request<'_>, payload_hash: &str) -> Self {
        let path = if request.path.is_empty() {
            "/"
        } else {
            request.path
        };
        Self {
            method: request.method.to_owned(),
            path: path.to_owned(),
            query: canonical_query(request.query),
            headers: canonical_headers(request.headers, |_| true),
            payload_hash: payload_hash.to_owned(),
        }
    }

    /// The `SignedHeaders` value: the lowercase names joined with `;`.
    fn signed_headers(&self) -> String {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        names.join(";")
    }

    fn string_to_sign(&self) -> String {
        format!("{ALGORITHM}\n{}", sha256_hex(self.to_string().as_bytes()))
    }

    fn signature(&self, access_key_secret: &str) -> String {
        hex(&hmac_sha256(
            access_key_secret.as_bytes(),
            self.string_to_sign().as_bytes(),
        ))
    }

    fn write(&self, out: &mut impl fmt::Write, token: Token) -> fmt::Result {
        let (query, headers) = (&self.query, &self.headers);
        let empty = EmptyValue::WithEquals;
        write_request_lines(out, &self.method, &self.path, query, empty, headers, token)?;
        writeln!(out, "{}", self.signed_headers())?;
        write!(out, "{}", self.payload_hash)
    }
}

canonical_text!(CanonicalRequest);

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Authorization {
    access_key_id: String,
    signed_headers: String,
    signature: String,
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={},SignedHeaders={},Signature={}",
            self.access_key_id, self.signed_headers, self.signature
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::test_support::{TIME, assert_token_only_in_display, credentials};

    #[test]
    fn canonical_request_sorts_trims_and_joins() {
        let query = [("b".into(), "x y".into()), ("a".into(), String::new())];
        let headers = [
            ("X-Acs-B".into(), " 2 ".into()),
            ("host".into(), "h".into()),
            ("x-acs-b".into(), "3".into()),
        ];
        let canonical = CanonicalRequest::new(
            &Request {
                method: "GET",
                query: &query,
                headers: &headers,
                ..Request::default()
            },
            "hash",
        );
        assert_eq!(
            canonical.to_string(),
            "GET\n/\na=&b=x%20y\nhost:h\nx-acs-b:2,3\n\nhost;x-acs-b\nhash"
        );
    }

    #[test]
    fn security_token_is_signed_and_never_in_debug() {
        let credentials = credentials();
        let params = SigningParams {
            credentials: &credentials,
            time: TIME,
            nonce: "n",
        };
        let request = Request {
            method: "GET",
            path: "/",
            headers: &[("host".into(), "h".into())],
            ..Request::default()
        };
        let output = sign(&request, &params);
        assert_eq!(output.header("x-acs-security-token"), Some("TOKEN-VALUE"));
        let authorization = output.header("authorization").expect("signed");
        assert!(
            authorization.contains("x-acs-security-token"),
            "{authorization}"
        );
        assert!(!format!("{params:?}").contains("SECRET-VALUE"));
        assert!(!format!("{params:?}").contains("TOKEN-VALUE"));
        assert!(!format!("{output:?}").contains("TOKEN-VALUE"), "{output:?}");

        let headers = output.carried_by(&request);
        let canonical = CanonicalRequest::new(&request.with_headers(&headers), &sha256_hex(b""));
        assert_token_only_in_display(&format!("{canonical:?}"), &canonical.to_string());
        assert!(!canonical.redacted().contains("TOKEN-VALUE"));
    }
}
