//! The published signature vectors, read one way for every scheme (ACS3's in
//! tests/data/signature-vectors.json, OSS V4's and FC 2.0's in
//! tests/data/oss-signature-vectors.json), and a transport that captures what a client sends
//! to reproduce them.

use std::cell::RefCell;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_local::request::query_pairs;
use serde_json::Value;

/// A vector file's text as JSON.
pub fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

/// The vectors under `key`, which must be `expected` many: every one the notes give.
pub fn list(data: &Value, key: &str, expected: usize) -> Vec<Value> {
    let vectors = data[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} vectors"))
        .clone();
    assert_eq!(vectors.len(), expected, "every {key} vector in the notes");
    vectors
}

pub fn text<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", vector["name"]))
}

pub fn optional<'a>(vector: &'a Value, key: &str) -> Option<&'a str> {
    vector[key].as_str()
}

/// A text the vector lists line by line, joined with `\n` and no final newline.
pub fn lines(vector: &Value, key: &str) -> Option<String> {
    let lines: Vec<&str> = vector[key]
        .as_array()?
        .iter()
        .map(|line| line.as_str().expect("line"))
        .collect();
    Some(lines.join("\n"))
}

/// `headers` as `[name, value]` pairs, in the vector's order and case.
pub fn headers(vector: &Value) -> Vec<(String, String)> {
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

/// The headers among `pairs` whose value is there, in order.
pub fn present(pairs: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|&(name, value)| Some((name.to_owned(), value?.to_owned())))
        .collect()
}

/// The first value of header `name`, matched exactly.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `query`'s pairs decoded, as a server reads them off the wire.
pub fn query(vector: &Value) -> Vec<(String, String)> {
    query_pairs(text(vector, "query"))
}

/// The vector's key pair, temporary when it comes with `security_token`.
pub fn credentials(vector: &Value, security_token: Option<&str>) -> Credentials {
    let credentials = Credentials::new(
        text(vector, "access_key_id"),
        text(vector, "access_key_secret"),
    );
    match security_token {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    }
}

/// A verifier's lookup when `known` are the only credentials the service holds.
pub fn lookup(known: &Credentials) -> impl Fn(&str) -> Option<Credentials> + '_ {
    move |id: &str| (id == known.access_key_id).then(|| known.clone())
}

/// A transport that keeps every request and answers each with `reply`: what a client sends,
/// seen without a network.
pub struct Capturing {
    reply: HttpReply,
    sent: RefCell<Vec<HttpRequest>>,
}

impl Capturing {
    pub fn new(status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        let headers = headers
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Self {
            reply: HttpReply {
                status,
                headers,
                body: body.as_bytes().to_vec(),
            },
            sent: RefCell::new(Vec::new()),
        }
    }

    /// The one request sent.
    pub fn only(self) -> HttpRequest {
        let mut sent = self.sent.into_inner();
        assert_eq!(sent.len(), 1, "one request: {sent:?}");
        sent.remove(0)
    }
}

impl Transport for Capturing {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        self.sent.borrow_mut().push(request);
        Ok(self.reply.clone())
    }
}
