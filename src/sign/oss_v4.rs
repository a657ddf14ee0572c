//! OSS4-HMAC-SHA256, the V4 signature of Object Storage Service requests.
//!
//! [`sign`] is pure like [`super::acs3::sign`]: the time comes in as an argument and the
//! headers to add come back. [`CanonicalRequest`] prints the exact bytes that get hashed.
//!
//! ```text
//! CanonicalRequest = METHOD \n /bucket/key \n QUERY \n HEADERS \n ADDITIONAL-HEADERS \n UNSIGNED-PAYLOAD
//! Scope            = yyyymmdd / region / oss / aliyun_v4_request
//! StringToSign     = "OSS4-HMAC-SHA256" \n x-oss-date \n Scope \n HEX(SHA256(CanonicalRequest))
//! SigningKey       = HMAC chain from "aliyun_v4" + secret over yyyymmdd, region, "oss", "aliyun_v4_request"
//! Signature        = HEX(HMAC-SHA256(SigningKey, StringToSign))
//! ```
//!
//! Unlike ACS3 there is no list of signed headers to trust: every `x-oss-*` header,
//! `content-type` and `content-md5` are signed whenever present, `host` never unless named in
//! `AdditionalHeaders`. The body is not hashed (`UNSIGNED-PAYLOAD`): a part of a layer can be
//! hundreds of megabytes, and OSS's CRC-64 of what it stored is checked after the upload
//! instead. The bucket is in the canonical URI even though requests go virtual-hosted, so a
//! [`Request`]'s path is the object's [`resource`]; its body is not read.

use std::fmt;

use time::{Date, OffsetDateTime, UtcOffset};

use super::primitives::{
    EmptyValue, canonical_headers, canonical_query, format_basic_date, format_iso8601_basic,
    hmac_sha256, sha256_hex,
};
use super::{Request, SigningOutput, Token, canonical_text, write_request_lines};
use crate::credentials::Credentials;
use crate::encode;
use crate::encode::hex;

const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// What `x-oss-content-sha256` carries, and the canonical request's last line.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const SERVICE: &str = "oss";
const TERMINATOR: &str = "aliyun_v4_request";
pub const DATE_HEADER: &str = "x-oss-date";
pub const CONTENT_SHA256_HEADER: &str = "x-oss-content-sha256";
const SECURITY_TOKEN_HEADER: &str = "x-oss-security-token";

/// What varies from one signing to the next, handed in so that signing stays pure.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    pub credentials: &'a Credentials,
    /// The bucket's region without the `oss-` prefix: `cn-hangzhou`.
    pub region: &'a str,
    pub time: OffsetDateTime,
    /// Names of further headers to sign, usually none. A name that is signed anyway, or whose
    /// header is absent or empty, is dropped, as the official SDKs drop it.
    pub additional_headers: &'a [&'a str],
}

/// The path OSS signs for an object (`key` not encoded; empty for a call on the bucket
/// itself): `/bucket/key`, percent-encoded with the `/`s kept.
pub fn resource(bucket: &str, key: &str) -> String {
    if bucket.is_empty() {
        return "/".to_owned();
    }
    format!(
        "/{}/{}",
        encode::path_keep_slash(bucket),
        encode::path_keep_slash(key)
    )
}

/// Signs `request`, whose path is a [`resource`]: adds `x-oss-date`, `x-oss-content-sha256`,
/// the security token for STS credentials, and the `authorization` header over all of them.
pub fn sign(request: &Request<'_>, params: &SigningParams<'_>) -> SigningOutput {
    let output = SigningOutput::stamped(
        vec![
            (DATE_HEADER.to_owned(), format_iso8601_basic(params.time)),
            (
                CONTENT_SHA256_HEADER.to_owned(),
                UNSIGNED_PAYLOAD.to_owned(),
            ),
        ],
        params.credentials,
        SECURITY_TOKEN_HEADER,
    );
    let headers = output.carried_by(request);
    let canonical =
        CanonicalRequest::new(&request.with_headers(&headers), params.additional_headers);
    output.authorized(Authorization {
        access_key_id: params.credentials.access_key_id.clone(),
        date: utc_date(params.time),
        region: params.region.to_owned(),
        additional_headers: canonical.additional_headers.clone(),
        signature: canonical.signature(
            params.credentials.access_key_secret.expose(),
            params.time,
            params.region,
        ),
    })
}

/// `yyyymmdd/region/oss/aliyun_v4_request`, what a signature is valid for.
fn scope(date: Date, region: &str) -> String {
    format!(
        "{}/{region}/{SERVICE}/{TERMINATOR}",
        format_basic_date(date)
    )
}

/// The key that signs a day's requests in one region; the secret itself never signs.
fn signing_key(access_key_secret: &str, date: Date, region: &str) -> [u8; 32] {
    let key = hmac_sha256(
        format!("aliyun_v4{access_key_secret}").as_bytes(),
        format_basic_date(date).as_bytes(),
    );
    let key = hmac_sha256(&key, region.as_bytes());
    let key = hmac_sha256(&key, SERVICE.as_bytes());
    hmac_sha256(&key, TERMINATOR.as_bytes())
}

fn utc_date(time: OffsetDateTime) -> Date {
    time.to_offset(UtcOffset::UTC).date()
}

/// Whether OSS V4 signs header `lowercase_name` without being asked to.
pub fn is_signed_by_default(lowercase_name: &str) -> bool {
    lowercase_name.starts_with("x-oss-")
        || lowercase_name == "content-type"
        || lowercase_name == "content-md5"
}

/// The canonical form of a request. Its `Display` is exactly the text that gets hashed, the
/// security token included, so it is for tests and never for a log; `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    method: String,
    /// `/bucket/key`, as [`resource`] writes it.
    uri: String,
    /// Encoded and sorted.
    query: Vec<(String, String)>,
    /// The signed headers: lowercase names, trimmed values, sorted, repeats joined with `,`.
    headers: Vec<(String, String)>,
    /// Lowercase, sorted, each once.
    additional_headers: Vec<String>,
}

impl CanonicalRequest {
    /// `request.headers` must hold every header the request carries, the ones [`sign`] adds
    /// included; `additional_headers` are the further names asked for, as
    /// [`SigningParams::additional_headers`].
    pub fn new(request: &Request<'_>, additional_headers: &[&str]) -> Self {
        let present = |name: &str| {
            request
                .headers
                .iter()
                .any(|(key, value)| key.eq_ignore_ascii_case(name) && !value.trim().is_empty())
        };
        let mut additional_headers: Vec<String> = additional_headers
            .iter()
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !is_signed_by_default(name) && present(name))
            .collect();
        additional_headers.sort();
        additional_headers.dedup();

        let headers = canonical_headers(request.headers, |name| {
            is_signed_by_default(name) || additional_headers.iter().any(|extra| extra == name)
        });

        Self {
            method: request.method.to_owned(),
            uri: request.path.to_owned(),
            query: canonical_query(request.query),
            headers,
            additional_headers,
        }
    }

    /// The lowercase names that go in `AdditionalHeaders`, empty when there are none.
    pub fn additional_headers(&self) -> &[String] {
        &self.additional_headers
    }

    /// The text the signing key signs; it holds only a hash of the canonical request, so it
    /// can be shown where the canonical request cannot.
    pub fn string_to_sign(&self, time: OffsetDateTime, region: &str) -> String {
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            format_iso8601_basic(time),
            scope(utc_date(time), region),
            sha256_hex(self.to_string().as_bytes())
        )
    }

    /// `time` is `x-oss-date`'s, which fixes the scope's day as well.
    pub fn signature(&self, access_key_secret: &str, time: OffsetDateTime, region: &str) -> String {
        let key = signing_key(access_key_secret, utc_date(time), region);
        hex(&hmac_sha256(
            &key,
            self.string_to_sign(time, region).as_bytes(),
        ))
    }

    fn write(&self, out: &mut impl fmt::Write, token: Token) -> fmt::Result {
        let (query, headers) = (&self.query, &self.headers);
        let empty = EmptyValue::Bare;
        write_request_lines(out, &self.method, &self.uri, query, empty, headers, token)?;
        writeln!(out, "{}", self.additional_headers.join(";"))?;
        write!(out, "{UNSIGNED_PAYLOAD}")
    }
}

canonical_text!(CanonicalRequest);

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Authorization {
    access_key_id: String,
    /// The scope's day, which must be the day of `x-oss-date`.
    date: Date,
    region: String,
    /// Lowercase names; empty when the field is left out, as it usually is.
    additional_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    fn scope(&self) -> String {
        scope(self.date, &self.region)
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={}/{}",
            self.access_key_id,
            self.scope()
        )?;
        if !self.additional_headers.is_empty() {
            write!(
                f,
                ",AdditionalHeaders={}",
                self.additional_headers.join(";")
            )?;
        }
        write!(f, ",Signature={}", self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    use crate::sign::test_support::{TIME, assert_token_only_in_display, credentials};

    fn params<'a>(credentials: &'a Credentials, time: OffsetDateTime) -> SigningParams<'a> {
        SigningParams {
            credentials,
            region: "cn-hangzhou",
            time,
            additional_headers: &[],
        }
    }

    #[test]
    fn canonical_request_signs_only_oss_content_and_named_headers() {
        let query = [
            ("uploads".to_owned(), String::new()),
            ("a b".to_owned(), "c+d".to_owned()),
        ];
        let headers = [
            (
                "Host".to_owned(),
                "bucket.oss-cn-hangzhou.aliyuncs.com".to_owned(),
            ),
            ("Content-MD5".to_owned(), " md5 ".to_owned()),
            ("X-Oss-Meta-A".to_owned(), "1".to_owned()),
            ("Range".to_owned(), "bytes=0-1".to_owned()),
            ("Empty".to_owned(), String::new()),
        ];
        let canonical = CanonicalRequest::new(
            &Request {
                method: "POST",
                path: &resource("bucket", "dir/a b.zip"),
                query: &query,
                headers: &headers,
                body: b"not read",
            },
            &["range", "RANGE", "x-oss-meta-a", "empty", "absent"],
        );
        assert_eq!(
            canonical.to_string(),
            "POST\n/bucket/dir/a%20b.zip\na%20b=c%2Bd&uploads\ncontent-md5:md5\nrange:bytes=0-1\nx-oss-meta-a:1\n\nrange\nUNSIGNED-PAYLOAD"
        );
        assert_eq!(canonical.additional_headers(), ["range"]);
    }

    #[test]
    fn a_bucket_level_call_signs_the_bucket_with_a_trailing_slash() {
        assert_eq!(resource("bucket", ""), "/bucket/");
        assert_eq!(resource("", ""), "/");
    }

    #[test]
    fn signing_uses_the_utc_day_for_the_scope() {
        let late_evening_in_hangzhou = datetime!(2024-05-21 07:59:59 +08:00);
        let request = Request {
            method: "GET",
            path: "/b/k",
            ..Request::default()
        };
        let credentials = Credentials::new("id", "secret");
        let output = sign(&request, &params(&credentials, late_evening_in_hangzhou));
        assert_eq!(output.header("x-oss-date"), Some("20240520T235959Z"));
        let authorization = output.header("authorization").expect("signed");
        assert!(
            authorization.contains("/20240520/cn-hangzhou/"),
            "{authorization}"
        );
        assert_eq!(output.header("x-oss-security-token"), None);
    }

    #[test]
    fn security_token_is_signed_and_never_in_debug() {
        let request = Request {
            method: "PUT",
            path: "/b/k",
            ..Request::default()
        };
        let output = sign(&request, &params(&credentials(), TIME));
        assert_eq!(output.header("x-oss-security-token"), Some("TOKEN-VALUE"));
        assert_eq!(
            output.headers.last().map(|(name, _)| name.as_str()),
            Some("authorization")
        );
        assert!(!format!("{output:?}").contains("TOKEN-VALUE"));
        let headers = output.carried_by(&request);
        let canonical = CanonicalRequest::new(&request.with_headers(&headers), &[]);
        assert_token_only_in_display(&format!("{canonical:?}"), &canonical.to_string());
    }
}
