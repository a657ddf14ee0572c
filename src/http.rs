//! The HTTP edge: plain request and reply values, the [`Transport`] that carries them, and
//! its real implementation over reqwest, [`ReqwestTransport`] (in `network`). Every client
//! (FC and STS through [`crate::client`], OSS, FC 2.0's temporary bucket) builds an
//! [`HttpRequest`] and reads an [`HttpReply`]; tests hand them a transport of their own.
//!
//! The real transport trusts nothing on the wire: it never follows a redirect, reads at most
//! [`MAX_REPLY_BYTES`] of a reply, and gives up on a connection that neither takes nor gives
//! a byte for the idle timeout, saying which phase of the exchange went silent.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use bytes::Bytes;

mod network;

pub use network::{ENV_TEST_TIMEOUT_SECS, ReqwestTransport, Timeouts};

/// A request as it goes on the wire; the body may be empty.
#[derive(Clone, Debug, Default)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Counts the body's bytes as the connection takes them, for upload progress.
    pub progress: Option<Arc<AtomicU64>>,
}

/// Every transport by reference is one too, so that several clients share one.
impl<T: Transport> Transport for &T {
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpReply, TransportError>> {
        (**self).send(request)
    }
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

    /// Where a 3xx reply to a request for `request_url` points, for an error message: the
    /// host (and port) its `Location` names, resolved against `request_url` as a client that
    /// followed it would; the header itself, capped, when it names none.
    pub(crate) fn redirect_target(&self, request_url: &str) -> String {
        let Some(location) = self.header("location") else {
            return "nowhere (no Location header)".to_owned();
        };
        url::Url::parse(request_url)
            .and_then(|base| base.join(location))
            .ok()
            .and_then(|url| {
                let host = url.host_str()?.to_owned();
                Some(match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| format!("{:?}", crate::outside_text::capped(location)))
    }

    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Where an exchange was when it failed or went silent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Sending,
    Waiting,
    Receiving,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Connecting => "connecting",
            Phase::Sending => "sending the request",
            Phase::Waiting => "waiting for the reply",
            Phase::Receiving => "reading the reply",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// No reply came: the connection failed or broke.
    #[error("could not reach {origin}{}: {detail}", via(.proxy))]
    Unreachable {
        origin: String,
        /// The proxy the request went through, shown without credentials.
        proxy: Option<String>,
        detail: String,
        /// Whether the request may have reached the server: false only when the connection
        /// was never made.
        request_sent: bool,
    },
    /// The host's name did not resolve (DNS), so nothing was sent; never through a proxy,
    /// which resolves names itself.
    #[error("could not reach {origin}: {detail}")]
    Unresolved { origin: String, detail: String },
    #[error("{origin}{} did not answer while {phase}: no byte sent or received for {} s", via(.proxy), .after.as_secs())]
    TimedOut {
        origin: String,
        proxy: Option<String>,
        phase: Phase,
        after: Duration,
    },
    #[error(
        "the reply from {origin} is over {limit} bytes, more than any API answer; the rest was not read"
    )]
    ReplyTooLarge { origin: String, limit: usize },
    /// The value is left out: it may be the security token.
    #[error("header {name} holds characters HTTP cannot carry")]
    InvalidHeader { name: String },
    #[error("{url:?} is not a URL")]
    InvalidUrl { url: String },
    #[error("cannot set up the HTTP client: {detail}")]
    Setup { detail: String },
}

impl TransportError {
    /// Whether the server may have received, and acted on, the request.
    pub(crate) fn request_may_have_arrived(&self) -> bool {
        match self {
            Self::Unreachable { request_sent, .. } => *request_sent,
            Self::Unresolved { .. } => false,
            Self::TimedOut { phase, .. } => *phase != Phase::Connecting,
            Self::ReplyTooLarge { .. } => true,
            Self::InvalidHeader { .. } | Self::InvalidUrl { .. } | Self::Setup { .. } => false,
        }
    }

    /// Whether trying again could succeed: the network failed, not the request.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Unresolved { .. } | Self::TimedOut { .. }
        )
    }

    /// How the request failed when no server (nor proxy) answered at all: its name did not
    /// resolve, or no connection was made. `None` once something answered.
    pub(crate) fn unanswered(&self) -> Option<Unanswered> {
        match self {
            Self::Unresolved { .. } => Some(Unanswered::NotResolved),
            Self::Unreachable {
                request_sent: false,
                proxy,
                ..
            } => Some(Unanswered::NoConnection {
                proxy: proxy.clone(),
            }),
            Self::TimedOut {
                phase: Phase::Connecting,
                proxy,
                ..
            } => Some(Unanswered::NoConnection {
                proxy: proxy.clone(),
            }),
            _ => None,
        }
    }
}

/// Why nothing answered a request ([`TransportError::unanswered`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// DNS had no address for the host.
    NotResolved,
    /// The connection was refused or never made: to the host, or to `proxy` when it went
    /// through one (shown without credentials).
    NoConnection { proxy: Option<String> },
}

fn via(proxy: &Option<String>) -> String {
    proxy
        .as_ref()
        .map(|proxy| format!(" through the proxy {proxy}"))
        .unwrap_or_default()
}

/// Sends one request and returns the reply, whatever its status.
pub trait Transport {
    fn send(&self, request: HttpRequest)
    -> impl Future<Output = Result<HttpReply, TransportError>>;
}
