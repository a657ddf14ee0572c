//! ACS3-HMAC-SHA256, Alibaba Cloud's "V3" request signature.
//!
//! [`sign`] is pure: the time and the nonce come in as arguments, and it returns the headers to
//! add to the request rather than touching one. [`CanonicalRequest`] prints the exact bytes
//! that get hashed, so tests (and the local service's error messages) compare plain strings.
//!
//! ```text
//! CanonicalRequest = METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n HEX(SHA256(body))
//! StringToSign     = "ACS3-HMAC-SHA256" \n HEX(SHA256(CanonicalRequest))
//! Signature        = HEX(HMAC-SHA256(secret, StringToSign))
//! ```

use std::fmt;

use time::OffsetDateTime;

pub use super::SigningOutput;
use super::primitives::{format_iso8601, hex, hmac_sha256, sha256_hex};
use crate::credentials::Credentials;
use crate::encode;

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
pub const SECURITY_TOKEN_HEADER: &str = "x-acs-security-token";

/// The parts of a request the signature covers.
#[derive(Clone, Debug)]
pub struct SignableRequest<'a> {
    pub method: &'a str,
    /// The path exactly as it goes on the wire, each segment already percent-encoded.
    pub path: &'a str,
    /// Query parameters, not yet encoded.
    pub query: &'a [(String, String)],
    /// The headers to sign besides the ones [`sign`] adds itself: `host`, `content-type` and
    /// the request's own `x-acs-*` headers (action, version).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// What varies from one signing to the next, handed in so that signing stays pure.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    pub credentials: &'a Credentials,
    pub time: OffsetDateTime,
    /// Unique per request; the service rejects a replayed nonce.
    pub nonce: &'a str,
}

/// Signs `request`: adds `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256`, the
/// security token for STS credentials, and the `authorization` header over all of them.
pub fn sign(request: &SignableRequest<'_>, params: &SigningParams<'_>) -> SigningOutput {
    let payload_hash = sha256_hex(request.body);
    let mut added = vec![
        ("x-acs-date".to_owned(), format_iso8601(params.time)),
        ("x-acs-signature-nonce".to_owned(), params.nonce.to_owned()),
        ("x-acs-content-sha256".to_owned(), payload_hash.clone()),
    ];
    if let Some(token) = &params.credentials.security_token {
        added.push((SECURITY_TOKEN_HEADER.to_owned(), token.expose().to_owned()));
    }
    let canonical = CanonicalRequest::new(
        request.method,
        request.path,
        request.query.iter().cloned(),
        request.headers.iter().chain(&added).cloned(),
        payload_hash,
    );
    let authorization = Authorization {
        access_key_id: params.credentials.access_key_id.clone(),
        signed_headers: canonical.signed_headers(),
        signature: canonical.signature(params.credentials.access_key_secret.expose()),
    };
    added.push(("authorization".to_owned(), authorization.to_string()));
    SigningOutput { headers: added }
}

/// The canonical form of a request. Its `Display` is exactly the text that gets hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    pub fn new(
        method: &str,
        path: &str,
        query: impl IntoIterator<Item = (String, String)>,
        headers: impl IntoIterator<Item = (String, String)>,
        payload_hash: String,
    ) -> Self {
        let mut query: Vec<_> = query
            .into_iter()
            .map(|(key, value)| (encode::encode(&key), encode::encode(&value)))
            .collect();
        query.sort();

        let mut sorted: Vec<(String, String)> = headers
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut headers: Vec<(String, String)> = Vec::with_capacity(sorted.len());
        for (name, value) in sorted {
            match headers.last_mut() {
                Some((last, joined)) if *last == name => {
                    joined.push(',');
                    joined.push_str(&value);
                }
                _ => headers.push((name, value)),
            }
        }

        Self {
            method: method.to_owned(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
            query,
            headers,
            payload_hash,
        }
    }

    /// The `SignedHeaders` value: the lowercase names joined with `;`.
    pub fn signed_headers(&self) -> String {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        names.join(";")
    }

    pub fn string_to_sign(&self) -> String {
        format!("{ALGORITHM}\n{}", sha256_hex(self.to_string().as_bytes()))
    }

    pub fn signature(&self, access_key_secret: &str) -> String {
        hex(&hmac_sha256(
            access_key_secret.as_bytes(),
            self.string_to_sign().as_bytes(),
        ))
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.method)?;
        writeln!(f, "{}", self.path)?;
        for (index, (key, value)) in self.query.iter().enumerate() {
            let separator = if index == 0 { "" } else { "&" };
            write!(f, "{separator}{key}={value}")?;
        }
        writeln!(f)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}:{value}")?;
        }
        writeln!(f)?;
        writeln!(f, "{}", self.signed_headers())?;
        write!(f, "{}", self.payload_hash)
    }
}

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    pub signed_headers: String,
    pub signature: String,
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
    use time::macros::datetime;

    #[test]
    fn canonical_request_sorts_trims_and_joins() {
        let canonical = CanonicalRequest::new(
            "GET",
            "",
            [("b".into(), "x y".into()), ("a".into(), String::new())],
            [
                ("X-Acs-B".into(), " 2 ".into()),
                ("host".into(), "h".into()),
                ("x-acs-b".into(), "3".into()),
            ],
            "hash".into(),
        );
        assert_eq!(
            canonical.to_string(),
            "GET\n/\na=&b=x%20y\nhost:h\nx-acs-b:2,3\n\nhost;x-acs-b\nhash"
        );
    }

    #[test]
    fn security_token_is_signed_and_never_in_debug() {
        let credentials = Credentials::new("id", "SECRET-VALUE").with_security_token("TOKEN-VALUE");
        let params = SigningParams {
            credentials: &credentials,
            time: datetime!(2024-01-01 00:00:00 UTC),
            nonce: "n",
        };
        let request = SignableRequest {
            method: "GET",
            path: "/",
            query: &[],
            headers: &[("host".into(), "h".into())],
            body: b"",
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
    }
}
