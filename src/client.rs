//! The FC client: signs each [`ApiRequest`] with ACS3, hands it to a [`Transport`] and turns
//! the reply into a value or a [`ClientError`]. Which network it uses is the transport's
//! business, so tests run it in-process.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::backoff::Transient;
use crate::clock::Signing;
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::fc::{ApiRequest, ServiceError};
use crate::http::{HttpRequest, Transport, TransportError};
use crate::sign::Request;
use crate::sign::acs3::{self, SigningParams};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{action} failed: {error}")]
    Service {
        action: &'static str,
        error: ServiceError,
    },
    #[error("{action}: {source}")]
    Transport {
        action: &'static str,
        source: TransportError,
    },
    /// FC never redirects API calls; a 3xx means something else answered.
    #[error(
        "{action}: the endpoint answered HTTP {status} redirecting to {location}; FC never redirects API calls, so the redirect was not followed and nothing was sent there"
    )]
    Redirected {
        action: &'static str,
        status: u16,
        /// The host the redirect names, or what `Location` held when it names none.
        location: String,
    },
    #[error("{action}: the reply is not what the API documents: {problem}")]
    InvalidReply {
        action: &'static str,
        problem: String,
    },
    #[error("cannot draw a random nonce: {0}")]
    Random(getrandom::Error),
}

/// FC and STS answer alike: the network, 5xx, 429 and throttling codes are worth another
/// try; a refused request (400, 403, 404, a bad signature) is not.
impl Transient for ClientError {
    fn is_retryable(&self) -> bool {
        match self {
            ClientError::Transport { source, .. } => source.is_transient(),
            ClientError::Service { error, .. } => {
                let code = error.code.as_str();
                if is_credential_code(code) {
                    false
                } else if code.starts_with("Throttling") || code == "ServiceUnavailable" {
                    true
                } else {
                    error.status == 429 || error.status >= 500
                }
            }
            ClientError::Redirected { .. }
            | ClientError::InvalidReply { .. }
            | ClientError::Random(_) => false,
        }
    }

    fn outcome_unknown(&self) -> bool {
        match self {
            ClientError::Transport { source, .. } => source.request_may_have_arrived(),
            ClientError::Service { error, .. } => error.status >= 500,
            ClientError::InvalidReply { .. } => true,
            ClientError::Redirected { .. } | ClientError::Random(_) => false,
        }
    }

    fn asked_wait(&self) -> Option<Duration> {
        match self {
            ClientError::Service { error, .. } => error.retry_after,
            _ => None,
        }
    }
}

fn is_credential_code(code: &str) -> bool {
    code.contains("Signature")
        || code.starts_with("InvalidAccessKey")
        || code.starts_with("InvalidSecurityToken")
}

pub struct FcClient<T> {
    transport: T,
    endpoint: Endpoint,
    credentials: Credentials,
    /// What each request is dated with and where its nonce comes from: the system's clock and
    /// the OS's randomness in the action, fixed ones in tests.
    signing: Signing,
}

impl<T: Transport> FcClient<T> {
    pub fn new(
        transport: T,
        endpoint: Endpoint,
        credentials: Credentials,
        signing: Signing,
    ) -> Self {
        Self {
            transport,
            endpoint,
            credentials,
            signing,
        }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Sends `request` and parses its JSON reply as `R`.
    pub async fn call<R: DeserializeOwned>(&self, request: ApiRequest) -> Result<R, ClientError> {
        let action = request.action;
        let body = self.send(request).await?;
        parse(action, &body)
    }

    /// The time as the client's clock says it, the one it signs with.
    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.signing.clock.now()
    }

    /// Signs and sends `request`; returns the reply body of a 2xx answer.
    pub async fn send(&self, request: ApiRequest) -> Result<Vec<u8>, ClientError> {
        let action = request.action;
        let signed = self.sign(request)?;
        let reply = self
            .transport
            .send(signed)
            .await
            .map_err(|source| ClientError::Transport { action, source })?;
        if reply.is_success() {
            return Ok(reply.body);
        }
        if (300..400).contains(&reply.status) {
            return Err(ClientError::Redirected {
                action,
                status: reply.status,
                location: reply.redirect_target(&self.endpoint.url("/")),
            });
        }
        let request_id = reply
            .header("x-acs-request-id")
            .or_else(|| reply.header("x-fc-request-id"));
        let mut error = ServiceError::from_reply(reply.status, &reply.body, request_id);
        error.retry_after = retry_after(
            reply.header("x-acs-retry-after"),
            reply.header("retry-after"),
        );
        Err(ClientError::Service { action, error })
    }

    /// Signs `request` as of the client's clock, with a nonce of its own.
    fn sign(&self, request: ApiRequest) -> Result<HttpRequest, ClientError> {
        let url = self.endpoint.url(&request.path_and_query());
        let mut headers = request.headers(self.endpoint.host());
        let body = request.body.unwrap_or_default();
        let nonce = self.signing.nonces.nonce().map_err(ClientError::Random)?;
        // The endpoint's prefix is part of the path sent, so it is signed too.
        let path = self.endpoint.path(&request.path);
        let signed = acs3::sign(
            &Request {
                method: request.method,
                path: &path,
                query: &request.query,
                headers: &headers,
                body: &body,
            },
            &SigningParams {
                credentials: &self.credentials,
                time: self.signing.clock.now(),
                nonce: &nonce,
            },
        );
        headers.extend(signed.headers);
        headers.push(("accept".to_owned(), "application/json".to_owned()));
        Ok(HttpRequest {
            method: request.method,
            url,
            headers,
            body,
            progress: None,
        })
    }
}

/// A 2xx reply's body as `T`.
pub fn parse<T: DeserializeOwned>(action: &'static str, body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|error| ClientError::InvalidReply {
        action,
        problem: crate::outside_text::capped_owned(error.to_string()),
    })
}

/// `x-acs-retry-after` (milliseconds, FC's) or `Retry-After` (seconds, HTTP's), if positive.
fn retry_after(x_acs_retry_after: Option<&str>, retry_after: Option<&str>) -> Option<Duration> {
    let millis = x_acs_retry_after
        .and_then(|value| value.trim().parse::<u64>().ok())
        .filter(|millis| *millis > 0)
        .map(Duration::from_millis);
    millis.or_else(|| {
        retry_after
            .and_then(|value| value.trim().parse::<u64>().ok())
            .filter(|secs| *secs > 0)
            .map(Duration::from_secs)
    })
}

/// A CreateLayerVersion call's `status` and `code`, for the unit tests here and in `backoff`.
#[cfg(test)]
pub(crate) fn service(status: u16, code: &str) -> ClientError {
    ClientError::Service {
        action: "CreateLayerVersion",
        error: ServiceError::new(status, code, "m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Phase;

    fn transport(source: TransportError) -> ClientError {
        ClientError::Transport {
            action: "CreateLayerVersion",
            source,
        }
    }

    #[test]
    fn what_is_retried_and_what_is_not() {
        for retried in [
            service(500, "InternalServerError"),
            service(503, "ResourceThrottled"),
            service(429, "ResourceExhausted"),
            service(400, "Throttling.User"),
            service(409, "ServiceUnavailable"),
        ] {
            assert!(retried.is_retryable(), "{retried}");
        }
        for refused in [
            service(400, "InvalidArgument"),
            service(403, "AccessDenied"),
            service(404, "LayerNotFound"),
            service(403, "SignatureNotMatch"),
            service(500, "SignatureDoesNotMatch"),
            service(409, "ConcurrentUpdateError"),
        ] {
            assert!(!refused.is_retryable(), "{refused}");
        }
        let dropped = transport(TransportError::Unreachable {
            origin: "o".into(),
            proxy: None,
            detail: "reset".into(),
            request_sent: true,
        });
        assert!(dropped.is_retryable() && dropped.outcome_unknown());
        let refused = transport(TransportError::Unreachable {
            origin: "o".into(),
            proxy: None,
            detail: "connection refused".into(),
            request_sent: false,
        });
        assert!(refused.is_retryable() && !refused.outcome_unknown());
        let silent_connect = transport(TransportError::TimedOut {
            origin: "o".into(),
            proxy: None,
            phase: Phase::Connecting,
            after: Duration::from_secs(30),
        });
        assert!(!silent_connect.outcome_unknown());
        assert!(service(503, "ServiceUnavailable").outcome_unknown());
        assert!(!service(429, "ResourceExhausted").outcome_unknown());
    }

    #[test]
    fn the_service_says_how_long_to_wait() {
        assert_eq!(
            retry_after(Some("1500"), Some("9")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(Some("0"), Some("2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry_after(None, Some("soon")), None);
    }
}
