//! The OSS V4 and FC 2.0 vectors (tests/data/oss-signature-vectors.json) reproduced by the
//! signers, accepted by their verifiers, and refused once anything signed changes.

use fc_layer_action::credentials::{Credentials, Secret};
use fc_layer_action::encode;
use fc_layer_action::sign::primitives::{format_iso8601_basic, format_rfc1123};
use fc_layer_action::sign::{Request, SigningOutput, fc2, oss_v4};
use fc_local::verify::AuthError;
use fc_local::verify::dates::{parse_iso8601_basic, parse_rfc1123};
use fc_local::verify::{fc2 as fc2_verify, oss_v4 as oss_v4_verify};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

fn data() -> Value {
    serde_json::from_str(include_str!("../data/oss-signature-vectors.json")).expect("valid JSON")
}

fn vectors(scheme: &str, expected: usize) -> Vec<Value> {
    let vectors = data()[scheme].as_array().expect(scheme).clone();
    assert_eq!(
        vectors.len(),
        expected,
        "every {scheme} vector in the notes"
    );
    vectors
}

fn text<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", vector["name"]))
}

fn optional<'a>(vector: &'a Value, key: &str) -> Option<&'a str> {
    vector[key].as_str()
}

fn lines(vector: &Value, key: &str) -> Option<String> {
    let lines = vector[key].as_array()?;
    let lines: Vec<&str> = lines
        .iter()
        .map(|line| line.as_str().expect("line"))
        .collect();
    Some(lines.join("\n"))
}

fn headers(vector: &Value) -> Vec<(String, String)> {
    vector["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("name").to_owned(),
                pair[1].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

/// Decoded pairs, as a server reads them off the wire.
fn query(vector: &Value) -> Vec<(String, String)> {
    text(vector, "query")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (encode::decode(key), encode::decode(value))
        })
        .collect()
}

fn credentials(vector: &Value) -> Credentials {
    let credentials = Credentials::new(
        text(vector, "access_key_id"),
        text(vector, "access_key_secret"),
    );
    match optional(vector, "security_token") {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    }
}

/// What a server holds for the vector's key id, and nothing for any other.
fn lookup(known: &Credentials) -> impl Fn(&str) -> Option<Credentials> + '_ {
    move |id: &str| (id == known.access_key_id).then(|| known.clone())
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

fn with_header(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut changed: Vec<(String, String)> = headers
        .iter()
        .filter(|(key, _)| key != name)
        .cloned()
        .collect();
    changed.push((name.to_owned(), value.to_owned()));
    changed
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Neither the secret nor the token ever goes back to the client.
fn assert_discreet(error: &AuthError, credentials: &Credentials, name: &str) {
    let secret = credentials.access_key_secret.expose();
    assert!(!error.message.contains(secret), "{name}: {error}");
    if let Some(token) = &credentials.security_token {
        assert!(!error.message.contains(token.expose()), "{name}: {error}");
    }
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
            credentials: credentials(vector),
            region: text(vector, "region").to_owned(),
            time: parse_iso8601_basic(text(vector, "x_oss_date")).expect("x_oss_date"),
            method: text(vector, "method").to_owned(),
            bucket: text(vector, "bucket").to_owned(),
            key: text(vector, "key").to_owned(),
            query: query(vector),
            headers: headers(vector),
            additional_headers: vector["additional_headers"]
                .as_array()
                .expect("additional_headers")
                .iter()
                .map(|name| name.as_str().expect("name").to_owned())
                .collect(),
        }
    }

    fn sign_with(&self, headers: &[(String, String)]) -> SigningOutput {
        let additional: Vec<&str> = self.additional_headers.iter().map(String::as_str).collect();
        oss_v4::sign(
            &Request {
                method: &self.method,
                path: &oss_v4::resource(&self.bucket, &self.key),
                query: &self.query,
                headers,
                body: b"",
            },
            &oss_v4::SigningParams {
                credentials: &self.credentials,
                region: &self.region,
                time: self.time,
                additional_headers: &additional,
            },
        )
    }

    fn sign(&self) -> SigningOutput {
        self.sign_with(&self.headers)
    }

    /// The request a server receives, headers lower-cased, with a `host`.
    fn received_headers(&self) -> Vec<(String, String)> {
        let host = format!("{}.oss-{}.aliyuncs.com", self.bucket, self.region);
        received(&self.headers, &self.sign(), &host)
    }
}

#[test]
fn oss_signer_reproduces_every_vector() {
    for vector in vectors("oss_v4", 6) {
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

        let additional = if case.additional_headers.is_empty() {
            String::new()
        } else {
            format!(",AdditionalHeaders={}", case.additional_headers.join(";"))
        };
        let expected = format!(
            "OSS4-HMAC-SHA256 Credential={}/{}/{}/oss/aliyun_v4_request{additional},Signature={}",
            case.credentials.access_key_id,
            &text(&vector, "x_oss_date")[..8],
            case.region,
            text(&vector, "signature"),
        );
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
    for vector in vectors("oss_v4", 6) {
        let case = OssCase::new(&vector);
        let output = case.sign();
        let all: Vec<(String, String)> = case
            .headers
            .iter()
            .chain(&output.headers)
            .filter(|(name, _)| name != "authorization")
            .cloned()
            .collect();
        let additional: Vec<&str> = case.additional_headers.iter().map(String::as_str).collect();
        let canonical = oss_v4::CanonicalRequest::new(
            &Request {
                method: &case.method,
                path: &oss_v4::resource(&case.bucket, &case.key),
                query: &case.query,
                headers: &all,
                body: b"",
            },
            &additional,
        );
        assert_eq!(
            canonical.additional_headers(),
            case.additional_headers,
            "{}",
            case.name
        );
        let string_to_sign = canonical.string_to_sign(case.time, &case.region);
        let mut expected_lines = vec![
            "OSS4-HMAC-SHA256".to_owned(),
            text(&vector, "x_oss_date").to_owned(),
            format!(
                "{}/{}/oss/aliyun_v4_request",
                &text(&vector, "x_oss_date")[..8],
                case.region
            ),
        ];
        let hash = fc_layer_action::sign::primitives::sha256_hex(canonical.to_string().as_bytes());
        expected_lines.push(hash);
        assert_eq!(string_to_sign, expected_lines.join("\n"), "{}", case.name);
        assert_eq!(
            canonical.signature(
                case.credentials.access_key_secret.expose(),
                case.time,
                &case.region
            ),
            text(&vector, "signature"),
            "{}",
            case.name
        );
        if let Some(expected) = lines(&vector, "canonical_request") {
            assert_eq!(canonical.to_string(), expected, "{}", case.name);
            checked += 1;
        }
        if let Some(expected) = lines(&vector, "string_to_sign") {
            assert_eq!(string_to_sign, expected, "{}", case.name);
            checked += 1;
        }
    }
    assert_eq!(
        checked, 1,
        "the notes give vector 1's canonical request only"
    );
}

#[test]
fn oss_verifier_accepts_every_vector_and_refuses_any_signed_change() {
    for vector in vectors("oss_v4", 6) {
        let case = OssCase::new(&vector);
        let name = case.name.as_str();
        let headers = case.received_headers();
        let known = case.credentials.clone();
        let verify = |method: &str,
                      key: &str,
                      query: &[(String, String)],
                      headers: &[(String, String)],
                      known: &Credentials,
                      now: OffsetDateTime| {
            let request = Request {
                method,
                path: &oss_v4::resource(&case.bucket, key),
                query,
                headers,
                body: b"",
            };
            oss_v4_verify::verify(&request, lookup(known), now)
        };
        let refused = |method: &str,
                       key: &str,
                       query: &[(String, String)],
                       headers: &[(String, String)],
                       known: &Credentials,
                       now: OffsetDateTime,
                       what: &str| {
            let error = verify(method, key, query, headers, known, now)
                .expect_err(&format!("{name}: {what} must be refused"));
            assert_discreet(&error, &case.credentials, name);
            error.code
        };
        let mismatch = |method: &str,
                        key: &str,
                        query: &[(String, String)],
                        headers: &[(String, String)],
                        known: &Credentials,
                        what: &str| {
            assert_eq!(
                refused(method, key, query, headers, known, case.time, what),
                "SignatureDoesNotMatch",
                "{name}: {what}"
            );
        };
        let (method, key, query) = (case.method.as_str(), case.key.as_str(), &case.query[..]);

        verify(method, key, query, &headers, &known, case.time)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        verify(
            method,
            key,
            query,
            &headers,
            &known,
            case.time + Duration::minutes(15),
        )
        .unwrap_or_else(|error| panic!("{name} 15 minutes later: {error}"));

        // Every header the signature covers, changed one at a time.
        let signed_names: Vec<String> = headers
            .iter()
            .map(|(name, _)| name.clone())
            .filter(|header| {
                header.starts_with("x-oss-")
                    || header == "content-type"
                    || header == "content-md5"
                    || case.additional_headers.contains(header)
            })
            .collect();
        assert!(signed_names.len() >= 2, "{name}: {signed_names:?}");
        for signed in &signed_names {
            let value = header(&headers, signed).expect("present");
            let (changed, code) = match signed.as_str() {
                // Still a valid date on the same day, so only the signature can catch it.
                "x-oss-date" => (
                    format_iso8601_basic(case.time + Duration::seconds(1)),
                    "SignatureDoesNotMatch",
                ),
                "x-oss-content-sha256" => (format!("{value}x"), "InvalidArgument"),
                _ => (format!("{value}x"), "SignatureDoesNotMatch"),
            };
            let what = format!("a changed {signed}");
            assert_eq!(
                refused(
                    method,
                    key,
                    query,
                    &with_header(&headers, signed, &changed),
                    &known,
                    case.time,
                    &what
                ),
                code,
                "{name}: {what}"
            );
        }
        mismatch(
            method,
            key,
            query,
            &with_header(&headers, "x-oss-meta-added", "1"),
            &known,
            "an added x-oss-* header",
        );
        mismatch(
            method,
            key,
            query,
            &with_header(&headers, "content-type", "application/octet-stream-changed"),
            &known,
            "a changed or added content-type",
        );

        // Headers outside the signature may change freely.
        verify(
            method,
            key,
            query,
            &with_header(&headers, "host", "elsewhere"),
            &known,
            case.time,
        )
        .unwrap_or_else(|error| panic!("{name}, another host: {error}"));
        verify(
            method,
            key,
            query,
            &with_header(&headers, "user-agent", "x"),
            &known,
            case.time,
        )
        .unwrap_or_else(|error| panic!("{name}, an added user-agent: {error}"));

        mismatch(
            method,
            &format!("{key}.other"),
            query,
            &headers,
            &known,
            "a changed key",
        );
        let other_method = if method == "PUT" { "POST" } else { "PUT" };
        mismatch(
            other_method,
            key,
            query,
            &headers,
            &known,
            "a changed method",
        );
        let mut added = query.to_vec();
        added.push(("extra".to_owned(), "1".to_owned()));
        mismatch(
            method,
            key,
            &added,
            &headers,
            &known,
            "an added query parameter",
        );
        if let Some(((first, value), rest)) = query.split_first() {
            let mut changed = vec![(first.clone(), format!("{value}x"))];
            changed.extend_from_slice(rest);
            mismatch(
                method,
                key,
                &changed,
                &headers,
                &known,
                "a changed query value",
            );
            mismatch(
                method,
                key,
                rest,
                &headers,
                &known,
                "a dropped query parameter",
            );
        }
        let wrong_secret = Credentials {
            access_key_secret: Secret::new("not-the-secret"),
            ..known.clone()
        };
        mismatch(
            method,
            key,
            query,
            &headers,
            &wrong_secret,
            "the wrong secret",
        );

        let stranger = Credentials {
            access_key_id: "someone-else".to_owned(),
            ..known.clone()
        };
        assert_eq!(
            refused(
                method,
                key,
                query,
                &headers,
                &stranger,
                case.time,
                "an unknown key id"
            ),
            "InvalidAccessKeyId",
            "{name}"
        );
        assert_eq!(
            refused(
                method,
                key,
                query,
                &headers,
                &known,
                case.time + Duration::minutes(16),
                "a stale date"
            ),
            "RequestTimeTooSkewed",
            "{name}"
        );
        let token_mismatch = match &known.security_token {
            Some(_) => Credentials {
                security_token: None,
                ..known.clone()
            },
            None => known.clone().with_security_token("a-token-never-sent"),
        };
        assert_eq!(
            refused(
                method,
                key,
                query,
                &headers,
                &token_mismatch,
                case.time,
                "a token mismatch"
            ),
            "InvalidSecurityToken",
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
    headers: Vec<(String, String)>,
}

impl Fc2Case {
    fn new(vector: &Value) -> Self {
        Self {
            name: text(vector, "name").to_owned(),
            credentials: credentials(vector),
            time: parse_rfc1123(text(vector, "date")).expect("date"),
            method: text(vector, "method").to_owned(),
            path: text(vector, "path").to_owned(),
            headers: [
                ("content-md5", "content_md5"),
                ("content-type", "content_type"),
            ]
            .into_iter()
            .filter_map(|(name, key)| Some((name.to_owned(), optional(vector, key)?.to_owned())))
            .chain(headers(vector))
            .collect(),
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
}

#[test]
fn fc2_signer_reproduces_every_vector() {
    for vector in vectors("fc2", 2) {
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

#[test]
fn fc2_verifier_accepts_every_vector_and_refuses_any_signed_change() {
    for vector in vectors("fc2", 2) {
        let case = Fc2Case::new(&vector);
        let name = case.name.as_str();
        let output = case.sign_with(&case.headers);
        let headers = received(
            &case.headers,
            &output,
            "1234567890123456.cn-hangzhou.fc.aliyuncs.com",
        );
        let known = case.credentials.clone();
        let verify =
            |method: &str, path: &str, headers: &[(String, String)], known: &Credentials, now| {
                let request = Request {
                    method,
                    path,
                    headers,
                    ..Request::default()
                };
                fc2_verify::verify(&request, lookup(known), now)
            };
        let refused = |method: &str,
                       path: &str,
                       headers: &[(String, String)],
                       known: &Credentials,
                       now: OffsetDateTime,
                       what: &str| {
            let error = verify(method, path, headers, known, now)
                .expect_err(&format!("{name}: {what} must be refused"));
            assert_discreet(&error, &case.credentials, name);
            error.code
        };
        let mismatch = |method: &str,
                        path: &str,
                        headers: &[(String, String)],
                        known: &Credentials,
                        what: &str| {
            assert_eq!(
                refused(method, path, headers, known, case.time, what),
                "SignatureNotMatch",
                "{name}: {what}"
            );
        };
        let (method, path) = (case.method.as_str(), case.path.as_str());

        verify(method, path, &headers, &known, case.time)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        verify(
            method,
            path,
            &headers,
            &known,
            case.time - Duration::minutes(15),
        )
        .unwrap_or_else(|error| panic!("{name} 15 minutes earlier: {error}"));

        let signed_names: Vec<String> = headers
            .iter()
            .map(|(name, _)| name.clone())
            .filter(|header| header.starts_with("x-fc-") || header == "date")
            .collect();
        assert!(signed_names.len() >= 2, "{name}: {signed_names:?}");
        for signed in &signed_names {
            let value = header(&headers, signed).expect("present");
            // Still a valid date, so only the signature can catch it.
            let changed = if signed == "date" {
                format_rfc1123(case.time + Duration::seconds(1))
            } else {
                format!("{value}x")
            };
            mismatch(
                method,
                path,
                &with_header(&headers, signed, &changed),
                &known,
                &format!("a changed {signed}"),
            );
        }
        mismatch(
            method,
            path,
            &with_header(&headers, "x-fc-added", "1"),
            &known,
            "an added x-fc-* header",
        );
        mismatch(
            method,
            path,
            &with_header(&headers, "content-type", "application/json"),
            &known,
            "an added content-type",
        );
        mismatch(
            method,
            path,
            &with_header(&headers, "content-md5", "SwUj3QXVHmwRZKhHescu7g=="),
            &known,
            "an added content-md5",
        );

        verify(
            method,
            path,
            &with_header(&headers, "host", "elsewhere"),
            &known,
            case.time,
        )
        .unwrap_or_else(|error| panic!("{name}, another host: {error}"));

        mismatch(
            method,
            &format!("{path}x"),
            &headers,
            &known,
            "a changed path",
        );
        mismatch("POST", path, &headers, &known, "a changed method");
        let wrong_secret = Credentials {
            access_key_secret: Secret::new("not-the-secret"),
            ..known.clone()
        };
        mismatch(method, path, &headers, &wrong_secret, "the wrong secret");

        let stranger = Credentials {
            access_key_id: "someone-else".to_owned(),
            ..known.clone()
        };
        assert_eq!(
            refused(
                method,
                path,
                &headers,
                &stranger,
                case.time,
                "an unknown key id"
            ),
            "InvalidAccessKeyID",
            "{name}"
        );
        assert_eq!(
            refused(
                method,
                path,
                &headers,
                &known,
                case.time + Duration::minutes(16),
                "a stale date"
            ),
            "RequestTimeTooSkewed",
            "{name}"
        );
        let token_mismatch = match &known.security_token {
            Some(_) => Credentials {
                security_token: None,
                ..known.clone()
            },
            None => known.clone().with_security_token("a-token-never-sent"),
        };
        assert_eq!(
            refused(
                method,
                path,
                &headers,
                &token_mismatch,
                case.time,
                "a token mismatch"
            ),
            "InvalidSecurityToken",
            "{name}"
        );
    }
}
