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
//! instead. The bucket is in the canonical URI even though requests go virtual-hosted.

use std::fmt;

use time::{Date, OffsetDateTime, UtcOffset};

use super::SigningOutput;
use super::primitives::{
    canonical_headers, format_basic_date, format_iso8601_basic, hex, hmac_sha256, sha256_hex,
};
use crate::credentials::Credentials;
use crate::encode;

pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// What `x-oss-content-sha256` carries, and the canonical request's last line.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
pub const SERVICE: &str = "oss";
pub const TERMINATOR: &str = "aliyun_v4_request";
pub const DATE_HEADER: &str = "x-oss-date";
pub const CONTENT_SHA256_HEADER: &str = "x-oss-content-sha256";
pub const SECURITY_TOKEN_HEADER: &str = "x-oss-security-token";

/// The parts of a request the signature covers.
#[derive(Clone, Copy, Debug)]
pub struct OssRequest<'a> {
    pub method: &'a str,
    pub bucket: &'a str,
    /// The object key, not encoded; empty for a call on the bucket itself.
    pub key: &'a str,
    /// Query parameters, not encoded. An empty value signs as the bare name (`?uploads`).
    pub query: &'a [(String, String)],
    /// The headers the request carries besides the ones [`sign`] adds. Those that are not
    /// signed (`host`, `content-length`) may be here too: they are left out of the signature.
    pub headers: &'a [(String, String)],
    /// Names of further headers to sign, usually none. A name that is signed anyway, or whose
    /// header is absent or empty, is dropped, as the official SDKs drop it.
    pub additional_headers: &'a [&'a str],
}

/// What varies from one signing to the next, handed in so that signing stays pure.
#[derive(Clone, Copy, Debug)]
pub struct OssSigningParams<'a> {
    pub credentials: &'a Credentials,
    /// The bucket's region without the `oss-` prefix: `cn-hangzhou`.
    pub region: &'a str,
    pub time: OffsetDateTime,
}

/// Signs `request`: adds `x-oss-date`, `x-oss-content-sha256`, the security token for STS
/// credentials, and the `authorization` header over all of them.
pub fn sign(request: &OssRequest<'_>, params: &OssSigningParams<'_>) -> SigningOutput {
    let mut added = vec![
        (DATE_HEADER.to_owned(), format_iso8601_basic(params.time)),
        (
            CONTENT_SHA256_HEADER.to_owned(),
            UNSIGNED_PAYLOAD.to_owned(),
        ),
    ];
    if let Some(token) = &params.credentials.security_token {
        added.push((SECURITY_TOKEN_HEADER.to_owned(), token.expose().to_owned()));
    }
    let headers: Vec<(String, String)> = request.headers.iter().chain(&added).cloned().collect();
    let canonical = CanonicalRequest::new(&OssRequest {
        headers: &headers,
        ..*request
    });
    let authorization = Authorization {
        access_key_id: params.credentials.access_key_id.clone(),
        date: utc_date(params.time),
        region: params.region.to_owned(),
        additional_headers: canonical.additional_headers.clone(),
        signature: canonical.signature(
            params.credentials.access_key_secret.expose(),
            params.time,
            params.region,
        ),
    };
    added.push(("authorization".to_owned(), authorization.to_string()));
    SigningOutput { headers: added }
}

/// `yyyymmdd/region/oss/aliyun_v4_request`, what a signature is valid for.
pub fn scope(date: Date, region: &str) -> String {
    format!(
        "{}/{region}/{SERVICE}/{TERMINATOR}",
        format_basic_date(date)
    )
}

/// The key that signs a day's requests in one region; the secret itself never signs.
pub fn signing_key(access_key_secret: &str, date: Date, region: &str) -> [u8; 32] {
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

fn is_signed_by_default(lowercase_name: &str) -> bool {
    lowercase_name.starts_with("x-oss-")
        || lowercase_name == "content-type"
        || lowercase_name == "content-md5"
}

/// The canonical form of a request. Its `Display` is exactly the text that gets hashed, the
/// security token included, so it is for tests and never for a log; `Debug` hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    method: String,
    /// `/bucket/key`, percent-encoded with the `/`s kept.
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
    /// included.
    pub fn new(request: &OssRequest<'_>) -> Self {
        let mut query: Vec<(String, String)> = request
            .query
            .iter()
            .map(|(key, value)| (encode::encode(key), encode::encode(value)))
            .collect();
        query.sort();

        let present = |name: &str| {
            request
                .headers
                .iter()
                .any(|(key, value)| key.eq_ignore_ascii_case(name) && !value.trim().is_empty())
        };
        let mut additional_headers: Vec<String> = request
            .additional_headers
            .iter()
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !is_signed_by_default(name) && present(name))
            .collect();
        additional_headers.sort();
        additional_headers.dedup();

        let headers = canonical_headers(request.headers, |name| {
            is_signed_by_default(name) || additional_headers.iter().any(|extra| extra == name)
        });

        let uri = if request.bucket.is_empty() {
            "/".to_owned()
        } else {
            format!(
                "/{}/{}",
                encode::path_keep_slash(request.bucket),
                encode::path_keep_slash(request.key)
            )
        };

        Self {
            method: request.method.to_owned(),
            uri,
            query,
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
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.method)?;
        writeln!(f, "{}", self.uri)?;
        for (index, (key, value)) in self.query.iter().enumerate() {
            let separator = if index == 0 { "" } else { "&" };
            if value.is_empty() {
                write!(f, "{separator}{key}")?;
            } else {
                write!(f, "{separator}{key}={value}")?;
            }
        }
        writeln!(f)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}:{value}")?;
        }
        writeln!(f)?;
        writeln!(f, "{}", self.additional_headers.join(";"))?;
        write!(f, "{UNSIGNED_PAYLOAD}")
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if name == SECURITY_TOKEN_HEADER {
                    "**redacted**"
                } else {
                    value.as_str()
                };
                (name.as_str(), value)
            })
            .collect();
        f.debug_struct("CanonicalRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("additional_headers", &self.additional_headers)
            .finish()
    }
}

/// The `Authorization` header's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// The scope's day, which must be the day of `x-oss-date`.
    pub date: Date,
    pub region: String,
    /// Lowercase names; empty when the field is left out, as it usually is.
    pub additional_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    pub fn scope(&self) -> String {
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

    use crate::sign::test_support::{TIME, credentials};

    /// `PUT /b/k`, nothing else.
    fn put_b_k() -> OssRequest<'static> {
        OssRequest {
            method: "PUT",
            bucket: "b",
            key: "k",
            query: &[],
            headers: &[],
            additional_headers: &[],
        }
    }

    fn signed(request: &OssRequest<'_>) -> Vec<(String, String)> {
        let output = sign(
            request,
            &OssSigningParams {
                credentials: &credentials(),
                region: "cn-hangzhou",
                time: TIME,
            },
        );
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        headers.extend(output.headers);
        headers
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
        let canonical = CanonicalRequest::new(&OssRequest {
            method: "POST",
            bucket: "bucket",
            key: "dir/a b.zip",
            query: &query,
            headers: &headers,
            additional_headers: &["range", "RANGE", "x-oss-meta-a", "empty", "absent"],
        });
        assert_eq!(
            canonical.to_string(),
            "POST\n/bucket/dir/a%20b.zip\na%20b=c%2Bd&uploads\ncontent-md5:md5\nrange:bytes=0-1\nx-oss-meta-a:1\n\nrange\nUNSIGNED-PAYLOAD"
        );
        assert_eq!(canonical.additional_headers(), ["range"]);
    }

    #[test]
    fn a_bucket_level_call_signs_the_bucket_with_a_trailing_slash() {
        let canonical = CanonicalRequest::new(&OssRequest {
            method: "GET",
            bucket: "bucket",
            key: "",
            query: &[],
            headers: &[],
            additional_headers: &[],
        });
        assert!(
            canonical.to_string().starts_with("GET\n/bucket/\n\n"),
            "{canonical}"
        );
    }

    #[test]
    fn signing_uses_the_utc_day_for_the_scope() {
        let late_evening_in_hangzhou = datetime!(2024-05-21 07:59:59 +08:00);
        let output = sign(
            &OssRequest {
                method: "GET",
                bucket: "b",
                key: "k",
                query: &[],
                headers: &[],
                additional_headers: &[],
            },
            &OssSigningParams {
                credentials: &Credentials::new("id", "secret"),
                region: "cn-hangzhou",
                time: late_evening_in_hangzhou,
            },
        );
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
        let request = put_b_k();
        let headers = signed(&request);
        let output = SigningOutput {
            headers: headers.clone(),
        };
        assert_eq!(output.header("x-oss-security-token"), Some("TOKEN-VALUE"));
        assert_eq!(
            output.headers.last().map(|(name, _)| name.as_str()),
            Some("authorization")
        );
        assert!(!format!("{output:?}").contains("TOKEN-VALUE"));
        let canonical = CanonicalRequest::new(&OssRequest {
            headers: &headers,
            ..request
        });
        assert!(canonical.to_string().contains("TOKEN-VALUE"));
        assert!(!format!("{canonical:?}").contains("TOKEN-VALUE"));
    }
}
