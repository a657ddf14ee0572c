//! Where the zip is, or goes, in OSS, and where the calls around it go: resolved while the
//! inputs are read, defaults included, so that no step can fail on a location once requests
//! are being sent.

use crate::cloud::{AccountId, Region};
use crate::endpoint::Endpoint;
use crate::oss::location::OssLocation;
use crate::oss_names::BucketName;

/// OSS of one region, reached as the user's own credentials: where `code: oss://…` is looked
/// up, and where `oss-bucket` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionalOss {
    /// `oss-endpoint`, or `oss-{region}.aliyuncs.com`.
    pub location: OssLocation,
    /// The bucket's region, which scopes the signature.
    pub region: Region,
}

/// How a zip made here reaches OSS when it goes that way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Staging {
    /// `oss-bucket`: a bucket of the user's own, where each zip is kept under its checksum.
    OwnBucket {
        oss: RegionalOss,
        bucket: BucketName,
        key_prefix: String,
    },
    /// FC's temporary bucket, lent for each upload.
    Temporary(TempBucketRoute),
}

/// Everything FC's temporary bucket needs that the inputs can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TempBucketRoute {
    pub lender: Lender,
    pub account: Account,
    /// `oss-endpoint`, or OSS's global acceleration, as Serverless Devs uses: runners are
    /// often far from the region.
    pub location: OssLocation,
}

/// Where the FC 2.0 call that lends the bucket goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lender {
    /// The `endpoint` input: whatever serves FC there serves this call too.
    Endpoint(Endpoint),
    /// `{accountId}.{region}.fc.aliyuncs.com`.
    Region(Region),
}

impl Lender {
    /// The host of the call for `account`. The account may be known only from STS, once the
    /// run has begun, so the host is made then; from parsed parts, it cannot fail.
    pub(crate) fn endpoint(&self, account: &AccountId) -> Endpoint {
        match self {
            Lender::Endpoint(endpoint) => endpoint.clone(),
            Lender::Region(region) => Endpoint::fc2_for_account(account, region),
        }
    }
}

/// The account the bucket is lent to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Account {
    /// The `account-id` input.
    Given(AccountId),
    /// The account of the credentials, asked of STS GetCallerIdentity at this endpoint
    /// (`sts-endpoint`, or `sts.aliyuncs.com`).
    FromSts(Endpoint),
}
