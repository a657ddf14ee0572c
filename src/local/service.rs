//! The local service without its HTTP server: a received request in, an [`HttpReply`] out.
//! The axum server ([`super::server`]) and the in-process transport ([`super::in_process`])
//! are two thin ways of reaching it.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::auth::{self, ReceivedRequest};
use super::oss::{OssFault, OssStore, split_path};
use super::store::Store;
use crate::credentials::Credentials;
use crate::encode;
use crate::fc::{API_VERSION, STS_API_VERSION, ServiceError};
use crate::http::HttpReply;
use crate::random;
use crate::sign::primitives::format_iso8601;
use crate::sign::{fc2, oss_v4};

pub struct Config {
    pub credentials: Credentials,
    pub region: String,
    pub account_id: String,
    /// A JSON-lines file that receives every API request as it arrived.
    pub capture: Option<PathBuf>,
    /// Misbehaviour on cue, for the tests of retries and lost replies; each fault serves
    /// its `times`, in order, then the service behaves.
    pub faults: Vec<Fault>,
    /// Every reply waits this long.
    pub delay: Option<Duration>,
    /// Layers that exist before the first request: a name and how many versions.
    pub seeds: Vec<(String, u32)>,
}

/// One kind of misbehaviour for one action (`CreateLayerVersion`, `ListLayerVersions`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub action: String,
    /// How many matching requests it answers; `u32::MAX` for all of them.
    pub times: u32,
    pub kind: FaultKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this error instead of doing the call.
    Fail(ServiceError),
    /// 429 `ResourceExhausted` with `x-acs-retry-after` in milliseconds.
    Throttle { retry_after_millis: u64 },
    /// Do the call, then drop the connection before the reply: a write applied whose
    /// client cannot know it was.
    DropReply,
}

/// What [`Service::handle`] asks of the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    Reply(HttpReply),
    /// Close the connection without a complete reply.
    Drop,
}

impl Config {
    /// The defaults `fc-local` starts with, for `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            region: "cn-hangzhou".to_owned(),
            account_id: "1234567890123456".to_owned(),
            capture: None,
            faults: Vec::new(),
            delay: None,
            seeds: Vec::new(),
        }
    }
}

pub struct Service {
    credentials: Credentials,
    delay: Option<Duration>,
    inner: Mutex<Inner>,
}

struct Inner {
    store: Store,
    oss: OssStore,
    nonces: HashSet<String>,
    capture: Option<File>,
    requests: u64,
    faults: Vec<Fault>,
    /// Temporary credentials lent with the temporary bucket, each valid for its uploads.
    lent_credentials: Vec<Credentials>,
    lent: u64,
}

/// The bucket fc-local lends as FC's temporary bucket.
pub const TEMP_BUCKET: &str = "fc-local-temp";

/// A fresh random secret for lent credentials.
fn random_token() -> Result<String, ServiceError> {
    random::hex_token().map_err(|error| {
        ServiceError::new(
            500,
            "InternalServerError",
            format!("no randomness: {error}"),
        )
    })
}

/// Records `request` in the capture file; a capture that cannot be written fails loudly,
/// or the conformance test would check fewer requests than were sent.
fn capture(
    inner: &mut Inner,
    request: &ReceivedRequest<'_>,
    status: u16,
    request_id: &str,
) -> Result<(), HttpReply> {
    let Some(file) = inner.capture.as_mut() else {
        return Ok(());
    };
    let record = capture_record(request, status);
    writeln!(file, "{record}").map_err(|_| {
        let error = ServiceError::new(500, "InternalServerError", "cannot write the capture file");
        error_reply(error, request_id)
    })
}

type Answer = Result<(u16, Option<Value>), ServiceError>;

impl Service {
    pub fn new(config: Config) -> std::io::Result<Self> {
        let capture = config.capture.map(File::create).transpose()?;
        let mut store = Store::new(config.region, config.account_id);
        for (layer, count) in &config.seeds {
            store
                .seed(layer, *count, OffsetDateTime::now_utc())
                .map_err(|error| std::io::Error::other(error.to_string()))?;
        }
        Ok(Self {
            credentials: config.credentials,
            delay: config.delay,
            inner: Mutex::new(Inner {
                store,
                oss: OssStore::default(),
                nonces: HashSet::new(),
                capture,
                requests: 0,
                faults: config.faults,
                lent_credentials: Vec::new(),
                lent: 0,
            }),
        })
    }

    /// How long every reply waits; the server and the in-process transport sleep it.
    pub fn delay(&self) -> Option<Duration> {
        self.delay
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked cannot have left the store half-written in a way that
        // matters to a test server, so a poisoned lock is taken over.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Everything held, with each version's files: what `GET /_local/state` returns, with
    /// the OSS objects and the multipart uploads left open.
    pub fn state(&self) -> Value {
        let inner = self.lock();
        let mut state = inner.store.snapshot();
        let objects: serde_json::Map<String, Value> = inner
            .oss
            .listing()
            .into_iter()
            .map(|(name, size)| (name, json!(size)))
            .collect();
        state["ossObjects"] = Value::Object(objects);
        state["openUploads"] = json!(inner.oss.open_uploads());
        state
    }

    /// Answers one request: the unsigned state view, or an API call checked as FC would.
    pub fn handle(&self, request: &ReceivedRequest<'_>) -> Handled {
        if request.path == "/_local/state" && request.method == "GET" {
            return Handled::Reply(json_reply(200, &self.state(), "state"));
        }
        let mut inner = self.lock();
        inner.requests += 1;
        let request_id = format!("fc-local-{:06}", inner.requests);
        let authorization = request.header("authorization").unwrap_or_default();
        if authorization.starts_with("OSS4-HMAC-SHA256") || authorization.starts_with("FC ") {
            let reply = if authorization.starts_with("FC ") {
                match self.lend_bucket(&mut inner, request) {
                    Ok(value) => json_reply(200, &value, &request_id),
                    Err(error) => error_reply(error, &request_id),
                }
            } else {
                self.answer_oss(&mut inner, request)
                    .unwrap_or_else(|fault| fault.reply(&request_id))
            };
            if let Err(reply) = capture(&mut inner, request, reply.status, &request_id) {
                return Handled::Reply(reply);
            }
            eprintln!(
                "fc-local: {} {} -> {}",
                request.method, request.path, reply.status
            );
            return Handled::Reply(reply);
        }
        let mut drop_reply = false;
        let result = self.answer(&mut inner, request, &mut drop_reply);
        let status = match &result {
            Ok((status, _)) => *status,
            Err(error) => error.status,
        };
        if let Err(reply) = capture(&mut inner, request, status, &request_id) {
            return Handled::Reply(reply);
        }
        drop(inner);
        if drop_reply {
            eprintln!(
                "fc-local: {} {} -> {status}, reply dropped",
                request.method, request.path
            );
            return Handled::Drop;
        }
        eprintln!("fc-local: {} {} -> {status}", request.method, request.path);
        Handled::Reply(match result {
            Ok((status, Some(value))) => json_reply(status, &value, &request_id),
            Ok((status, None)) => with_request_id(
                HttpReply {
                    status,
                    ..HttpReply::default()
                },
                &request_id,
            ),
            Err(error) => error_reply(error, &request_id),
        })
    }

    /// FC 2.0's tempBucketToken: lends the temporary bucket and credentials that only it
    /// may write.
    fn lend_bucket(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
    ) -> Result<Value, ServiceError> {
        let now = OffsetDateTime::now_utc();
        let known =
            |id: &str| (id == self.credentials.access_key_id).then(|| self.credentials.clone());
        fc2::verify(request.method, request.path, request.headers, known, now)
            .map_err(|error| ServiceError::new(error.status, error.code, error.message))?;
        // FC 2.0 signs no query string, so a call that carries one is not taken.
        if (request.method, request.path, request.query)
            != ("GET", "/2016-08-15/tempBucketToken", "")
        {
            return Err(ServiceError::new(
                400,
                "PathNotSupported",
                "fc-local serves only GET /2016-08-15/tempBucketToken with the FC 2.0 signature",
            ));
        }
        if request.header("x-fc-account-id") != Some(inner.store.account_id()) {
            return Err(ServiceError::new(
                403,
                "AccessDenied",
                "x-fc-account-id is not the account of these credentials",
            ));
        }
        inner.lent += 1;
        let number = inner.lent;
        let lent = Credentials::new(format!("STS.fc-local-{number}"), random_token()?)
            .with_security_token(random_token()?);
        let reply = json!({
            "credentials": {
                "AccessKeyId": lent.access_key_id,
                "AccessKeySecret": lent.access_key_secret.expose(),
                "SecurityToken": lent.security_token.as_ref().map(|token| token.expose()),
                "Expiration": format_iso8601(now + Duration::from_secs(3600)),
            },
            "ossRegion": format!("oss-{}", inner.store.region()),
            "ossBucket": TEMP_BUCKET,
            "objectName": format!("fc-local-{number}.zip"),
        });
        inner.lent_credentials.push(lent);
        Ok(reply)
    }

    /// An OSS call, V4-signed by the service's credentials (any bucket) or by credentials it
    /// lent (the temporary bucket only).
    fn answer_oss(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
    ) -> Result<HttpReply, OssFault> {
        let now = OffsetDateTime::now_utc();
        let (bucket, key) = split_path(request.path)
            .ok_or_else(|| OssFault::new(400, "InvalidArgument", "the path is not /bucket/key"))?;
        let query = request.query_pairs();
        let lent = inner.lent_credentials.clone();
        let known = |id: &str| {
            if id == self.credentials.access_key_id {
                return Some(self.credentials.clone());
            }
            lent.iter().find(|lent| lent.access_key_id == id).cloned()
        };
        oss_v4::verify(
            request.method,
            &bucket,
            &key,
            &query,
            request.headers,
            known,
            now,
        )
        .map_err(|error| OssFault::new(error.status, error.code, error.message))?;
        let signer = request
            .header("authorization")
            .and_then(oss_v4::Authorization::parse)
            .map(|authorization| authorization.access_key_id)
            .unwrap_or_default();
        if signer != self.credentials.access_key_id && bucket != TEMP_BUCKET {
            return Err(OssFault::new(
                403,
                "AccessDenied",
                "lent credentials may write the temporary bucket only",
            ));
        }
        if let Some(FaultKind::Fail(error)) =
            take_fault(&mut inner.faults, oss_operation(request.method, &query))
        {
            return Err(OssFault::new(
                error.status,
                "InjectedFault",
                format!("{}: injected by fc-local", error.code),
            ));
        }
        inner
            .oss
            .handle(request.method, &bucket, &key, &query, request.body)
    }

    fn answer(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
        drop_reply: &mut bool,
    ) -> Answer {
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
        if request.header("x-acs-action") == Some("GetCallerIdentity") {
            if (
                request.method,
                request.path,
                request.header("x-acs-version"),
            ) != ("POST", "/", Some(STS_API_VERSION))
            {
                return Err(ServiceError::invalid_argument(format!(
                    "GetCallerIdentity is POST / with x-acs-version {STS_API_VERSION}"
                )));
            }
            let account = inner.store.account_id().to_owned();
            return Ok((
                200,
                Some(json!({
                    "AccountId": account,
                    "Arn": format!("acs:ram::{account}:user/fc-local"),
                    "IdentityType": "RAMUser",
                    "PrincipalId": "fc-local",
                })),
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

        if let Some(kind) = take_fault(&mut inner.faults, route.action()) {
            match kind {
                FaultKind::Fail(error) => return Err(error),
                FaultKind::Throttle { retry_after_millis } => {
                    let mut error =
                        ServiceError::new(429, "ResourceExhausted", "injected by fc-local");
                    error.retry_after = Some(Duration::from_millis(retry_after_millis));
                    return Err(error);
                }
                FaultKind::DropReply => *drop_reply = true,
            }
        }

        let store = &mut inner.store;
        let query = request.query_pairs();
        match route {
            Route::Create(name) => {
                let oss = &inner.oss;
                let layer = store.create_version(name, request.body, now, |bucket, key| {
                    oss.object(bucket, key)
                })?;
                Ok((200, Some(layer)))
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

/// The OSS operation a request is, for `--fail` faults: `PutObject`, `UploadPart`, …
fn oss_operation(method: &str, query: &[(String, String)]) -> &'static str {
    let has = |name: &str| query.iter().any(|(key, _)| key == name);
    match method {
        "HEAD" => "HeadObject",
        "PUT" if has("partNumber") => "UploadPart",
        "PUT" => "PutObject",
        "POST" if has("uploads") => "InitiateMultipartUpload",
        "POST" => "CompleteMultipartUpload",
        "DELETE" => "AbortMultipartUpload",
        _ => "Unknown",
    }
}

/// The first fault for `action` that has uses left, used once.
fn take_fault(faults: &mut [Fault], action: &str) -> Option<FaultKind> {
    let fault = faults
        .iter_mut()
        .find(|fault| fault.action == action && fault.times > 0)?;
    if fault.times != u32::MAX {
        fault.times -= 1;
    }
    Some(fault.kind.clone())
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
    let mut reply = json_reply(error.status, &body, request_id);
    if let Some(wait) = error.retry_after {
        reply
            .headers
            .push(("x-acs-retry-after".to_owned(), wait.as_millis().to_string()));
    }
    reply
}

fn with_request_id(mut reply: HttpReply, request_id: &str) -> HttpReply {
    reply
        .headers
        .push(("x-acs-request-id".to_owned(), request_id.to_owned()));
    reply
}
