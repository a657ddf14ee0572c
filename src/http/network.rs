//! The real network: reqwest over rustls, with the environment's proxies, no redirects,
//! bounded replies, and a watchdog that names the phase of an exchange that went silent.

use std::error::Error as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use super::{HttpReply, HttpRequest, Phase, Transport, TransportError};
use crate::proxy::{self, ProxySettings};

/// API replies are JSON of a few KB; anything past this is not an answer worth reading.
pub(crate) const MAX_REPLY_BYTES: usize = 1024 * 1024;
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// No byte sent or received for this long fails the exchange.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// A ceiling for the whole exchange: 100 MB of Base64 over a slow runner link takes minutes.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Request bodies go out in pieces this big, each one a sign of progress.
const BODY_CHUNK_BYTES: usize = 64 * 1024;
const USER_AGENT: &str = concat!("fc-layer-action/", env!("CARGO_PKG_VERSION"));

/// How long the real transport waits; tests shorten them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    connect: Duration,
    idle: Duration,
}

/// Shortens both timeouts to this many seconds, so that tests of silent servers take seconds.
pub const ENV_TEST_TIMEOUT_SECS: &str = "FC_LAYER_ACTION_TEST_TIMEOUT_SECS";

impl Timeouts {
    /// The defaults, or both set to [`ENV_TEST_TIMEOUT_SECS`] when `env` has it.
    pub(crate) fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        match env(ENV_TEST_TIMEOUT_SECS).and_then(|secs| secs.trim().parse().ok()) {
            Some(secs) => Self {
                connect: Duration::from_secs(secs),
                idle: Duration::from_secs(secs),
            },
            None => Self::default(),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: CONNECT_TIMEOUT,
            idle: IDLE_TIMEOUT,
        }
    }
}

/// The real network: rustls with the ring provider, the environment's proxies, no
/// redirects, bounded replies, connect and idle timeouts.
pub struct ReqwestTransport {
    http: reqwest::Client,
    proxies: Arc<ProxySettings>,
    timeouts: Timeouts,
}

impl ReqwestTransport {
    pub fn new(proxies: ProxySettings, timeouts: Timeouts) -> Result<Self, TransportError> {
        // reqwest is built without a default provider (see Cargo.toml); an error here only
        // means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let proxies = Arc::new(proxies);
        let chosen = Arc::clone(&proxies);
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(TOTAL_TIMEOUT)
            // The APIs never redirect; following one would re-send a signed request, token
            // and body to wherever `Location` points.
            .redirect(reqwest::redirect::Policy::none())
            // One decision for the client and for error messages: ours, not reqwest's own
            // reading of the environment (which ignores `NO_PROXY=*`).
            .no_proxy()
            .proxy(reqwest::Proxy::custom(move |url| {
                chosen.proxy_for(url).cloned()
            }))
            .user_agent(USER_AGENT)
            .build()
            .map_err(|error| TransportError::Setup {
                detail: describe(&error),
            })?;
        Ok(Self {
            http,
            proxies,
            timeouts,
        })
    }
}

impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let url = Url::parse(&request.url).map_err(|_| TransportError::InvalidUrl {
            url: request.url.clone(),
        })?;
        let origin = url.origin().ascii_serialization();
        let proxy = self.proxies.proxy_for(&url).map(proxy::display);
        let activity = Activity::new();
        let exchange = exchange(&self.http, request, url, &activity);
        tokio::pin!(exchange);
        let result = loop {
            let (last, phase) = activity.get();
            // While connecting, the connect timeout speaks first; the watchdog takes over once
            // the connection must be up.
            let patience = if phase == Phase::Connecting {
                self.timeouts
                    .idle
                    .max(self.timeouts.connect + Duration::from_secs(1))
            } else {
                self.timeouts.idle
            };
            tokio::select! {
                result = &mut exchange => break result,
                () = tokio::time::sleep_until(last + patience) => {
                    if activity.get() == (last, phase) {
                        return Err(TransportError::TimedOut {
                            origin,
                            proxy,
                            // Connected (or the connect timeout would have fired) but no
                            // body was asked for: the request is out, the reply is awaited.
                            phase: if phase == Phase::Connecting { Phase::Waiting } else { phase },
                            after: self.timeouts.idle,
                        });
                    }
                }
            }
        };
        result.map_err(|failure| match failure {
            Failure::TooLarge => TransportError::ReplyTooLarge {
                origin: origin.clone(),
                limit: MAX_REPLY_BYTES,
            },
            Failure::Header(InvalidHeader { name }) => TransportError::InvalidHeader { name },
            Failure::Method(method) => TransportError::Setup {
                detail: format!("{method:?} is not an HTTP method"),
            },
            Failure::Http(error) if error.is_connect() && error.is_timeout() => {
                TransportError::TimedOut {
                    origin: origin.clone(),
                    proxy: proxy.clone(),
                    phase: Phase::Connecting,
                    after: self.timeouts.connect,
                }
            }
            // Behind a proxy the proxy resolves the name; a failure here is the proxy's own.
            Failure::Http(error) if proxy.is_none() && is_dns_failure(&error) => {
                TransportError::Unresolved {
                    origin: origin.clone(),
                    detail: describe(&error),
                }
            }
            Failure::Http(error) => TransportError::Unreachable {
                origin: origin.clone(),
                proxy: proxy.clone(),
                detail: describe(&error),
                request_sent: !error.is_connect(),
            },
        })
    }
}

enum Failure {
    Http(reqwest::Error),
    TooLarge,
    Header(InvalidHeader),
    Method(&'static str),
}

/// A header that cannot go on the wire, by its name: the value may be a secret.
struct InvalidHeader {
    name: String,
}

/// One request and its reply, recording every sign of life in `activity`.
async fn exchange(
    http: &reqwest::Client,
    request: HttpRequest,
    url: Url,
    activity: &Activity,
) -> Result<HttpReply, Failure> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| Failure::Method(request.method))?;
    let mut builder = http
        .request(method, url)
        .headers(header_map(&request.headers).map_err(Failure::Header)?);
    if !request.body.is_empty() {
        builder = builder.body(reqwest::Body::wrap(ProgressBody {
            data: request.body,
            sent: 0,
            activity: activity.clone(),
            progress: request.progress,
        }));
    }
    let mut response = builder.send().await.map_err(Failure::Http)?;
    activity.touch(Phase::Receiving);
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
    if response
        .content_length()
        .is_some_and(|length| length > MAX_REPLY_BYTES as u64)
    {
        return Err(Failure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Failure::Http)? {
        activity.touch(Phase::Receiving);
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(Failure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpReply {
        status,
        headers,
        body,
    })
}

/// When the exchange last moved, and in which phase: shared by the request body, the reply
/// reader and the watchdog in [`ReqwestTransport::send`].
#[derive(Clone)]
struct Activity(Arc<Mutex<(Instant, Phase)>>);

impl Activity {
    fn new() -> Self {
        Self(Arc::new(Mutex::new((Instant::now(), Phase::Connecting))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Instant, Phase)> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn touch(&self, phase: Phase) {
        *self.lock() = (Instant::now(), phase);
    }

    fn get(&self) -> (Instant, Phase) {
        *self.lock()
    }
}

/// A request body handed to the connection a chunk at a time, each chunk taken counting as
/// progress. Its exact size hint makes the request carry `Content-Length`.
struct ProgressBody {
    data: Bytes,
    sent: usize,
    activity: Activity,
    progress: Option<Arc<AtomicU64>>,
}

impl Body for ProgressBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let start = self.sent;
        if start >= self.data.len() {
            self.activity.touch(Phase::Waiting);
            return Poll::Ready(None);
        }
        let end = (start + BODY_CHUNK_BYTES).min(self.data.len());
        self.sent = end;
        if let Some(progress) = &self.progress {
            progress.fetch_add((end - start) as u64, Ordering::Relaxed);
        }
        // hyper asks no further once the last chunk is out (`is_end_stream`), so taking the
        // last one is when the request has been handed over whole.
        let phase = if end == self.data.len() {
            Phase::Waiting
        } else {
            Phase::Sending
        };
        self.activity.touch(phase);
        Poll::Ready(Some(Ok(Frame::data(self.data.slice(start..end)))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.data.len()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact((self.data.len() - self.sent) as u64)
    }
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, InvalidHeader> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let invalid = || InvalidHeader { name: name.clone() };
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
        map.append(header_name, value);
    }
    Ok(map)
}

/// Whether the host's name did not resolve. reqwest and hyper-util keep their DNS error
/// types private, so their messages are what tells: hyper-util's connector says
/// `dns error`, reqwest's own resolver `error resolving DNS`.
fn is_dns_failure(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.starts_with("dns error") || text.starts_with("error resolving DNS") {
            return true;
        }
        source = cause.source();
    }
    false
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
