//! The published signature vectors (tests/data/*.json, the same files the suite checks the
//! action's signers with) against fc-local's own verifiers: each canonical text a vector
//! gives is rebuilt byte for byte, each vector's request is accepted at its own time, and
//! refused once any byte of its signature, any signed header, its method, path or body
//! changes.
//!
//! - [`acs3`]: ACS3-HMAC-SHA256, FC 3.0's and STS's (signature-vectors.json).
//! - [`oss_v4`] and [`fc2`]: OSS V4's and FC 2.0's (oss-signature-vectors.json).

mod acs3;
mod fc2;
mod oss_v4;

use fc_layer_action::credentials::Credentials;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::AuthError;
use super::request::Request;

/// ACS3's vectors, STS's AssumeRole among them.
const ACS3_VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/signature-vectors.json"
));

/// OSS V4's and FC 2.0's vectors.
const OSS_VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/oss-signature-vectors.json"
));

/// The vectors under `key` of a vector file's text, which must be `expected` many.
fn list(text: &str, key: &str, expected: usize) -> Vec<Value> {
    let data: Value = serde_json::from_str(text).expect("valid JSON");
    let vectors = data[key].as_array().expect("a list of vectors").clone();
    assert_eq!(vectors.len(), expected, "every {key} vector in the notes");
    vectors
}

fn text<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", vector["name"]))
}

/// A text the vector lists line by line, joined with `\n` and no final newline.
fn lines(vector: &Value, key: &str) -> Option<String> {
    let lines: Vec<&str> = vector[key]
        .as_array()?
        .iter()
        .map(|line| line.as_str().expect("a line"))
        .collect();
    Some(lines.join("\n"))
}

/// `headers` as `[name, value]` pairs, names in lower case as a server reads them.
fn headers(vector: &Value) -> Vec<(String, String)> {
    vector["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|pair| {
            let name = pair[0].as_str().expect("a name").to_ascii_lowercase();
            (name, pair[1].as_str().expect("a value").to_owned())
        })
        .collect()
}

/// The vector's key pair, temporary when it comes with `security_token`.
fn credentials(vector: &Value, security_token: Option<&str>) -> Credentials {
    let credentials = Credentials::new(
        text(vector, "access_key_id"),
        text(vector, "access_key_secret"),
    );
    match security_token {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    }
}

/// A vector's request as its service receives it, with what the service knows.
#[derive(Clone)]
struct Signed {
    name: String,
    method: String,
    /// The path the scheme signs.
    path: String,
    /// Decoded pairs.
    query: Vec<(String, String)>,
    /// Lower-case names, `authorization` among them.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The signature, which ends the `authorization` header.
    signature: String,
    /// The headers the signature covers, by name.
    signed: Vec<String>,
    known: Credentials,
    /// The vector's signing time, as the server's clock.
    now: OffsetDateTime,
}

impl Signed {
    fn request(&self) -> Request<'_> {
        Request {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn header(&self, name: &str) -> &str {
        self.request().header(name).expect("the header is sent")
    }

    /// Sets header `name` to `value` alone.
    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(key, _)| key != name);
        self.headers.push((name.to_owned(), value.to_owned()));
    }
}

/// One scheme's verifier, and what it answers to each change of a signed request.
struct Scheme {
    verify: fn(&Signed) -> Result<(), AuthError>,
    /// The code of a signature that does not match.
    mismatch: &'static str,
    /// The signing time's header, and how it is written.
    date_header: &'static str,
    format_date: fn(OffsetDateTime) -> String,
    /// Signed headers checked before the signature, with the code a change gets.
    checked_first: &'static [(&'static str, &'static str)],
    /// The code a changed body gets; `None` where the scheme leaves the body unsigned.
    changed_body: Option<&'static str>,
}

/// Each way of changing one byte of the signature: the character at each position swapped
/// for another that is still valid hex and Base64.
fn signature_changes(signature: &str) -> Vec<String> {
    (0..signature.len())
        .map(|at| {
            let mut changed = signature.to_owned();
            let other = if &signature[at..=at] == "a" { "b" } else { "a" };
            changed.replace_range(at..=at, other);
            changed
        })
        .collect()
}

/// Every change the vector's request must be refused for, with the code expected
/// (`None`: accepted).
fn changes(scheme: &Scheme, signed: &Signed) -> Vec<(String, Signed, Option<&'static str>)> {
    let mut changes = vec![("nothing".to_owned(), signed.clone(), None)];
    let authorization = signed.header("authorization");
    let unsigned = authorization
        .strip_suffix(signed.signature.as_str())
        .expect("the signature ends the authorization");
    for (at, changed) in signature_changes(&signed.signature).into_iter().enumerate() {
        let mut request = signed.clone();
        request.set_header("authorization", &format!("{unsigned}{changed}"));
        changes.push((
            format!("signature byte {at}"),
            request,
            Some(scheme.mismatch),
        ));
    }
    for name in &signed.signed {
        let value = signed.header(name);
        // Still a valid date, so that only the signature can catch it.
        let changed = if name == scheme.date_header {
            (scheme.format_date)(signed.now + Duration::seconds(1))
        } else {
            format!("{value}x")
        };
        let code = scheme
            .checked_first
            .iter()
            .find(|(first, _)| first == name)
            .map_or(scheme.mismatch, |(_, code)| code);
        let mut request = signed.clone();
        request.set_header(name, &changed);
        changes.push((format!("a changed {name}"), request, Some(code)));
    }
    let mut other = signed.clone();
    other.method = if signed.method == "PUT" {
        "POST"
    } else {
        "PUT"
    }
    .to_owned();
    changes.push(("another method".to_owned(), other, Some(scheme.mismatch)));
    let mut other = signed.clone();
    other.path.push('x');
    changes.push(("another path".to_owned(), other, Some(scheme.mismatch)));
    let mut other = signed.clone();
    match other.body.first_mut() {
        Some(byte) => *byte ^= 1,
        None => other.body.push(b'x'),
    }
    changes.push(("a changed body".to_owned(), other, scheme.changed_body));
    changes
}

/// Runs [`changes`] against `scheme`'s verifier: the vector as sent is accepted, every
/// change answered as it must be, and no refusal shows the secret or the token.
fn check_answers(scheme: &Scheme, signed: &Signed) {
    for (what, request, expected) in changes(scheme, signed) {
        let context = format!("{}: {what}", signed.name);
        match ((scheme.verify)(&request), expected) {
            (Ok(()), None) => {}
            (Ok(()), Some(code)) => panic!("{context}: accepted, but must be refused with {code}"),
            (Err(error), None) => panic!("{context}: refused, but must be accepted: {error}"),
            (Err(error), Some(code)) => {
                assert_eq!(error.code, code, "{context}: {error}");
                let secret = signed.known.access_key_secret.expose();
                assert!(!error.message.contains(secret), "{context}: {error}");
                if let Some(token) = &signed.known.security_token {
                    assert!(
                        !error.message.contains(token.expose()),
                        "{context}: {error}"
                    );
                }
            }
        }
    }
}

/// What `known` make of a key id: themselves for theirs, nothing for any other.
fn lookup(known: &Credentials) -> impl Fn(&str) -> Option<Credentials> + '_ {
    move |id: &str| (id == known.access_key_id).then(|| known.clone())
}
