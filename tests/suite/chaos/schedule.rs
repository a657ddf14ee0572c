//! What a round is made of, drawn from its seed: the scenario the action is run on and the
//! faults served in front of the service. The same seed always draws the same round.

use std::collections::BTreeMap;
use std::fmt;

pub use super::functions::{Function, Release};

/// SplitMix64: small, fast and stable across versions, so a seed printed today replays the
/// same round tomorrow (a crate's generator may change its stream between releases).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One call the action makes, as the faulty front classifies what arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    ListLayerVersions,
    CreateLayerVersion,
    GetLayerVersion,
    DeleteLayerVersion,
    PutLayerAcl,
    GetCallerIdentity,
    GetFunction,
    UpdateFunction,
    GitHubToken,
    AssumeRoleWithOidc,
    TempBucketToken,
    HeadObject,
    PutObject,
    InitiateMultipartUpload,
    UploadPart,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListFunctions,
    ListFunctionVersions,
    PublishFunctionVersion,
    GetAlias,
    CreateAlias,
    UpdateAlias,
    /// Anything else: a call added later still gets faults before it is named here.
    Other,
}

impl Call {
    /// The calls faulted from the round's first stream, in the order drawn (the calls of
    /// #23 are drawn from a stream of their own, [`Release::draw_faults`], so that a seed
    /// drawn before them still draws the same round).
    pub const FAULTED: [Call; 17] = [
        Call::ListLayerVersions,
        Call::CreateLayerVersion,
        Call::GetLayerVersion,
        Call::DeleteLayerVersion,
        Call::PutLayerAcl,
        Call::GetCallerIdentity,
        Call::GetFunction,
        Call::UpdateFunction,
        Call::GitHubToken,
        Call::AssumeRoleWithOidc,
        Call::TempBucketToken,
        Call::HeadObject,
        Call::PutObject,
        Call::InitiateMultipartUpload,
        Call::UploadPart,
        Call::CompleteMultipartUpload,
        Call::Other,
    ];

    /// What a request is, from what the action put on it.
    pub fn classify(
        method: &str,
        path: &str,
        query: &str,
        body: &[u8],
        header: impl Fn(&str) -> Option<String>,
    ) -> Call {
        let authorization = header("authorization").unwrap_or_default();
        if path.ends_with("/_github/oidc/token") {
            return Call::GitHubToken;
        }
        if authorization.is_empty()
            && method == "POST"
            && String::from_utf8_lossy(body).contains("Action=AssumeRoleWithOIDC")
        {
            return Call::AssumeRoleWithOidc;
        }
        if authorization.starts_with("OSS4-HMAC-SHA256") {
            let has = |name: &str| {
                query
                    .split('&')
                    .any(|pair| pair.split('=').next() == Some(name))
            };
            return match method {
                "HEAD" => Call::HeadObject,
                "PUT" if has("partNumber") => Call::UploadPart,
                "PUT" => Call::PutObject,
                "POST" if has("uploads") => Call::InitiateMultipartUpload,
                "POST" => Call::CompleteMultipartUpload,
                "DELETE" => Call::AbortMultipartUpload,
                _ => Call::Other,
            };
        }
        if authorization.starts_with("FC ") {
            return Call::TempBucketToken;
        }
        match header("x-acs-action").as_deref() {
            Some("ListLayerVersions") => Call::ListLayerVersions,
            Some("CreateLayerVersion") => Call::CreateLayerVersion,
            Some("GetLayerVersion") => Call::GetLayerVersion,
            Some("DeleteLayerVersion") => Call::DeleteLayerVersion,
            Some("PutLayerACL") => Call::PutLayerAcl,
            Some("GetCallerIdentity") => Call::GetCallerIdentity,
            Some("GetFunction") => Call::GetFunction,
            Some("UpdateFunction") => Call::UpdateFunction,
            Some("ListFunctions") => Call::ListFunctions,
            Some("ListFunctionVersions") => Call::ListFunctionVersions,
            Some("PublishFunctionVersion") => Call::PublishFunctionVersion,
            Some("GetAlias") => Call::GetAlias,
            Some("CreateAlias") => Call::CreateAlias,
            Some("UpdateAlias") => Call::UpdateAlias,
            _ => Call::Other,
        }
    }

    pub fn is_oss(self) -> bool {
        matches!(
            self,
            Call::HeadObject
                | Call::PutObject
                | Call::InitiateMultipartUpload
                | Call::UploadPart
                | Call::CompleteMultipartUpload
                | Call::AbortMultipartUpload
        )
    }
}

/// One misbehaviour, served instead of (or on top of) the service's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// An error status, the call not applied: 429 with or without a wait, 500, 503, 403.
    Status {
        status: u16,
        retry_after_millis: Option<u64>,
    },
    /// The connection closed before the call reached the service.
    DropBefore,
    /// The call applied, then the connection closed before the reply.
    DropAfter,
    /// The call applied, the reply's headers sent, its body cut half way.
    CutReply,
    /// The call applied, its reply replaced with bytes that are no reply.
    Garble,
    /// The call applied, the reply held back past the action's idle timeout.
    Stall,
    /// An OSS write applied, its reply carrying a CRC-64 that is not the data's.
    WrongCrc,
}

impl Fault {
    pub fn draw(rng: &mut Rng, call: Call) -> Fault {
        let statuses = [
            Fault::Status {
                status: 429,
                retry_after_millis: Some(200),
            },
            Fault::Status {
                status: 429,
                retry_after_millis: None,
            },
            Fault::Status {
                status: 500,
                retry_after_millis: None,
            },
            Fault::Status {
                status: 503,
                retry_after_millis: None,
            },
        ];
        match rng.below(100) {
            0..=39 => *rng.pick(&statuses),
            40..=44 => Fault::Status {
                status: 403,
                retry_after_millis: None,
            },
            45..=54 => Fault::DropBefore,
            55..=69 => Fault::DropAfter,
            70..=79 => Fault::CutReply,
            80..=87 => Fault::Garble,
            88..=93 => Fault::Stall,
            _ if call.is_oss() => Fault::WrongCrc,
            _ => Fault::DropAfter,
        }
    }
}

/// For each call, the faults its first occurrences get, in order; later ones are served.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    pub faults: BTreeMap<Call, Vec<Fault>>,
}

impl Schedule {
    /// A calm schedule a third of the time, so the happy path is checked too.
    pub fn draw(rng: &mut Rng) -> Schedule {
        let mut schedule = Schedule::default();
        if rng.chance(30) {
            return schedule;
        }
        for call in Call::FAULTED {
            if rng.chance(25) {
                let count = 1 + rng.below(3) as usize;
                let faults = (0..count).map(|_| Fault::draw(rng, call)).collect();
                schedule.faults.insert(call, faults);
            }
        }
        schedule
    }

    /// The fault for the next occurrence of `call`, used up.
    pub fn take(&mut self, call: Call) -> Option<Fault> {
        let faults = self.faults.get_mut(&call)?;
        (!faults.is_empty()).then(|| faults.remove(0))
    }

    pub fn is_calm(&self) -> bool {
        self.faults.values().all(Vec::is_empty)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_calm() {
            return write!(f, "no faults");
        }
        let parts: Vec<String> = self
            .faults
            .iter()
            .map(|(call, faults)| format!("{call:?}: {faults:?}"))
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

/// How the layer gets to FC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Inline,
    OwnBucket,
    /// FC's temporary bucket; the account id given, or learnt from STS.
    TempBucket {
        account_from_sts: bool,
    },
}

/// How the runs of a round are started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    Once,
    /// The same step again after the first ended (a rerun), with no faults left for it.
    Twice,
    /// Two steps at once on the same layer and content.
    Together,
}

/// What the action is asked to do in a round.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub route: Route,
    pub skip_unchanged: bool,
    pub keep_versions: Option<u32>,
    pub acl: Option<&'static str>,
    pub retries: u32,
    pub dry_run: bool,
    pub security_token: bool,
    /// Versions the layer has before the round (none: it does not exist yet).
    pub seeded_versions: u32,
    /// A file large enough for a multipart upload on the OSS routes.
    pub large: bool,
    pub runs: Runs,
    /// Distinguishes the round's code from every other round's.
    pub content: u64,
    /// Functions to roll the version out to, with the layers each starts with.
    pub functions: Vec<Function>,
    /// How long each function update stays `InProgress`, in milliseconds.
    pub update_delay_millis: u64,
    /// Credentials from GitHub's OIDC token and STS AssumeRoleWithOIDC, not keys.
    pub keyless: bool,
    /// `regions` instead of `region`: each a path prefix of the one service. Empty: one
    /// region, `cn-hangzhou`, without a prefix.
    pub regions: Vec<&'static str>,
    /// `alias`, `functions: '*'`, and functions not moved that use older versions.
    pub release: Release,
    /// The first run's `function-update-timeout`, shorter than an update: it leaves its
    /// functions `InProgress` for the next run ([`super::mid_update`]).
    pub first_update_timeout: Option<u32>,
}

/// The regions a round may publish to at once.
pub const REGIONS: [&str; 3] = ["cn-hangzhou", "cn-beijing", "ap-southeast-1"];

impl Scenario {
    pub fn draw(rng: &mut Rng) -> Scenario {
        let route = match rng.below(4) {
            0 | 1 => Route::Inline,
            2 => Route::OwnBucket,
            _ => Route::TempBucket {
                account_from_sts: rng.chance(50),
            },
        };
        let seeded_versions = *rng.pick(&[0, 0, 1, 3]);
        let functions = (0..*rng.pick(&[0, 0, 1, 2, 3]))
            .map(|index| Function::draw(rng, &format!("fn-{index}"), seeded_versions))
            .collect();
        Scenario {
            route,
            skip_unchanged: rng.chance(75),
            keep_versions: rng.chance(35).then(|| 1 + rng.below(3) as u32),
            acl: rng.chance(25).then(|| *rng.pick(&["public", "private"])),
            retries: rng.below(4) as u32,
            dry_run: rng.chance(10),
            security_token: rng.chance(30),
            seeded_versions,
            large: route != Route::Inline && rng.chance(8),
            runs: *rng.pick(&[Runs::Once, Runs::Once, Runs::Twice, Runs::Together]),
            content: rng.next(),
            functions,
            update_delay_millis: *rng.pick(&[0, 0, 300, 1200]),
            keyless: rng.chance(20),
            regions: match rng.below(100) {
                0..=9 => REGIONS[..2].to_vec(),
                10..=14 => REGIONS.to_vec(),
                _ => Vec::new(),
            },
            release: Release::default(),
            first_update_timeout: None,
        }
    }
}
