//! OSS4-HMAC-SHA256, the V4 signature of Object Storage Service requests, and its verifier.
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

use super::primitives::{
    canonical_headers, format_basic_date, format_iso8601_basic, hex, hmac_sha256, parse_basic_date,
    parse_iso8601_basic, sha256_hex,
};
use super::{AuthError, MAX_CLOCK_SKEW, SigningOutput};
use crate::credentials::Credentials;
use crate::encode;

pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";
/// What `x-oss-content-sha256` carries, and the canonical request's last line.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const SERVICE: &str = "oss";
const TERMINATOR: &str = "aliyun_v4_request";
const DATE_HEADER: &str = "x-oss-date";
const CONTENT_SHA256_HEADER: &str = "x-oss-content-sha256";
const SECURITY_TOKEN_HEADER: &str = "x-oss-security-token";

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

    /// Parses `OSS4-HMAC-SHA256 Credential=id/yyyymmdd/region/oss/aliyun_v4_request,
    /// [AdditionalHeaders=a;b,]Signature=hex`; `None` for anything else, a field given twice
    /// or a scope for another service included.
    pub fn parse(value: &str) -> Option<Self> {
        let fields = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
        let (mut credential, mut additional, mut signature) = (None, None, None);
        for field in fields.split(',') {
            let (key, value) = field.trim().split_once('=')?;
            let slot = match key {
                "Credential" => &mut credential,
                "AdditionalHeaders" => &mut additional,
                "Signature" => &mut signature,
                _ => return None,
            };
            if slot.replace(value).is_some() {
                return None;
            }
        }
        // From the right, so that only the id is left over; the scope has a fixed shape.
        let mut parts = credential?.rsplitn(5, '/');
        let (terminator, service, region, date, id) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let signature = signature?;
        if terminator != TERMINATOR
            || service != SERVICE
            || region.is_empty()
            || id.is_empty()
            || signature.is_empty()
        {
            return None;
        }
        let additional_headers = additional
            .map(|names| {
                names
                    .split(';')
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            access_key_id: id.to_owned(),
            date: parse_basic_date(date)?,
            region: region.to_owned(),
            additional_headers,
            signature: signature.to_owned(),
        })
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

/// Checks a received request the way OSS does before it looks at what the request asks for:
/// a signature recomputed from what arrived, by the secret `lookup` finds for the key id,
/// dated within 15 minutes of `now`, with the security token the credentials carry (and none
/// when they carry none).
///
/// `key` is decoded from the path, `query` holds decoded pairs (a name without `=` has an
/// empty value), and header names are lower case. The region is the one the signature's scope
/// names: a server that cares which region it was signed for compares
/// [`Authorization::region`] itself. The body is not checked: this verifier takes only
/// `UNSIGNED-PAYLOAD`.
pub fn verify(
    method: &str,
    bucket: &str,
    key: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    lookup: impl Fn(&str) -> Option<Credentials>,
    now: OffsetDateTime,
) -> Result<(), AuthError> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let invalid = |message: String| AuthError::new(400, "InvalidArgument", message);
    let mismatch = |message: String| AuthError::new(403, "SignatureDoesNotMatch", message);

    let value = header("authorization").ok_or_else(|| {
        AuthError::new(
            403,
            "AccessDenied",
            "the request is not signed: it has no authorization header",
        )
    })?;
    let authorization = Authorization::parse(value).ok_or_else(|| {
        invalid(format!(
            "authorization is not `{ALGORITHM} Credential=id/yyyymmdd/region/{SERVICE}/{TERMINATOR},[AdditionalHeaders=…,]Signature=…`"
        ))
    })?;
    let credentials = lookup(&authorization.access_key_id).ok_or_else(|| {
        AuthError::new(
            403,
            "InvalidAccessKeyId",
            format!(
                "AccessKey id {:?} does not exist",
                authorization.access_key_id
            ),
        )
    })?;

    let date_text = header(DATE_HEADER)
        .ok_or_else(|| invalid(format!("{DATE_HEADER} is required with {ALGORITHM}")))?;
    let time = parse_iso8601_basic(date_text).ok_or_else(|| {
        invalid(format!(
            "{DATE_HEADER} {date_text:?} is not yyyymmddTHHMMSSZ"
        ))
    })?;
    if authorization.date != utc_date(time) {
        return Err(invalid(format!(
            "the signature's scope is dated {} but {DATE_HEADER} is {date_text}",
            format_basic_date(authorization.date)
        )));
    }
    if (time - now).abs() > MAX_CLOCK_SKEW {
        return Err(AuthError::new(
            403,
            "RequestTimeTooSkewed",
            format!("{DATE_HEADER} {date_text} is more than 15 minutes from the server's time"),
        ));
    }
    match header(CONTENT_SHA256_HEADER) {
        Some(UNSIGNED_PAYLOAD) => {}
        Some(other) => {
            return Err(invalid(format!(
                "{CONTENT_SHA256_HEADER} is {other:?}; this service takes only {UNSIGNED_PAYLOAD}"
            )));
        }
        None => {
            return Err(invalid(format!(
                "{CONTENT_SHA256_HEADER} is required with {ALGORITHM}"
            )));
        }
    }

    let named: Vec<&str> = authorization
        .additional_headers
        .iter()
        .map(String::as_str)
        .collect();
    let canonical = CanonicalRequest::new(&OssRequest {
        method,
        bucket,
        key,
        query,
        headers,
        additional_headers: &named,
    });
    if canonical.additional_headers != authorization.additional_headers {
        return Err(mismatch(format!(
            "AdditionalHeaders must name headers that are sent and not signed anyway, in lower \
             case, sorted, each once: expected {:?}",
            canonical.additional_headers.join(";")
        )));
    }
    let secret = credentials.access_key_secret.expose();
    let region = authorization.region.as_str();
    if canonical.signature(secret, time, region) != authorization.signature {
        // The string to sign holds only a hash of the canonical request, which would show the
        // security token, so it is the one that goes back.
        return Err(mismatch(format!(
            "the signature does not match; the server's string to sign is {:?}",
            canonical.string_to_sign(time, region)
        )));
    }

    super::check_security_token(
        header(SECURITY_TOKEN_HEADER),
        &credentials,
        SECURITY_TOKEN_HEADER,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    use crate::sign::test_support::{TIME, credentials, lookup};

    /// `PUT /b/k`, nothing else: the request the verifier tests sign and then alter.
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
    fn authorization_round_trips_with_and_without_additional_headers() {
        let plain = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=ab12";
        let parsed = Authorization::parse(plain).expect("parses");
        assert_eq!(parsed.access_key_id, "ak");
        assert_eq!(parsed.date, date!(2023 - 12 - 16));
        assert_eq!(parsed.region, "cn-hangzhou");
        assert!(parsed.additional_headers.is_empty());
        assert_eq!(parsed.to_string(), plain);

        let extra = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=ab12";
        let parsed = Authorization::parse(extra).expect("parses");
        assert_eq!(parsed.additional_headers, ["abc", "zabc"]);
        assert_eq!(parsed.to_string(), extra);

        let spaced = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, Signature=ab12";
        assert_eq!(
            Authorization::parse(spaced).map(|a| a.signature),
            Some("ab12".into())
        );
    }

    #[test]
    fn authorization_refuses_other_shapes() {
        for wrong in [
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/s3/aliyun_v4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aws4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=ak/2023-12-16/cn-hangzhou/oss/aliyun_v4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=ab",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=a,Signature=b",
            "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Other=x,Signature=ab",
            "OSS ak:signature",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signature=ab",
        ] {
            assert_eq!(Authorization::parse(wrong), None, "{wrong}");
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
    fn security_token_is_signed_and_never_in_debug_or_errors() {
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

        let error =
            verify("PUT", "b", "other", &[], &headers, lookup, TIME).expect_err("changed key");
        assert_eq!(error.code, "SignatureDoesNotMatch");
        for leaked in ["TOKEN-VALUE", "SECRET-VALUE"] {
            assert!(!error.message.contains(leaked), "{error}");
        }
    }

    #[test]
    fn verifier_checks_scope_date_payload_and_token() {
        let request = put_b_k();
        let headers = signed(&request);
        let check = |headers: &[(String, String)],
                     lookup: &dyn Fn(&str) -> Option<Credentials>,
                     now: OffsetDateTime| {
            verify("PUT", "b", "k", &[], headers, lookup, now)
        };
        check(&headers, &lookup, TIME).expect("accepted");
        let code =
            |headers: &[(String, String)]| check(headers, &lookup, TIME).expect_err("refused").code;
        let replaced = |name: &str, value: Option<&str>| -> Vec<(String, String)> {
            let mut changed: Vec<(String, String)> = headers
                .iter()
                .filter(|(key, _)| key != name)
                .cloned()
                .collect();
            if let Some(value) = value {
                changed.push((name.to_owned(), value.to_owned()));
            }
            changed
        };
        assert_eq!(code(&replaced("authorization", None)), "AccessDenied");
        assert_eq!(
            code(&replaced("authorization", Some("OSS ak:sig"))),
            "InvalidArgument"
        );
        assert_eq!(
            code(&replaced("x-oss-date", Some("20240521T083000Z"))),
            "InvalidArgument",
            "a date on another day than the scope's"
        );
        assert_eq!(
            code(&replaced("x-oss-date", Some("2024-05-20T08:30:00Z"))),
            "InvalidArgument"
        );
        assert_eq!(
            code(&replaced("x-oss-content-sha256", Some(&sha256_hex(b"")))),
            "InvalidArgument"
        );
        assert_eq!(
            code(&replaced("x-oss-security-token", None)),
            "SignatureDoesNotMatch",
            "the token is signed, so dropping it breaks the signature first"
        );
        let mut other_region = headers.clone();
        if let Some((_, value)) = other_region
            .iter_mut()
            .find(|(name, _)| name == "authorization")
        {
            *value = value.replace("/cn-hangzhou/", "/cn-shanghai/");
        }
        assert_eq!(code(&other_region), "SignatureDoesNotMatch");

        let too_late =
            check(&headers, &lookup, TIME + time::Duration::minutes(16)).expect_err("skewed");
        assert_eq!(too_late.code, "RequestTimeTooSkewed");
        check(&headers, &lookup, TIME - time::Duration::minutes(15))
            .expect("15 minutes is within the allowance");

        let other_token =
            |_: &str| Some(Credentials::new("key-id", "SECRET-VALUE").with_security_token("OTHER"));
        let error = check(&headers, &other_token, TIME).expect_err("token");
        assert_eq!(error.code, "InvalidSecurityToken");
        assert!(!error.message.contains("TOKEN-VALUE"), "{error}");
        let long_term = |_: &str| Some(Credentials::new("key-id", "SECRET-VALUE"));
        assert_eq!(
            check(&headers, &long_term, TIME)
                .expect_err("token with long-term keys")
                .code,
            "InvalidSecurityToken"
        );
        assert_eq!(
            check(&headers, &|_: &str| None, TIME)
                .expect_err("unknown id")
                .code,
            "InvalidAccessKeyId"
        );
    }
}
