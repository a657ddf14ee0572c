//! The local service without its HTTP server: a received request in, a [`Handled`] out.
//! It tells the protocols apart by their signature scheme and hands each to its module
//! ([`crate::fc3`], [`crate::sts`], [`crate::fc2`], [`crate::oss`]); it holds the state they
//! share, the faults and the capture. The axum server ([`crate::server`]) and the in-process
//! transport ([`crate::in_process`]) are two thin ways of reaching it.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::HttpReply;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::config::{Config, Fault, FaultKind, take_fault};
use crate::functions::{Functions, FunctionsConfig};
use crate::oss_store::OssStore;
use crate::reply::{empty_reply, error_reply, json_reply};
use crate::request::ReceivedRequest;
use crate::store::Store;
use crate::{capture, fc2, fc3, functions, github_oidc, oss, prefix, sts, verify};

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
    /// What a prefix's state starts with: the region (unless the prefix names one), the
    /// account and the seeded history.
    region: String,
    account_id: String,
    seeds: Vec<(String, u32)>,
    /// The functions each prefix's state starts with (functions are regional, as layers).
    functions: FunctionsConfig,
    oidc: github_oidc::OidcConfig,
    inner: Mutex<Inner>,
}

struct Inner {
    /// The state of each path prefix ([`prefix`]), `""` when there is none; made on the
    /// first call under it.
    sites: BTreeMap<String, Site>,
    nonces: HashSet<String>,
    capture: Option<File>,
    requests: u64,
    faults: Vec<Fault>,
    /// Credentials STS handed out for an assumed role, accepted everywhere: a role is not
    /// regional.
    role_credentials: Vec<Credentials>,
}

/// What one path prefix holds: a region of its own.
struct Site {
    store: Store,
    functions: Functions,
    oss: OssStore,
    /// Temporary credentials lent with the temporary bucket, each valid for its uploads.
    lent_credentials: Vec<Credentials>,
}

impl Service {
    pub fn new(config: Config) -> std::io::Result<Self> {
        let capture = config.capture.map(File::create).transpose()?;
        let mut service = Self {
            credentials: config.credentials,
            delay: config.delay,
            region: config.region,
            account_id: config.account_id,
            seeds: config.seeds,
            functions: config.functions,
            oidc: config.oidc,
            inner: Mutex::new(Inner {
                sites: BTreeMap::new(),
                nonces: HashSet::new(),
                capture,
                requests: 0,
                faults: config.faults,
                role_credentials: Vec::new(),
            }),
        };
        let site = service.new_site("")?;
        service
            .inner
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .sites
            .insert(String::new(), site);
        Ok(service)
    }

    /// The state of a prefix not seen before: its region, the account, the seeds.
    fn new_site(&self, prefix: &str) -> std::io::Result<Site> {
        let region = prefix::region(prefix).unwrap_or(&self.region);
        let mut store = Store::new(region, self.account_id.clone());
        for (layer, count) in &self.seeds {
            store
                .seed(layer, *count, OffsetDateTime::now_utc())
                .map_err(|error| std::io::Error::other(error.to_string()))?;
        }
        let functions = Functions::new(self.functions.clone(), store.region(), store.account_id())
            .map_err(std::io::Error::other)?;
        Ok(Site {
            store,
            functions,
            oss: OssStore::default(),
            lent_credentials: Vec::new(),
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
        self.state_of("")
    }

    /// [`Service::state`] of the calls under `prefix` (`/cn-beijing`): what
    /// `GET /cn-beijing/_local/state` returns; empty when none came.
    pub fn state_of(&self, prefix: &str) -> Value {
        let mut inner = self.lock();
        let Some(site) = inner.sites.get_mut(prefix) else {
            return json!({"layers": {}, "ossObjects": {}, "openUploads": 0});
        };
        let mut state = site.store.snapshot();
        state["functions"] = site.functions.snapshot();
        let objects: serde_json::Map<String, Value> = site
            .oss
            .listing()
            .into_iter()
            .map(|(name, size)| (name, json!(size)))
            .collect();
        state["ossObjects"] = Value::Object(objects);
        state["openUploads"] = json!(site.oss.open_uploads());
        state["openUploadsWithParts"] = json!(site.oss.open_uploads_with_parts());
        state
    }

    /// Answers one request: the unsigned state view, or an API call checked as the real
    /// service would.
    pub fn handle(&self, request: &ReceivedRequest<'_>) -> Handled {
        let is_oss = oss::is_oss(request);
        let (prefix, path) = {
            let inner = self.lock();
            let known: Vec<&str> = inner.sites.keys().map(String::as_str).collect();
            prefix::split(request.path, is_oss, &known)
        };
        if path == prefix::STATE_PATH && request.method == "GET" {
            return Handled::Reply(json_reply(200, &self.state_of(prefix), "state"));
        }
        // The protocols route on the path less its prefix; the signatures are checked over
        // `request.path`, as sent.
        let routed = ReceivedRequest { path, ..*request };
        let now = OffsetDateTime::now_utc();
        let mut inner = self.lock();
        inner.requests += 1;
        let request_id = format!("fc-local-{:06}", inner.requests);
        if !inner.sites.contains_key(prefix) {
            match self.new_site(prefix) {
                Ok(site) => inner.sites.insert(prefix.to_owned(), site),
                Err(error) => {
                    let error = ServiceError::new(500, "InternalError", error.to_string());
                    return Handled::Reply(error_reply(error, &request_id));
                }
            };
        }
        let (reply, drop_reply) = if github_oidc::is_token_request(&routed) {
            let reply = match github_oidc::issue(&self.oidc, &routed, now) {
                Ok(value) => json_reply(200, &value, &request_id),
                Err(error) => error_reply(error, &request_id),
            };
            (reply, false)
        } else if sts::is_assume_role_with_oidc(&routed) {
            let reply = match self.assume_role(&mut inner, &routed, now, sts::assume_role_with_oidc)
            {
                Ok(mut value) => {
                    value["RequestId"] = json!(request_id);
                    json_reply(200, &value, &request_id)
                }
                Err(error) => error_reply(error, &request_id),
            };
            (reply, false)
        } else if is_oss {
            let reply = self
                .answer_oss(&mut inner, prefix, &routed, now)
                .unwrap_or_else(|fault| fault.reply(&request_id));
            (reply, false)
        } else if fc2::is_fc2(request) {
            let reply = match self.lend_bucket(&mut inner, prefix, request, &routed, now) {
                Ok(value) => json_reply(200, &value, &request_id),
                Err(error) => error_reply(error, &request_id),
            };
            (reply, false)
        } else {
            let mut drop_reply = false;
            let reply =
                match self.answer_v3(&mut inner, prefix, request, &routed, now, &mut drop_reply) {
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

    /// An OSS call; OSS signs `/bucket/key`, not the path sent, so `routed` is all it needs.
    fn answer_oss(
        &self,
        inner: &mut Inner,
        prefix: &str,
        routed: &ReceivedRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<HttpReply, crate::oss_store::OssFault> {
        let signer = routed
            .header("authorization")
            .and_then(verify::oss_v4::parse_authorization)
            .map(|authorization| authorization.access_key_id);
        let owner = self.owner(inner, signer.as_deref());
        let Inner { sites, faults, .. } = inner;
        let Some(site) = sites.get_mut(prefix) else {
            return Err(crate::oss_store::OssFault::new(
                500,
                "InternalError",
                "no state",
            ));
        };
        oss::answer(
            routed,
            prefix,
            &owner,
            &site.lent_credentials,
            faults,
            &mut site.oss,
            now,
        )
    }

    fn lend_bucket(
        &self,
        inner: &mut Inner,
        prefix: &str,
        request: &ReceivedRequest<'_>,
        routed: &ReceivedRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Value, ServiceError> {
        let signer = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("FC "))
            .and_then(|value| value.split_once(':'))
            .map(|(key_id, _)| key_id);
        let owner = self.owner(inner, signer);
        let site = site(inner, prefix)?;
        let lender = fc2::Lender {
            credentials: &owner,
            account_id: site.store.account_id(),
            region: site.store.region(),
            number: site.lent_credentials.len() as u64 + 1,
        };
        let (reply, lent) = fc2::lend_bucket(&lender, request.path, routed, now)?;
        site.lent_credentials.push(lent);
        Ok(reply)
    }

    /// The account owner's credentials that signed a request: an assumed role's when its key
    /// id is one STS handed out (the role acts for the account), else the service's own.
    fn owner(&self, inner: &Inner, signer: Option<&str>) -> Credentials {
        signer
            .and_then(|id| issued_role(inner, id))
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
            account_id: &self.account_id,
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
        prefix: &str,
        request: &ReceivedRequest<'_>,
        routed: &ReceivedRequest<'_>,
        now: OffsetDateTime,
        drop_reply: &mut bool,
    ) -> Result<(u16, Option<Value>), ServiceError> {
        let known = |id: &str| {
            if id == self.credentials.access_key_id {
                return Some(self.credentials.clone());
            }
            issued_role(inner, id).cloned()
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
            let reply = self.assume_role(inner, routed, now, sts::assume_role)?;
            return Ok((200, Some(reply)));
        }
        if sts::is_sts(request) {
            let identity = sts::get_caller_identity(routed, &self.account_id)?;
            return Ok((200, Some(identity)));
        }
        let segments = fc3::segments(routed.path);
        if let Some(route) = functions::route(routed, &segments)? {
            inject(&mut inner.faults, prefix, route.action(), drop_reply)?;
            let site = site(inner, prefix)?;
            return site.functions.answer(route, routed.body, &site.store, now);
        }
        let route = fc3::route(routed, &segments)?;
        inject(&mut inner.faults, prefix, route.action(), drop_reply)?;
        let site = site(inner, prefix)?;
        fc3::answer(route, routed, &mut site.store, &site.oss, now)
    }
}

/// The fault due for `action` under `prefix`, if any: an error to answer, or the reply to
/// drop.
fn inject(
    faults: &mut [Fault],
    prefix: &str,
    action: &str,
    drop_reply: &mut bool,
) -> Result<(), ServiceError> {
    match take_fault(faults, prefix, action) {
        None => Ok(()),
        Some(FaultKind::Fail(error)) => Err(error),
        Some(FaultKind::Throttle { retry_after_millis }) => {
            let mut error = ServiceError::new(429, "ResourceExhausted", "injected by fc-local");
            error.retry_after = Some(Duration::from_millis(retry_after_millis));
            Err(error)
        }
        Some(FaultKind::DropReply) => {
            *drop_reply = true;
            Ok(())
        }
    }
}

/// The credentials STS handed out for an assumed role whose key id is `id`, if any.
fn issued_role<'i>(inner: &'i Inner, id: &str) -> Option<&'i Credentials> {
    inner
        .role_credentials
        .iter()
        .find(|issued| issued.access_key_id == id)
}

/// The state of `prefix`, made by [`Service::handle`] before any protocol runs.
fn site<'i>(inner: &'i mut Inner, prefix: &str) -> Result<&'i mut Site, ServiceError> {
    inner
        .sites
        .get_mut(prefix)
        .ok_or_else(|| ServiceError::new(500, "InternalError", "no state for the prefix"))
}
