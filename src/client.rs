//! Sends signed requests to FC over HTTP(S). The only network code in the action.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::fc::{ApiRequest, Layer, ServiceError};
use crate::inputs::Endpoint;
use crate::random;
use crate::sign::{self, SignableRequest, SigningParams};

const USER_AGENT: &str = concat!("fc-layer-action/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{action} failed: {error}")]
    Service {
        action: &'static str,
        error: ServiceError,
    },
    #[error("{action}: could not reach {endpoint}")]
    Transport {
        action: &'static str,
        endpoint: String,
        source: reqwest::Error,
    },
    #[error("{action}: the reply is not what the API documents: {problem}")]
    InvalidReply {
        action: &'static str,
        problem: String,
    },
    #[error("{action}: header {name} holds characters HTTP cannot carry")]
    InvalidHeader { action: &'static str, name: String },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(reqwest::Error),
    #[error("cannot draw a random nonce: {0}")]
    Random(getrandom::Error),
}

pub struct Client {
    http: reqwest::Client,
    endpoint: Endpoint,
    credentials: Credentials,
}

impl Client {
    pub fn new(endpoint: Endpoint, credentials: Credentials) -> Result<Self, ClientError> {
        // reqwest is built without a default provider (see Cargo.toml); an error here only
        // means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            // 100 MB of Base64 over a slow runner link takes minutes, not seconds.
            .timeout(Duration::from_secs(15 * 60))
            .build()
            .map_err(ClientError::Setup)?;
        Ok(Self {
            http,
            endpoint,
            credentials,
        })
    }

    pub async fn create_layer_version(&self, request: ApiRequest) -> Result<Layer, ClientError> {
        let action = request.action;
        let body = self.send(request).await?;
        serde_json::from_slice(&body).map_err(|error| ClientError::InvalidReply {
            action,
            problem: error.to_string(),
        })
    }

    /// Signs and sends `request`; returns the reply body of a 2xx answer.
    pub async fn send(&self, mut request: ApiRequest) -> Result<Vec<u8>, ClientError> {
        let action = request.action;
        let url = self.endpoint.url(&request.path_and_query());
        let mut headers = request.headers(self.endpoint.host());
        let body = request.body.take().unwrap_or_default();
        let signed = sign::sign(
            &SignableRequest {
                method: request.method,
                path: &request.path,
                query: &request.query,
                headers: &headers,
                body: &body,
            },
            &SigningParams {
                credentials: &self.credentials,
                time: OffsetDateTime::now_utc(),
                nonce: &random::hex_token().map_err(ClientError::Random)?,
            },
        );
        headers.extend(signed.headers);
        headers.push(("accept".to_owned(), "application/json".to_owned()));
        headers.push(("user-agent".to_owned(), USER_AGENT.to_owned()));

        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .unwrap_or_else(|_| unreachable!("API methods are static upper-case words"));
        let transport = |source| ClientError::Transport {
            action,
            endpoint: self.endpoint.to_string(),
            source,
        };
        let mut builder = self
            .http
            .request(method, url)
            .headers(header_map(&headers, action)?);
        if !body.is_empty() {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(transport)?;
        let status = response.status();
        let request_id = response
            .headers()
            .get("x-acs-request-id")
            .or_else(|| response.headers().get("x-fc-request-id"))
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let reply = response.bytes().await.map_err(transport)?.to_vec();
        if status.is_success() {
            Ok(reply)
        } else {
            Err(ClientError::Service {
                action,
                error: ServiceError::from_reply(status.as_u16(), &reply, request_id.as_deref()),
            })
        }
    }
}

fn header_map(
    headers: &[(String, String)],
    action: &'static str,
) -> Result<HeaderMap, ClientError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        // Values are ours or validated inputs; the value is left out of the error since it
        // may be the security token.
        let invalid = || ClientError::InvalidHeader {
            action,
            name: name.clone(),
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
        map.append(name, value);
    }
    Ok(map)
}
