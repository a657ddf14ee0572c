//! The local service without its HTTP server: a received request in, a [`Handled`] out.
//! It holds the state the protocols share, the faults and the capture; `protocols` tells
//! the protocols apart by their signature scheme and hands each to its module
//! ([`crate::fc3`], [`crate::sts`], [`crate::fc2`], [`crate::oss`]). The axum server ([`crate::server`]) and the in-process
//! transport ([`crate::in_process`]) are two thin ways of reaching it.

mod protocols;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::HttpReply;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::config::{Config, Fault};
use crate::functions::{Functions, FunctionsConfig};
use crate::oss_store::OssStore;
use crate::reply::{error_reply, json_reply};
use crate::request::ReceivedRequest;
use crate::store::Store;
use crate::{capture, github_oidc, oss, prefix};

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

/// A request being answered.
struct Incoming<'a> {
    /// The path prefix whose state it reaches ([`crate::prefix`]), `""` when there is none.
    prefix: &'a str,
    /// As sent: the signatures are checked over its path.
    request: ReceivedRequest<'a>,
    /// The same less its prefix: what the protocols route on.
    routed: ReceivedRequest<'a>,
    now: OffsetDateTime,
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
    pub(crate) fn delay(&self) -> Option<Duration> {
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
        let incoming = Incoming {
            prefix,
            request: *request,
            routed,
            now,
        };
        let (reply, drop_reply) = self.answer(&mut inner, &incoming, &request_id);
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
}
