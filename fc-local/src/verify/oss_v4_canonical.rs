//! OSS4-HMAC-SHA256's canonical request, scope, signing key and signature, written from the
//! OSS V4 specification (shared/docs/oss.md):
//!
//! ```text
//! CanonicalRequest = method \n /bucket/key \n CanonicalQuery \n CanonicalHeaders \n
//!                    AdditionalHeaders \n UNSIGNED-PAYLOAD
//! CanonicalQuery   = encoded pairs sorted, "name=value", or "name" alone when empty
//! CanonicalHeaders = "name:value\n" for every x-oss-* header, content-type, content-md5
//!                    and the AdditionalHeaders: lower case, trimmed, sorted
//! Scope            = yyyymmdd / region / oss / aliyun_v4_request
//! StringToSign     = "OSS4-HMAC-SHA256" \n x-oss-date \n Scope \n hex(sha256(CanonicalRequest))
//! SigningKey       = hmac over yyyymmdd, region, "oss", "aliyun_v4_request" in turn,
//!                    starting from the key "aliyun_v4" + secret
//! Signature        = hex(hmac_sha256(SigningKey, StringToSign))
//! ```

use std::fmt;

use time::Date;

use crate::dates::format_basic_date;
use crate::digest::{hex, hmac_sha256, sha256_hex};
use crate::percent;

use super::canonical::{
    EmptyValue, Token, display_and_debug, header_lines, header_list, query_line,
};
use super::request::Request;

pub(crate) const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// What `x-oss-content-sha256` carries, and the canonical request's last line.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
pub(crate) const SERVICE: &str = "oss";
pub(crate) const TERMINATOR: &str = "aliyun_v4_request";
pub(crate) const DATE_HEADER: &str = "x-oss-date";
pub(crate) const CONTENT_SHA256_HEADER: &str = "x-oss-content-sha256";
pub(crate) const SECURITY_TOKEN_HEADER: &str = "x-oss-security-token";

/// The path OSS signs for an object: `/bucket/key`, each encoded with its `/`s kept; the
/// bucket is there even though a request names it in the host. `/bucket/` for a call on the
/// bucket itself, `/` for one on the service.
pub(crate) fn resource(bucket: &str, key: &str) -> String {
    if bucket.is_empty() {
        return "/".to_owned();
    }
    format!(
        "/{}/{}",
        percent::encode_keeping_slashes(bucket),
        percent::encode_keeping_slashes(key)
    )
}

/// Whether OSS V4 signs header `name` (lower case) whenever it is sent.
pub(crate) fn is_signed_by_default(name: &str) -> bool {
    name.starts_with("x-oss-") || name == "content-type" || name == "content-md5"
}

/// What a signature is good for: one day in one region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    pub(crate) day: Date,
    pub(crate) region: String,
}

impl Scope {
    /// The key that signs the scope's requests; the secret itself never signs.
    fn signing_key(&self, access_key_secret: &str) -> [u8; 32] {
        let first = format!("aliyun_v4{access_key_secret}");
        let day = format_basic_date(self.day);
        [self.region.as_str(), SERVICE, TERMINATOR].iter().fold(
            hmac_sha256(first.as_bytes(), day.as_bytes()),
            |key, part| hmac_sha256(&key, part.as_bytes()),
        )
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = format_basic_date(self.day);
        write!(f, "{day}/{}/{SERVICE}/{TERMINATOR}", self.region)
    }
}

/// A request's canonical form. `Display` is exactly the text that is hashed, the security
/// token included, so it is for tests; `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CanonicalRequest {
    method: String,
    uri: String,
    /// The whole line, encoded and sorted.
    query: String,
    headers: Vec<(String, String)>,
    /// Lower case, sorted, each once.
    additional_headers: Vec<String>,
}

impl CanonicalRequest {
    /// The canonical form of `request` (its path a [`resource`]) when `additional` are named
    /// as further headers to sign. A name that is signed anyway, or whose header is absent or
    /// empty, is dropped, as OSS drops it.
    pub(crate) fn new(request: &Request<'_>, additional: &[&str]) -> Self {
        let sent = |name: &str| {
            request
                .header(name)
                .is_some_and(|value| !value.trim().is_empty())
        };
        let mut additional_headers: Vec<String> = additional
            .iter()
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !is_signed_by_default(name) && sent(name))
            .collect();
        additional_headers.sort();
        additional_headers.dedup();
        let headers = header_list(request.headers, |name| {
            is_signed_by_default(name) || additional_headers.iter().any(|extra| extra == name)
        });
        Self {
            method: request.method.to_owned(),
            uri: request.path.to_owned(),
            query: query_line(request.query, EmptyValue::Bare),
            headers,
            additional_headers,
        }
    }

    /// The names that belong in `AdditionalHeaders`; empty when there are none.
    pub(crate) fn additional_headers(&self) -> &[String] {
        &self.additional_headers
    }

    fn text(&self, token: Token) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{UNSIGNED_PAYLOAD}",
            self.method,
            self.uri,
            self.query,
            header_lines(&self.headers, token),
            self.additional_headers.join(";")
        )
    }

    /// The text the signing key signs, `x_oss_date` as sent. It holds only a hash of the
    /// canonical request, so a reply may show it.
    pub(crate) fn string_to_sign(&self, x_oss_date: &str, scope: &Scope) -> String {
        let hash = sha256_hex(self.text(Token::Shown).as_bytes());
        format!("{ALGORITHM}\n{x_oss_date}\n{scope}\n{hash}")
    }

    pub(crate) fn signature(
        &self,
        access_key_secret: &str,
        x_oss_date: &str,
        scope: &Scope,
    ) -> String {
        let key = scope.signing_key(access_key_secret);
        hex(&hmac_sha256(
            &key,
            self.string_to_sign(x_oss_date, scope).as_bytes(),
        ))
    }
}

display_and_debug!(CanonicalRequest);

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn only_oss_content_and_named_headers_are_signed() {
        let query = [
            ("uploads".to_owned(), String::new()),
            ("a b".to_owned(), "c+d".to_owned()),
        ];
        let headers = [
            (
                "host".to_owned(),
                "bucket.oss-cn-hangzhou.aliyuncs.com".to_owned(),
            ),
            ("content-md5".to_owned(), " md5 ".to_owned()),
            ("x-oss-meta-a".to_owned(), "1".to_owned()),
            ("range".to_owned(), "bytes=0-1".to_owned()),
            ("empty".to_owned(), String::new()),
            ("x-oss-security-token".to_owned(), "TOKEN-VALUE".to_owned()),
        ];
        let resource = resource("bucket", "dir/a b.zip");
        let request = Request {
            method: "POST",
            path: &resource,
            query: &query,
            headers: &headers,
            body: b"not read",
        };
        let named = ["range", "RANGE", "x-oss-meta-a", "empty", "absent"];
        let canonical = CanonicalRequest::new(&request, &named);
        assert_eq!(
            canonical.to_string(),
            "POST\n/bucket/dir/a%20b.zip\na%20b=c%2Bd&uploads\ncontent-md5:md5\nrange:bytes=0-1\n\
             x-oss-meta-a:1\nx-oss-security-token:TOKEN-VALUE\n\nrange\nUNSIGNED-PAYLOAD"
        );
        assert_eq!(canonical.additional_headers(), ["range"]);
        assert!(!format!("{canonical:?}").contains("TOKEN-VALUE"));
    }

    #[test]
    fn resources_name_the_bucket_and_keep_the_key_s_slashes() {
        assert_eq!(
            resource("bucket", "1234+-/123/1.txt"),
            "/bucket/1234%2B-/123/1.txt"
        );
        assert_eq!(resource("bucket", ""), "/bucket/");
        assert_eq!(resource("", ""), "/");
    }

    #[test]
    fn the_scope_names_day_region_service_and_terminator() {
        let scope = Scope {
            day: date!(2023 - 12 - 16),
            region: "cn-hangzhou".to_owned(),
        };
        assert_eq!(
            scope.to_string(),
            "20231216/cn-hangzhou/oss/aliyun_v4_request"
        );
    }
}
