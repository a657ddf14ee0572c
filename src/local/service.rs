//! The local service without its HTTP server: a received request in, an [`HttpReply`] out.
//! The axum server ([`super::server`]) and the in-process transport ([`super::in_process`])
//! are two thin ways of reaching it.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::auth::{self, ReceivedRequest};
use super::store::Store;
use crate::credentials::Credentials;
use crate::encode;
use crate::fc::{API_VERSION, ServiceError};
use crate::http::HttpReply;

pub struct Config {
    pub credentials: Credentials,
    pub region: String,
    pub account_id: String,
    /// A JSON-lines file that receives every API request as it arrived.
    pub capture: Option<PathBuf>,
    /// Answer every CreateLayerVersion that passes authentication with this error.
    pub fail_create: Option<ServiceError>,
}

impl Config {
    /// The defaults `fc-local` starts with, for `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            region: "cn-hangzhou".to_owned(),
            account_id: "1234567890123456".to_owned(),
            capture: None,
            fail_create: None,
        }
    }
}

pub struct Service {
    credentials: Credentials,
    fail_create: Option<ServiceError>,
    inner: Mutex<Inner>,
}

struct Inner {
    store: Store,
    nonces: HashSet<String>,
    capture: Option<File>,
    requests: u64,
}

type Answer = Result<(u16, Option<Value>), ServiceError>;

impl Service {
    pub fn new(config: Config) -> std::io::Result<Self> {
        let capture = config.capture.map(File::create).transpose()?;
        Ok(Self {
            credentials: config.credentials,
            fail_create: config.fail_create,
            inner: Mutex::new(Inner {
                store: Store::new(config.region, config.account_id),
                nonces: HashSet::new(),
                capture,
                requests: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked cannot have left the store half-written in a way that
        // matters to a test server, so a poisoned lock is taken over.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Everything held, with each version's files: what `GET /_local/state` returns.
    pub fn state(&self) -> Value {
        self.lock().store.snapshot()
    }

    /// Answers one request: the unsigned state view, or an API call checked as FC would.
    pub fn handle(&self, request: &ReceivedRequest<'_>) -> HttpReply {
        if request.path == "/_local/state" && request.method == "GET" {
            return json_reply(200, &self.state(), "state");
        }
        let mut inner = self.lock();
        inner.requests += 1;
        let request_id = format!("fc-local-{:06}", inner.requests);
        let result = self.answer(&mut inner, request);
        let status = match &result {
            Ok((status, _)) => *status,
            Err(error) => error.status,
        };
        if let Some(file) = inner.capture.as_mut() {
            let record = capture_record(request, status);
            // A capture that cannot be written must fail loudly, or the conformance test
            // would check fewer requests than were sent.
            if writeln!(file, "{record}").is_err() {
                let error =
                    ServiceError::new(500, "InternalServerError", "cannot write the capture file");
                return error_reply(error, &request_id);
            }
        }
        drop(inner);
        eprintln!("fc-local: {} {} -> {status}", request.method, request.path);
        match result {
            Ok((status, Some(value))) => json_reply(status, &value, &request_id),
            Ok((status, None)) => with_request_id(
                HttpReply {
                    status,
                    ..HttpReply::default()
                },
                &request_id,
            ),
            Err(error) => error_reply(error, &request_id),
        }
    }

    fn answer(&self, inner: &mut Inner, request: &ReceivedRequest<'_>) -> Answer {
        let now = OffsetDateTime::now_utc();
        auth::verify(request, &self.credentials, now)?;
        if let Some(nonce) = request.header("x-acs-signature-nonce")
            && !inner.nonces.insert(nonce.to_owned())
        {
            return Err(ServiceError::new(
                403,
                "SignatureNonceUsed",
                format!("nonce {nonce} was already used"),
            ));
        }
        if request.header("x-acs-version") != Some(API_VERSION) {
            return Err(ServiceError::invalid_argument(format!(
                "x-acs-version must be {API_VERSION}"
            )));
        }

        let segments: Vec<String> = request
            .path
            .split('/')
            .skip(1)
            .map(encode::decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let route = Route::find(request.method, &segments).ok_or_else(|| {
            ServiceError::new(
                400,
                "PathNotSupported",
                format!(
                    "{} {} is not a layer API path",
                    request.method, request.path
                ),
            )
        })?;
        let sent_action = request.header("x-acs-action").unwrap_or_default();
        if sent_action != route.action() {
            return Err(ServiceError::invalid_argument(format!(
                "x-acs-action {sent_action:?} does not match {} {}, which is {}",
                request.method,
                request.path,
                route.action()
            )));
        }

        let store = &mut inner.store;
        let query = request.query_pairs();
        match route {
            Route::Create(name) => {
                if let Some(error) = &self.fail_create {
                    return Err(error.clone());
                }
                Ok((200, Some(store.create_version(name, request.body, now)?)))
            }
            Route::List(name) => Ok((200, Some(store.list_versions(name, &query)?))),
            Route::Get(name, version) => Ok((200, Some(store.get_version(name, version)?))),
            Route::Delete(name, version) => {
                store.delete_version(name, version).map(|()| (204, None))
            }
            Route::Acl(name) => store.put_acl(name, &query).map(|()| (200, None)),
        }
    }
}

enum Route<'a> {
    Create(&'a str),
    List(&'a str),
    Get(&'a str, &'a str),
    Delete(&'a str, &'a str),
    Acl(&'a str),
}

impl<'a> Route<'a> {
    fn find(method: &str, segments: &[&'a str]) -> Option<Self> {
        Some(match (method, segments) {
            ("POST", [API_VERSION, "layers", name, "versions"]) => Route::Create(name),
            ("GET", [API_VERSION, "layers", name, "versions"]) => Route::List(name),
            ("GET", [API_VERSION, "layers", name, "versions", version]) => {
                Route::Get(name, version)
            }
            ("DELETE", [API_VERSION, "layers", name, "versions", version]) => {
                Route::Delete(name, version)
            }
            ("PUT", [API_VERSION, "layers", name, "acl"]) => Route::Acl(name),
            _ => return None,
        })
    }

    fn action(&self) -> &'static str {
        match self {
            Route::Create(_) => "CreateLayerVersion",
            Route::List(_) => "ListLayerVersions",
            Route::Get(..) => "GetLayerVersion",
            Route::Delete(..) => "DeleteLayerVersion",
            Route::Acl(_) => "PutLayerACL",
        }
    }
}

/// One line of the capture file; the format `tests/sdk/sdk_signature.py` reads.
fn capture_record(request: &ReceivedRequest<'_>, status: u16) -> Value {
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": request.headers,
        "body_base64": STANDARD.encode(request.body),
        "status": status,
    })
}

pub(super) fn json_reply(status: u16, value: &Value, request_id: &str) -> HttpReply {
    with_request_id(
        HttpReply {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        },
        request_id,
    )
}

pub(super) fn error_reply(mut error: ServiceError, request_id: &str) -> HttpReply {
    error.request_id = request_id.to_owned();
    let body = serde_json::to_value(&error).unwrap_or_default();
    json_reply(error.status, &body, request_id)
}

fn with_request_id(mut reply: HttpReply, request_id: &str) -> HttpReply {
    reply
        .headers
        .push(("x-acs-request-id".to_owned(), request_id.to_owned()));
    reply
}
