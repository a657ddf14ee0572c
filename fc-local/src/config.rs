//! What the service starts with: the credentials it accepts, its region and account, the
//! capture file, and the faults it serves on cue.

use std::path::PathBuf;
use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;

use crate::functions::FunctionsConfig;
use crate::github_oidc::OidcConfig;

pub struct Config {
    pub credentials: Credentials,
    pub(crate) region: String,
    pub(crate) account_id: String,
    /// A JSON-lines file that receives every API request as it arrived.
    pub capture: Option<PathBuf>,
    /// Misbehaviour on cue, for the tests of retries and lost replies; each fault serves
    /// its `times`, in order, then the service behaves.
    pub faults: Vec<Fault>,
    /// Every reply waits this long.
    pub delay: Option<Duration>,
    /// Layers that exist before the first request: a name and how many versions.
    pub seeds: Vec<(String, u32)>,
    /// GitHub's OIDC token endpoint and what STS's AssumeRoleWithOIDC and AssumeRole accept.
    pub oidc: OidcConfig,
    /// The functions GetFunction and UpdateFunction serve, and how their updates go.
    pub functions: FunctionsConfig,
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

/// The region `fc-local` serves unless told otherwise.
pub(crate) const DEFAULT_REGION: &str = "cn-hangzhou";
/// The account `fc-local` reports and puts in ARNs unless told otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "1234567890123456";

impl Config {
    /// The defaults `fc-local` starts with, for `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            capture: None,
            faults: Vec::new(),
            delay: None,
            seeds: Vec::new(),
            oidc: OidcConfig::default(),
            functions: FunctionsConfig::default(),
        }
    }
}

/// The first fault for `action` under the path `prefix` that has uses left, used once. A
/// fault's action is `ACTION`, for every prefix, or `PREFIX/ACTION` (`cn-beijing/PutObject`)
/// for the calls under `/PREFIX` only.
pub(crate) fn take_fault(faults: &mut [Fault], prefix: &str, action: &str) -> Option<FaultKind> {
    let scoped = format!("{}/{action}", prefix.trim_start_matches('/'));
    let fault = faults.iter_mut().find(|fault| {
        (fault.action == action || (!prefix.is_empty() && fault.action == scoped))
            && fault.times > 0
    })?;
    if fault.times != u32::MAX {
        fault.times -= 1;
    }
    Some(fault.kind.clone())
}
