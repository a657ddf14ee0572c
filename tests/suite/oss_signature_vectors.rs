//! The OSS V4 and FC 2.0 vectors (tests/data/oss-signature-vectors.json) reproduced by the
//! signers, accepted by their verifiers, and refused once anything signed changes: one table
//! of changes ([`CHANGES`]), each with what either verifier must answer, run against both.
//! The verifiers build their canonical forms with fc-local's own code; that it reproduces the
//! vectors' texts byte for byte is checked by fc-local's `verify::vectors`, over the same file.

use std::sync::Arc;

use crate::common::block_on;
use crate::common::vectors::{
    self, Capturing, credentials, header, headers, lines, lookup, optional, present, text,
};
use fc_layer_action::cloud::{AccountId, Region};
use fc_layer_action::credentials::{Credentials, Masker, Secret};
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::oss::client::OssClient;
use fc_layer_action::oss::location::OssLocation;
use fc_layer_action::oss_names::BucketName;
use fc_layer_action::sign::primitives::{format_iso8601_basic, format_rfc1123, sha256_hex};
use fc_layer_action::sign::{Request, SigningOutput, fc2, oss_v4};
use fc_layer_action::temp_bucket;
use fc_local::dates::{parse_iso8601_basic, parse_rfc1123};
use fc_local::verify::AuthError;
use fc_local::verify::{fc2 as fc2_verify, oss_v4 as oss_v4_verify};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use Answer::{Accepted, Code, Mismatch, UnknownKey};
use Edit::{
    Clock, FamilyHeader, FirstQueryDropped, FirstQueryValueChanged, Header, Nothing, OtherMethod,
    OtherToken, PathAppended, QueryAdded, UnknownKeyId, WrongSecret,
};

fn scheme_vectors(scheme: &str, expected: usize) -> Vec<Value> {
    let data = vectors::load(include_str!("../data/oss-signature-vectors.json"));
    vectors::list(&data, scheme, expected)
}

fn vector_credentials(vector: &Value) -> Credentials {
    credentials(vector, optional(vector, "security_token"))
}

/// Header names in lower case, as a server sees them, plus a `host` that no scheme signs.
fn received(
    given: &[(String, String)],
    output: &SigningOutput,
    host: &str,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = given
        .iter()
        .chain(&output.headers)
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect();
    headers.push(("host".to_owned(), host.to_owned()));
    headers
}

struct OssCase {
    name: String,
    credentials: Credentials,
    region: String,
    time: OffsetDateTime,
    method: String,
    bucket: String,
    key: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    additional_headers: Vec<String>,
}

impl OssCase {
    fn new(vector: &Value) -> Self {
        Self {
            name: text(vector, "name").to_owned(),
            credentials: vector_credentials(vector),
            region: text(vector, "region").to_owned(),
            time: parse_iso8601_basic(text(vector, "x_oss_date")).expect("x_oss_date"),
            method: text(vector, "method").to_owned(),
            bucket: text(vector, "bucket").to_owned(),
            key: text(vector, "key").to_owned(),
            query: vectors::query(vector),
            headers: headers(vector),
            additional_headers: vector["additional_headers"]
                .as_array()
                .expect("additional_headers")
                .iter()
                .map(|name| name.as_str().expect("name").to_owned())
                .collect(),
        }
    }

    fn resource(&self) -> String {
        oss_v4::resource(&self.bucket, &self.key)
    }

    fn additional(&self) -> Vec<&str> {
        self.additional_headers.iter().map(String::as_str).collect()
    }

    fn sign_with(&self, headers: &[(String, String)]) -> SigningOutput {
        oss_v4::sign(
            &Request {
                method: &self.method,
                path: &self.resource(),
                query: &self.query,
                headers,
                body: b"",
            },
            &oss_v4::SigningParams {
                credentials: &self.credentials,
                region: &self.region,
                time: self.time,
                additional_headers: &self.additional(),
            },
        )
    }

    fn sign(&self) -> SigningOutput {
        self.sign_with(&self.headers)
    }

    /// The `authorization` header the vector's signature goes in.
    fn authorization(&self, vector: &Value) -> String {
        let additional = if self.additional_headers.is_empty() {
            String::new()
        } else {
            format!(",AdditionalHeaders={}", self.additional_headers.join(";"))
        };
        format!(
            "OSS4-HMAC-SHA256 Credential={}/{}/{}/oss/aliyun_v4_request{additional},Signature={}",
            self.credentials.access_key_id,
            &text(vector, "x_oss_date")[..8],
            self.region,
            text(vector, "signature"),
        )
    }

    /// The signed request as OSS receives it.
    fn received(&self) -> Received {
        let host = format!("{}.oss-{}.aliyuncs.com", self.bucket, self.region);
        Received {
            method: self.method.clone(),
            path: self.resource(),
            query: self.query.clone(),
            headers: received(&self.headers, &self.sign(), &host),
            also_signed: self.additional_headers.clone(),
            known: self.credentials.clone(),
            now: self.time,
        }
    }
}

#[test]
fn oss_signer_reproduces_every_vector() {
    for vector in scheme_vectors("oss_v4", 6) {
        let case = OssCase::new(&vector);
        let name = &case.name;
        let output = case.sign();

        assert_eq!(
            output.header("x-oss-date"),
            Some(text(&vector, "x_oss_date")),
            "{name}"
        );
        assert_eq!(
            output.header("x-oss-content-sha256"),
            Some("UNSIGNED-PAYLOAD"),
            "{name}"
        );
        assert_eq!(
            output.header("x-oss-security-token"),
            optional(&vector, "security_token"),
            "{name}"
        );
        assert_eq!(
            output.headers.last().map(|(key, _)| key.as_str()),
            Some("authorization"),
            "{name}: authorization comes last"
        );

        let expected = case.authorization(&vector);
        assert_eq!(
            output.header("authorization"),
            Some(expected.as_str()),
            "{name}"
        );
        let parsed = oss_v4_verify::parse_authorization(&expected).expect("parses");
        assert_eq!(parsed.to_string(), expected, "{name}");

        let mut with_host = case.headers.clone();
        with_host.push(("Host".to_owned(), "anywhere.example".to_owned()));
        assert_eq!(
            case.sign_with(&with_host).header("authorization"),
            Some(expected.as_str()),
            "{name}: host is not signed"
        );
    }
}

#[test]
fn oss_canonical_request_and_string_to_sign_match_where_documented() {
    let mut checked = 0;
    for vector in scheme_vectors("oss_v4", 6) {
        let case = OssCase::new(&vector);
        let name = &case.name;
        let output = case.sign();
        let all: Vec<(String, String)> = case
            .headers
            .iter()
            .chain(&output.headers)
            .filter(|(name, _)| name != "authorization")
            .cloned()
            .collect();
        let canonical = oss_v4::CanonicalRequest::new(
            &Request {
                method: &case.method,
                path: &case.resource(),
                query: &case.query,
                headers: &all,
                body: b"",
            },
            &case.additional(),
        );
        assert_eq!(
            canonical.additional_headers(),
            case.additional_headers,
            "{name}"
        );
        let string_to_sign = canonical.string_to_sign(case.time, &case.region);
        let date = text(&vector, "x_oss_date");
        let expected_lines = [
            "OSS4-HMAC-SHA256".to_owned(),
            date.to_owned(),
            format!("{}/{}/oss/aliyun_v4_request", &date[..8], case.region),
            sha256_hex(canonical.to_string().as_bytes()),
        ];
        assert_eq!(string_to_sign, expected_lines.join("\n"), "{name}");
        assert_eq!(
            canonical.signature(
                case.credentials.access_key_secret.expose(),
                case.time,
                &case.region
            ),
            text(&vector, "signature"),
            "{name}"
        );
        if let Some(expected) = lines(&vector, "canonical_request") {
            assert_eq!(canonical.to_string(), expected, "{name}");
            checked += 1;
        }
        if let Some(expected) = lines(&vector, "string_to_sign") {
            assert_eq!(string_to_sign, expected, "{name}");
            checked += 1;
        }
    }
    assert_eq!(
        checked, 1,
        "the notes give vector 1's canonical request only"
    );
}

/// The OSS client itself, its clock pinned to the vector's, sends exactly the vector's
/// PutObject and UploadPart: its headers, `host`, the signer's, the signature, in that order.
#[test]
fn oss_client_with_the_vector_s_clock_sends_exactly_its_requests() {
    let vectors = scheme_vectors("oss_v4", 6);
    let calls = [
        ("2-put-object-sts", None),
        ("2-put-object-long-term", None),
        (
            "3-upload-part-sts",
            Some((2, "6149D11640A59B4B1FEA2545AE61AC0E")),
        ),
    ];
    for (name, part) in calls {
        let vector = vectors
            .iter()
            .find(|vector| text(vector, "name") == name)
            .expect("the vector");
        let case = OssCase::new(vector);
        let time = case.time;
        let region = Region::parse(&case.region).expect("region");
        let location = OssLocation::for_region(&region);
        // PutObject's reply must confirm a CRC-64; what it is does not matter here.
        let transport =
            Capturing::new(200, &[("etag", "\"E\""), ("x-oss-hash-crc64ecma", "0")], "");
        let client = OssClient {
            transport: &transport,
            location: location.clone(),
            credentials: case.credentials.clone(),
            region,
            clock: Arc::new(move || time),
        };
        let body = b"zip".to_vec();
        let bucket = BucketName::parse(&case.bucket).expect("bucket");
        let (bucket, key) = (&bucket, case.key.as_str());
        match part {
            None => drop(block_on(client.put(bucket, key, body.into(), None)).expect("put")),
            Some((number, upload_id)) => drop(
                block_on(client.upload_part(bucket, key, upload_id, number, body.into(), None))
                    .expect("part"),
            ),
        }
        drop(client);

        let sent = transport.only();
        let mut wanted: Vec<(String, String)> = case
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        let (host, authorization) = (location.host(bucket), case.authorization(vector));
        wanted.extend(present(&[
            ("host", Some(host.as_str())),
            ("x-oss-date", Some(text(vector, "x_oss_date"))),
            ("x-oss-content-sha256", Some("UNSIGNED-PAYLOAD")),
            ("x-oss-security-token", optional(vector, "security_token")),
            ("authorization", Some(authorization.as_str())),
        ]));
        assert_eq!(sent.headers, wanted, "{name}");
        assert_eq!(sent.method, text(vector, "method"), "{name}");
        let query = match text(vector, "query") {
            "" => String::new(),
            query => format!("?{query}"),
        };
        assert_eq!(
            sent.url,
            format!("{}{query}", location.url(bucket, key).expect("url")),
            "{name}"
        );
    }
}

struct Fc2Case {
    name: String,
    credentials: Credentials,
    time: OffsetDateTime,
    method: String,
    path: String,
    /// The vector's headers, its `content-md5` and `content-type` among them when it has them.
    headers: Vec<(String, String)>,
}

impl Fc2Case {
    fn new(vector: &Value) -> Self {
        let content = present(&[
            ("content-md5", optional(vector, "content_md5")),
            ("content-type", optional(vector, "content_type")),
        ]);
        Self {
            name: text(vector, "name").to_owned(),
            credentials: vector_credentials(vector),
            time: parse_rfc1123(text(vector, "date")).expect("date"),
            method: text(vector, "method").to_owned(),
            path: text(vector, "path").to_owned(),
            headers: content.into_iter().chain(headers(vector)).collect(),
        }
    }

    fn request<'a>(&'a self, headers: &'a [(String, String)]) -> Request<'a> {
        Request {
            method: &self.method,
            path: &self.path,
            headers,
            ..Request::default()
        }
    }

    fn sign_with(&self, headers: &[(String, String)]) -> SigningOutput {
        fc2::sign(
            &self.request(headers),
            &fc2::SigningParams {
                credentials: &self.credentials,
                time: self.time,
            },
        )
    }

    /// The signed request as FC receives it.
    fn received(&self) -> Received {
        let host = "1234567890123456.cn-hangzhou.fc.aliyuncs.com";
        Received {
            method: self.method.clone(),
            path: self.path.clone(),
            query: Vec::new(),
            headers: received(&self.headers, &self.sign_with(&self.headers), host),
            also_signed: Vec::new(),
            known: self.credentials.clone(),
            now: self.time,
        }
    }
}

/// `tempBucketToken`'s own request, its clock pinned to the vector's, is exactly the vector's:
/// `host`, the account, the signer's headers, the signature.
#[test]
fn temp_bucket_lend_with_the_vector_s_clock_sends_exactly_its_request() {
    for vector in scheme_vectors("fc2", 2) {
        let case = Fc2Case::new(&vector);
        let name = &case.name;
        let account_id = header(&case.headers, "x-fc-account-id").expect("account");
        let endpoint = Endpoint::fc2_for_account(
            &AccountId::parse(account_id).expect("account id"),
            &Region::parse("cn-hangzhou").expect("region"),
        );
        let lent = r#"{"credentials":{"AccessKeyId":"STS.lent","AccessKeySecret":"s","SecurityToken":"t"},"ossRegion":"oss-cn-hangzhou","ossBucket":"bucket","objectName":"o.zip"}"#;
        let transport = Capturing::new(200, &[], lent);
        let time = case.time;
        block_on(temp_bucket::lend(
            &transport,
            &endpoint,
            account_id,
            &case.credentials,
            &move || time,
            &mut Unmasked,
        ))
        .expect("lent");

        let sent = transport.only();
        let mut wanted = vec![("host".to_owned(), endpoint.host().to_owned())];
        wanted.extend(case.headers.iter().cloned());
        wanted.extend(present(&[
            ("date", Some(text(&vector, "date"))),
            ("x-fc-security-token", optional(&vector, "security_token")),
            ("authorization", Some(text(&vector, "authorization"))),
        ]));
        assert_eq!(sent.headers, wanted, "{name}");
        assert_eq!(sent.method, text(&vector, "method"), "{name}");
        assert_eq!(sent.url, endpoint.url(text(&vector, "path")), "{name}");
    }
}

/// A masker for a call whose lent secrets are made up.
struct Unmasked;

impl Masker for Unmasked {
    fn mask(&mut self, _: &Secret) {}
}

#[test]
fn fc2_signer_reproduces_every_vector() {
    for vector in scheme_vectors("fc2", 2) {
        let case = Fc2Case::new(&vector);
        let name = &case.name;
        let output = case.sign_with(&case.headers);

        assert_eq!(output.header("date"), Some(text(&vector, "date")), "{name}");
        assert_eq!(
            output.header("x-fc-security-token"),
            optional(&vector, "security_token"),
            "{name}"
        );
        assert_eq!(
            output.header("authorization"),
            Some(text(&vector, "authorization")),
            "{name}"
        );
        assert_eq!(
            output.headers.last().map(|(key, _)| key.as_str()),
            Some("authorization"),
            "{name}: authorization comes last"
        );
        let parsed =
            fc2_verify::parse_authorization(text(&vector, "authorization")).expect("parses");
        assert_eq!(parsed.to_string(), text(&vector, "authorization"), "{name}");

        let all: Vec<(String, String)> = case
            .headers
            .iter()
            .chain(&output.headers)
            .filter(|(key, _)| key != "authorization")
            .cloned()
            .collect();
        let string_to_sign = fc2::StringToSign::new(&case.request(&all));
        assert_eq!(
            Some(string_to_sign.to_string()),
            lines(&vector, "string_to_sign"),
            "{name}"
        );
        assert_eq!(
            format!(
                "FC {}:{}",
                case.credentials.access_key_id,
                string_to_sign.signature(case.credentials.access_key_secret.expose())
            ),
            text(&vector, "authorization"),
            "{name}"
        );

        let mut with_host = case.headers.clone();
        with_host.push(("Host".to_owned(), "anywhere.example".to_owned()));
        assert_eq!(
            case.sign_with(&with_host).header("authorization"),
            Some(text(&vector, "authorization")),
            "{name}: host is not signed"
        );
    }
}

/// A signed request as its verifier receives it, and what the server knows: what each row of
/// [`CHANGES`] alters.
#[derive(Clone)]
struct Received {
    method: String,
    /// What the scheme signs as the path: OSS's `/bucket/key`, FC 2.0's path.
    path: String,
    /// Decoded pairs.
    query: Vec<(String, String)>,
    /// Lower-case names, `host` among them.
    headers: Vec<(String, String)>,
    /// Headers signed because the signature names them (OSS's `AdditionalHeaders`).
    also_signed: Vec<String>,
    /// The credentials the server holds for the key id.
    known: Credentials,
    /// The server's clock.
    now: OffsetDateTime,
}

impl Received {
    /// The request as the verifiers read it.
    fn request(&self) -> fc_local::verify::Request<'_> {
        fc_local::verify::Request {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: b"",
        }
    }

    /// Sets header `name` to `value` alone, adding it when it is not there.
    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(key, _)| key != name);
        self.headers.push((name.to_owned(), value.to_owned()));
    }
}

/// What differs between the two schemes, as far as their verifiers' answers go.
struct Scheme {
    name: &'static str,
    verify: fn(&Received) -> Result<(), AuthError>,
    /// This scheme's column of [`CHANGES`]: `(OSS V4's, FC 2.0's)` → its own.
    answer: fn((Answer, Answer)) -> Answer,
    /// The code of a signature that does not match.
    mismatch: &'static str,
    /// The code of a key id the server does not know.
    unknown_key: &'static str,
    /// Whether the scheme signs header `name` (lower case) whenever it is present.
    signs: fn(&str) -> bool,
    /// The signing time's header, which the signature covers as well.
    date_header: &'static str,
    format_date: fn(OffsetDateTime) -> String,
    /// A header of the family the scheme signs, which no vector carries.
    family_header: &'static str,
    /// Signed headers the verifier checks before the signature, and its code when one is
    /// changed.
    checked_first: &'static [(&'static str, &'static str)],
}

const OSS_V4: Scheme = Scheme {
    name: "OSS V4",
    verify: |received| {
        oss_v4_verify::verify(&received.request(), lookup(&received.known), received.now)
    },
    answer: |(oss_v4, _)| oss_v4,
    mismatch: "SignatureDoesNotMatch",
    unknown_key: "InvalidAccessKeyId",
    signs: oss_v4::is_signed_by_default,
    date_header: oss_v4::DATE_HEADER,
    format_date: format_iso8601_basic,
    family_header: "x-oss-meta-added",
    checked_first: &[(oss_v4::CONTENT_SHA256_HEADER, "InvalidArgument")],
};

const FC2: Scheme = Scheme {
    name: "FC 2.0",
    verify: |received| {
        fc2_verify::verify(&received.request(), lookup(&received.known), received.now)
    },
    answer: |(_, fc2)| fc2,
    mismatch: "SignatureNotMatch",
    unknown_key: "InvalidAccessKeyID",
    signs: |name| {
        name.starts_with("x-fc-")
            || [fc2::DATE_HEADER, "content-type", "content-md5"].contains(&name)
    },
    date_header: fc2::DATE_HEADER,
    format_date: format_rfc1123,
    family_header: "x-fc-added",
    checked_first: &[],
};

/// What a verifier must answer to a changed request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// Taken: the change is outside what the scheme covers.
    Accepted,
    /// The scheme's own code for a signature that does not match.
    Mismatch,
    /// The scheme's own code for a key id it does not know.
    UnknownKey,
    /// This code, whichever the scheme.
    Code(&'static str),
}

/// A change to a signed request or to what the server knows.
#[derive(Clone, Copy, Debug)]
enum Edit {
    Nothing,
    /// The server's clock moved by this many minutes.
    Clock(i64),
    Header(&'static str, &'static str),
    /// The scheme's [`Scheme::family_header`] added.
    FamilyHeader,
    PathAppended(&'static str),
    OtherMethod,
    QueryAdded,
    FirstQueryValueChanged,
    FirstQueryDropped,
    WrongSecret,
    UnknownKeyId,
    /// A token when the credentials carry none, none when they carry one.
    OtherToken,
}

impl Edit {
    /// Makes the change; `false` when the request has nothing to change (no query).
    fn apply(self, scheme: &Scheme, received: &mut Received) -> bool {
        match self {
            Nothing => {}
            Clock(minutes) => received.now += Duration::minutes(minutes),
            Header(name, value) => received.set_header(name, value),
            FamilyHeader => received.set_header(scheme.family_header, "1"),
            PathAppended(tail) => received.path.push_str(tail),
            OtherMethod => {
                let other = if received.method == "PUT" {
                    "POST"
                } else {
                    "PUT"
                };
                received.method = other.to_owned();
            }
            QueryAdded => received.query.push(("extra".to_owned(), "1".to_owned())),
            FirstQueryValueChanged => match received.query.first_mut() {
                Some((_, value)) => value.push('x'),
                None => return false,
            },
            FirstQueryDropped if received.query.is_empty() => return false,
            FirstQueryDropped => drop(received.query.remove(0)),
            WrongSecret => received.known.access_key_secret = Secret::new("not-the-secret"),
            UnknownKeyId => received.known.access_key_id = "someone-else".to_owned(),
            OtherToken => {
                received.known.security_token = match received.known.security_token {
                    Some(_) => None,
                    None => Some(Secret::new("a-token-never-sent")),
                }
            }
        }
        true
    }
}

/// Every change but those of each signed header's value, which [`refusals`] derives from the
/// request itself: what it is, the edit, then OSS V4's answer and FC 2.0's.
#[rustfmt::skip] // a table: one change a line, the two answers in columns
const CHANGES: &[(&str, Edit, Answer, Answer)] = &[
    ("nothing",                              Nothing,                       Accepted,   Accepted),
    ("the server's clock 15 minutes ahead",  Clock(15),                     Accepted,   Accepted),
    ("the server's clock 15 minutes behind", Clock(-15),                    Accepted,   Accepted),
    ("the server's clock 16 minutes ahead",  Clock(16),                     SKEWED,     SKEWED),
    ("another host",                         Header("host", "elsewhere"),   Accepted,   Accepted),
    ("an added user-agent",                  Header("user-agent", "x"),     Accepted,   Accepted),
    ("an added header of the signed family", FamilyHeader,                  Mismatch,   Mismatch),
    ("a changed or added content-type",      Header("content-type", "a/b"), Mismatch,   Mismatch),
    ("a changed or added content-md5",       Header("content-md5", MD5),    Mismatch,   Mismatch),
    ("a changed path",                       PathAppended(".other"),        Mismatch,   Mismatch),
    ("a changed method",                     OtherMethod,                   Mismatch,   Mismatch),
    // FC 2.0 signs no query, which is why fc-local refuses a tempBucketToken call with one.
    ("an added query parameter",             QueryAdded,                    Mismatch,   Accepted),
    ("a changed query value",                FirstQueryValueChanged,        Mismatch,   Accepted),
    ("a dropped query parameter",            FirstQueryDropped,             Mismatch,   Accepted),
    ("the wrong secret",                     WrongSecret,                   Mismatch,   Mismatch),
    ("an unknown key id",                    UnknownKeyId,                  UnknownKey, UnknownKey),
    ("a token the credentials do not carry", OtherToken,                    TOKEN,      TOKEN),
];

const SKEWED: Answer = Code("RequestTimeTooSkewed");
const TOKEN: Answer = Code("InvalidSecurityToken");
/// The MD5 of nothing, which no vector carries.
const MD5: &str = "1B2M2Y8AsgTpgAmY7PhCfg==";

/// Every value the signature covers, changed one at a time: `(what, changed request, answer)`.
fn refusals(scheme: &Scheme, signed: &Received) -> Vec<(String, Received, Answer)> {
    let covered: Vec<(String, String)> = signed
        .headers
        .iter()
        .filter(|(name, _)| (scheme.signs)(name) || signed.also_signed.contains(name))
        .cloned()
        .collect();
    assert!(covered.len() >= 2, "{covered:?}");
    covered
        .into_iter()
        .map(|(name, value)| {
            // Still a valid date on the same day, so only the signature can catch it.
            let changed = if name == scheme.date_header {
                (scheme.format_date)(signed.now + Duration::seconds(1))
            } else {
                format!("{value}x")
            };
            let answer = match scheme
                .checked_first
                .iter()
                .find(|(first, _)| *first == name)
            {
                Some((_, code)) => Code(code),
                None => Mismatch,
            };
            let mut received = signed.clone();
            received.set_header(&name, &changed);
            (format!("a changed {name}"), received, answer)
        })
        .collect()
}

/// Runs [`CHANGES`] and [`refusals`] against `scheme`'s verifier, `signed` being a vector as
/// it arrives. A refusal never shows the secret or the token.
fn check_answers(scheme: &Scheme, vector: &str, signed: &Received) {
    let tabled = CHANGES.iter().filter_map(|&(what, edit, oss_v4, fc2)| {
        let mut received = signed.clone();
        let answer = (scheme.answer)((oss_v4, fc2));
        edit.apply(scheme, &mut received)
            .then(|| (what.to_owned(), received, answer))
    });
    for (what, received, answer) in tabled.chain(refusals(scheme, signed)) {
        let context = format!("{} {vector}: {what}", scheme.name);
        let expected = match answer {
            Accepted => None,
            Mismatch => Some(scheme.mismatch),
            UnknownKey => Some(scheme.unknown_key),
            Code(code) => Some(code),
        };
        match ((scheme.verify)(&received), expected) {
            (Ok(()), None) => {}
            (Ok(()), Some(code)) => panic!("{context}: accepted, but must be refused with {code}"),
            (Err(error), None) => panic!("{context}: refused, but must be accepted: {error}"),
            (Err(error), Some(code)) => {
                assert_eq!(error.code, code, "{context}: {error}");
                assert_discreet(&error, &signed.known, &context);
            }
        }
    }
}

/// Neither the secret nor the token ever goes back to the client.
fn assert_discreet(error: &AuthError, credentials: &Credentials, context: &str) {
    let secret = credentials.access_key_secret.expose();
    assert!(!error.message.contains(secret), "{context}: {error}");
    if let Some(token) = &credentials.security_token {
        assert!(
            !error.message.contains(token.expose()),
            "{context}: {error}"
        );
    }
}

#[test]
fn oss_verifier_accepts_every_vector_and_refuses_any_signed_change() {
    for vector in scheme_vectors("oss_v4", 6) {
        let case = OssCase::new(&vector);
        check_answers(&OSS_V4, &case.name, &case.received());
    }
}

#[test]
fn fc2_verifier_accepts_every_vector_and_refuses_any_signed_change() {
    for vector in scheme_vectors("fc2", 2) {
        let case = Fc2Case::new(&vector);
        check_answers(&FC2, &case.name, &case.received());
    }
}

#[test]
fn the_signed_header_changes_cover_what_each_scheme_signs() {
    let oss = OssCase::new(&scheme_vectors("oss_v4", 6)[5]).received();
    let names = |scheme: &Scheme, received: &Received| -> Vec<String> {
        refusals(scheme, received)
            .into_iter()
            .map(|(what, _, _)| what)
            .collect()
    };
    let oss_names = names(&OSS_V4, &oss);
    for signed in [
        "x-oss-date",
        "x-oss-content-sha256",
        "x-oss-security-token",
        "content-md5",
    ] {
        assert!(
            oss_names.contains(&format!("a changed {signed}")),
            "{oss_names:?}"
        );
    }
    let fc2 = Fc2Case::new(&scheme_vectors("fc2", 2)[1]).received();
    let fc2_names = names(&FC2, &fc2);
    for signed in ["date", "x-fc-account-id", "x-fc-security-token"] {
        assert!(
            fc2_names.contains(&format!("a changed {signed}")),
            "{fc2_names:?}"
        );
    }
    assert!(header(&fc2.headers, "host").is_some());
    assert!(!fc2_names.contains(&"a changed host".to_owned()));
}
