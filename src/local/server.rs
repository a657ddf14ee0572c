//! The HTTP side of the local service: routes FC's layer paths to the [`Store`], checks
//! every API request with [`auth::verify`], and records requests for the SDK conformance test.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ApiError;
use super::auth::{self, ReceivedRequest};
use super::store::Store;
use crate::credentials::Credentials;
use crate::encode;
use crate::fc::{API_VERSION, MAX_INLINE_BASE64_BYTES};

/// Room for the largest inline layer plus the JSON around it.
const MAX_BODY_BYTES: usize = MAX_INLINE_BASE64_BYTES + 1024 * 1024;

pub struct Config {
    pub credentials: Credentials,
    pub region: String,
    pub account_id: String,
    /// A JSON-lines file that receives every API request as it arrived.
    pub capture: Option<PathBuf>,
    /// Answer every CreateLayerVersion that passes authentication with this error.
    pub fail_create: Option<ApiError>,
}

struct Shared {
    credentials: Credentials,
    fail_create: Option<ApiError>,
    inner: Mutex<Inner>,
}

struct Inner {
    store: Store,
    nonces: HashSet<String>,
    capture: Option<File>,
    requests: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked cannot have left the store half-written in a way that
        // matters to a test server, so a poisoned lock is taken over.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The service as an axum router.
pub fn router(config: Config) -> std::io::Result<Router> {
    let capture = config.capture.map(File::create).transpose()?;
    let shared = Shared {
        credentials: config.credentials,
        fail_create: config.fail_create,
        inner: Mutex::new(Inner {
            store: Store::new(config.region, config.account_id),
            nonces: HashSet::new(),
            capture,
            requests: 0,
        }),
    };
    Ok(Router::new().fallback(handle).with_state(Arc::new(shared)))
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return error_reply(
                &ApiError::new(400, "EntityTooLarge", "the body is too large"),
                "none",
            );
        }
    };

    if path == "/_local/state" && method == "GET" {
        let snapshot = shared.lock().store.snapshot();
        return json_reply(StatusCode::OK, &snapshot, "state");
    }

    let received = ReceivedRequest {
        method: &method,
        path: &path,
        query: &query,
        headers: &headers,
        body: &body,
    };
    let mut inner = shared.lock();
    inner.requests += 1;
    let request_id = format!("fc-local-{:06}", inner.requests);
    let result = answer(&shared, &mut inner, &received);
    let status = match &result {
        Ok((status, _)) => *status,
        Err(error) => {
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    if let Some(file) = inner.capture.as_mut() {
        let record = capture_record(&received, status.as_u16());
        // A capture that cannot be written must fail loudly, or the conformance test
        // would check fewer requests than were sent.
        if writeln!(file, "{record}").is_err() {
            return error_reply(
                &ApiError::new(500, "InternalServerError", "cannot write the capture file"),
                &request_id,
            );
        }
    }
    drop(inner);
    eprintln!("fc-local: {method} {path} -> {}", status.as_u16());
    match result {
        Ok((status, Some(value))) => json_reply(status, &value, &request_id),
        Ok((status, None)) => empty_reply(status, &request_id),
        Err(error) => error_reply(&error, &request_id),
    }
}

type Answer = Result<(StatusCode, Option<Value>), ApiError>;

fn answer(shared: &Shared, inner: &mut Inner, request: &ReceivedRequest<'_>) -> Answer {
    let now = OffsetDateTime::now_utc();
    auth::verify(request, &shared.credentials, now)?;
    if let Some(nonce) = request.header("x-acs-signature-nonce")
        && !inner.nonces.insert(nonce.to_owned())
    {
        return Err(ApiError::new(
            403,
            "SignatureNonceUsed",
            format!("nonce {nonce} was already used"),
        ));
    }
    if request.header("x-acs-version") != Some(API_VERSION) {
        return Err(ApiError::invalid_argument(format!(
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
    let (action, route) = match (request.method, segments.as_slice()) {
        ("POST", [API_VERSION, "layers", name, "versions"]) => {
            ("CreateLayerVersion", Route::Create(name))
        }
        ("GET", [API_VERSION, "layers", name, "versions"]) => {
            ("ListLayerVersions", Route::List(name))
        }
        ("GET", [API_VERSION, "layers", name, "versions", version]) => {
            ("GetLayerVersion", Route::Get(name, version))
        }
        ("DELETE", [API_VERSION, "layers", name, "versions", version]) => {
            ("DeleteLayerVersion", Route::Delete(name, version))
        }
        ("PUT", [API_VERSION, "layers", name, "acl"]) => ("PutLayerACL", Route::Acl(name)),
        _ => {
            return Err(ApiError::new(
                400,
                "PathNotSupported",
                format!(
                    "{} {} is not a layer API path",
                    request.method, request.path
                ),
            ));
        }
    };
    let sent_action = request.header("x-acs-action").unwrap_or_default();
    if sent_action != action {
        return Err(ApiError::invalid_argument(format!(
            "x-acs-action {sent_action:?} does not match {} {}, which is {action}",
            request.method, request.path
        )));
    }

    let store = &mut inner.store;
    let query = request.query_pairs();
    match route {
        Route::Create(name) => {
            if let Some(error) = &shared.fail_create {
                return Err(error.clone());
            }
            Ok((
                StatusCode::OK,
                Some(store.create_version(name, request.body, now)?),
            ))
        }
        Route::List(name) => Ok((StatusCode::OK, Some(store.list_versions(name, &query)?))),
        Route::Get(name, version) => Ok((StatusCode::OK, Some(store.get_version(name, version)?))),
        Route::Delete(name, version) => store
            .delete_version(name, version)
            .map(|()| (StatusCode::NO_CONTENT, None)),
        Route::Acl(name) => store.put_acl(name, &query).map(|()| (StatusCode::OK, None)),
    }
}

enum Route<'a> {
    Create(&'a str),
    List(&'a str),
    Get(&'a str, &'a str),
    Delete(&'a str, &'a str),
    Acl(&'a str),
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

fn json_reply(status: StatusCode, value: &Value, request_id: &str) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    with_request_id(response, request_id)
}

fn empty_reply(status: StatusCode, request_id: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    with_request_id(response, request_id)
}

fn error_reply(error: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({ "Code": error.code, "Message": error.message, "RequestId": request_id });
    json_reply(status, &body, request_id)
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-acs-request-id", value);
    }
    response
}
