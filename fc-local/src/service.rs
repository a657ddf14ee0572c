//! The local service without its HTTP server: a received request in, a [`Handled`] out.
//! It tells the protocols apart by their signature scheme and hands each to its module
//! ([`crate::fc3`], [`crate::sts`], [`crate::fc2`], [`crate::oss`]); it holds the state they
//! share, the faults and the capture. The axum server ([`crate::server`]) and the in-process
//! transport ([`crate::in_process`]) are two thin ways of reaching it.

use std::collections::HashSet;
use std::fs::File;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::HttpReply;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::config::{Config, Fault, FaultKind, take_fault};
use crate::oss_store::OssStore;
use crate::reply::{empty_reply, error_reply, json_reply};
use crate::request::ReceivedRequest;
use crate::store::Store;
use crate::{capture, fc2, fc3, github_oidc, oss, sts, verify};

/// What [`Service::handle`] asks of the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    Reply(HttpReply),
    /// Close the connection without a complete reply.
    Drop,
}

pub struct Service {
    credentials: Credentials,
    delay: Option<Duration>,
    oidc: github_oidc::OidcConfig,
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
    /// Credentials STS handed out for an assumed role, accepted by the FC 3.0 and STS routes.
    role_credentials: Vec<Credentials>,
}

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
            oidc: config.oidc,
            inner: Mutex::new(Inner {
                store,
                oss: OssStore::default(),
                nonces: HashSet::new(),
                capture,
                requests: 0,
                faults: config.faults,
                lent_credentials: Vec::new(),
                role_credentials: Vec::new(),
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

    /// Answers one request: the unsigned state view, or an API call checked as the real
    /// service would.
    pub fn handle(&self, request: &ReceivedRequest<'_>) -> Handled {
        if request.path == "/_local/state" && request.method == "GET" {
            return Handled::Reply(json_reply(200, &self.state(), "state"));
        }
        let now = OffsetDateTime::now_utc();
        let mut inner = self.lock();
        inner.requests += 1;
        let request_id = format!("fc-local-{:06}", inner.requests);
        let (reply, drop_reply) = if github_oidc::is_token_request(request) {
            let reply = match github_oidc::issue(&self.oidc, request, now) {
                Ok(value) => json_reply(200, &value, &request_id),
                Err(error) => error_reply(error, &request_id),
            };
            (reply, false)
        } else if sts::is_assume_role_with_oidc(request) {
            let reply = match self.assume_role(&mut inner, request, now, sts::assume_role_with_oidc)
            {
                Ok(mut value) => {
                    value["RequestId"] = json!(request_id);
                    json_reply(200, &value, &request_id)
                }
                Err(error) => error_reply(error, &request_id),
            };
            (reply, false)
        } else if oss::is_oss(request) {
            let reply = self
                .answer_oss(&mut inner, request, now)
                .unwrap_or_else(|fault| fault.reply(&request_id));
            (reply, false)
        } else if fc2::is_fc2(request) {
            let reply = match self.lend_bucket(&mut inner, request, now) {
                Ok(value) => json_reply(200, &value, &request_id),
                Err(error) => error_reply(error, &request_id),
            };
            (reply, false)
        } else {
            let mut drop_reply = false;
            let reply = match self.answer_v3(&mut inner, request, now, &mut drop_reply) {
                Ok((status, Some(value))) => json_reply(status, &value, &request_id),
                Ok((status, None)) => empty_reply(status, &request_id),
                Err(error) => error_reply(error, &request_id),
            };
            (reply, drop_reply)
        };
        if let Err(error) = capture::record(inner.capture.as_mut(), request, reply.status) {
            return Handled::Reply(error_reply(error, &request_id));
        }
        drop(inner);
        let (method, path, status) = (request.method, request.path, reply.status);
        if drop_reply {
            eprintln!("fc-local: {method} {path} -> {status}, reply dropped");
            return Handled::Drop;
        }
        eprintln!("fc-local: {method} {path} -> {status}");
        Handled::Reply(reply)
    }

    fn answer_oss(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<HttpReply, crate::oss_store::OssFault> {
        let signer = request
            .header("authorization")
            .and_then(verify::oss_v4::parse_authorization)
            .map(|authorization| authorization.access_key_id);
        let owner = self.owner(inner, signer.as_deref());
        let Inner {
            oss: store,
            faults,
            lent_credentials,
            ..
        } = inner;
        oss::answer(request, &owner, lent_credentials, faults, store, now)
    }

    fn lend_bucket(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Value, ServiceError> {
        let signer = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("FC "))
            .and_then(|value| value.split_once(':'))
            .map(|(key_id, _)| key_id);
        let owner = self.owner(inner, signer);
        let lender = fc2::Lender {
            credentials: &owner,
            account_id: inner.store.account_id(),
            region: inner.store.region(),
            number: inner.lent_credentials.len() as u64 + 1,
        };
        let (reply, lent) = fc2::lend_bucket(&lender, request, now)?;
        inner.lent_credentials.push(lent);
        Ok(reply)
    }

    /// The account owner's credentials that signed a request: an assumed role's when its key
    /// id is one STS handed out (the role acts for the account), else the service's own.
    fn owner(&self, inner: &Inner, signer: Option<&str>) -> Credentials {
        signer
            .and_then(|id| {
                inner
                    .role_credentials
                    .iter()
                    .find(|issued| issued.access_key_id == id)
            })
            .unwrap_or(&self.credentials)
            .clone()
    }

    /// An STS call that hands out a role's credentials, remembered so that FC takes them.
    fn assume_role(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
        now: OffsetDateTime,
        call: impl Fn(
            &sts::Issuer<'_>,
            &ReceivedRequest<'_>,
            OffsetDateTime,
        ) -> Result<(Value, Credentials), ServiceError>,
    ) -> Result<Value, ServiceError> {
        let issuer = sts::Issuer {
            account_id: inner.store.account_id(),
            oidc: &self.oidc,
            number: inner.role_credentials.len() as u64 + 1,
        };
        let (reply, issued) = call(&issuer, request, now)?;
        inner.role_credentials.push(issued);
        Ok(reply)
    }

    /// An ACS3-signed call: STS's GetCallerIdentity or FC 3.0's layer API.
    fn answer_v3(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
        now: OffsetDateTime,
        drop_reply: &mut bool,
    ) -> Result<(u16, Option<Value>), ServiceError> {
        let known = |id: &str| {
            if id == self.credentials.access_key_id {
                return Some(self.credentials.clone());
            }
            inner
                .role_credentials
                .iter()
                .find(|issued| issued.access_key_id == id)
                .cloned()
        };
        let query = request.query_pairs();
        verify::acs3::verify(&request.signable(request.path, &query), known, now)?;
        if let Some(nonce) = request.header("x-acs-signature-nonce")
            && !inner.nonces.insert(nonce.to_owned())
        {
            return Err(ServiceError::new(
                403,
                "SignatureNonceUsed",
                format!("nonce {nonce} was already used"),
            ));
        }
        if request.header("x-acs-action") == Some("AssumeRole") {
            let reply = self.assume_role(inner, request, now, sts::assume_role)?;
            return Ok((200, Some(reply)));
        }
        if sts::is_sts(request) {
            let identity = sts::get_caller_identity(request, inner.store.account_id())?;
            return Ok((200, Some(identity)));
        }
        let segments = fc3::segments(request.path);
        let route = fc3::route(request, &segments)?;
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
        fc3::answer(route, request, &mut inner.store, &inner.oss, now)
    }
}
