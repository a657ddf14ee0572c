//! The HTTP edge: plain request and reply values, the [`Transport`] that carries them, and
//! its real implementation over reqwest. API clients (FC today, OSS and STS next) build an
//! [`HttpRequest`] and read an [`HttpReply`]; tests hand them a transport of their own.

use std::error::Error as _;
use std::future::Future;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

/// API replies are JSON of a few KB; anything past this is not an answer worth reading.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// 100 MB of Base64 over a slow runner link takes minutes, not seconds.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const USER_AGENT: &str = concat!("fc-layer-action/", env!("CARGO_PKG_VERSION"));

/// A request as it goes on the wire; the body may be empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A reply, whatever its status; header names in lower case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// No reply came: the connection failed, broke or timed out.
    #[error("could not reach {origin}: {detail}")]
    Unreachable { origin: String, detail: String },
    #[error("the reply from {origin} is over {limit} bytes, more than any API answer")]
    ReplyTooLarge { origin: String, limit: usize },
    /// The value is left out: it may be the security token.
    #[error("header {name} holds characters HTTP cannot carry")]
    InvalidHeader { name: String },
    #[error("{url:?} is not a URL")]
    InvalidUrl { url: String },
    #[error("cannot set up the HTTP client: {detail}")]
    Setup { detail: String },
}

/// Sends one request and returns the reply, whatever its status.
pub trait Transport {
    fn send(&self, request: HttpRequest)
    -> impl Future<Output = Result<HttpReply, TransportError>>;
}

/// The real network: rustls with the ring provider, no redirects, bounded replies.
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new() -> Result<Self, TransportError> {
        // reqwest is built without a default provider (see Cargo.toml); an error here only
        // means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            // The APIs never redirect; following one would re-send a signed request, token
            // and body to wherever `Location` points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .map_err(|error| TransportError::Setup {
                detail: describe(&error),
            })?;
        Ok(Self { http })
    }
}

impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let url = Url::parse(&request.url).map_err(|_| TransportError::InvalidUrl {
            url: request.url.clone(),
        })?;
        let origin = url.origin().ascii_serialization();
        let unreachable = |error: reqwest::Error| TransportError::Unreachable {
            origin: origin.clone(),
            detail: describe(&error),
        };
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            TransportError::Setup {
                detail: format!("{:?} is not an HTTP method", request.method),
            }
        })?;
        let mut builder = self
            .http
            .request(method, url)
            .headers(header_map(&request.headers)?);
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let mut response = builder.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(TransportError::ReplyTooLarge {
                    origin,
                    limit: MAX_REPLY_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpReply {
            status,
            headers,
            body,
        })
    }
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, TransportError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let invalid = || TransportError::InvalidHeader { name: name.clone() };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
        map.append(name, value);
    }
    Ok(map)
}

/// The error and its causes on one line: reqwest's own message alone rarely says what failed.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
