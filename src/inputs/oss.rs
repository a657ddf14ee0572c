//! The OSS and STS inputs: those every region shares (`upload`, `oss-key-prefix`,
//! `account-id`, `sts-endpoint`), parsed once, and those that may name a region
//! (`oss-endpoint`, `oss-bucket`), parsed for each region with `{region}` replaced.

use super::error::{InputError, check};
use super::locations::{Account, Lender, RegionalOss, Staging, TempBucketRoute};
use super::raw::RawInputs;
use crate::cloud::{AccountId, Region};
use crate::endpoint::Endpoint;
use crate::interface::Input;
use crate::oss::location::OssLocation;
use crate::oss_names::{BucketName, check_prefix};

/// `fc-layers/`: where an own bucket keeps layer zips unless told otherwise.
const DEFAULT_KEY_PREFIX: &str = "fc-layers/";

/// The `upload` input: how the zip reaches FC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UploadMode {
    /// Inline when the Base64 fits, OSS otherwise.
    Auto,
    Inline,
    Oss,
}

/// The OSS and STS inputs every region shares; `None` where unset or invalid.
pub(super) struct SharedOss {
    pub(crate) mode: UploadMode,
    key_prefix: String,
    account_id: Option<AccountId>,
    sts_endpoint: Option<Endpoint>,
}

/// `oss-endpoint` and `oss-bucket` for one region; `None` where unset or invalid.
pub(super) struct RegionOss {
    pub(crate) bucket: Option<BucketName>,
    location: Option<OssLocation>,
}

impl SharedOss {
    pub(crate) fn parse(raw: &RawInputs, errors: &mut Vec<InputError>) -> Self {
        let trimmed = |input| raw.text(input).map(str::trim);
        let mode = match trimmed(Input::Upload) {
            None | Some("auto") => UploadMode::Auto,
            Some("inline") => UploadMode::Inline,
            Some("oss") => UploadMode::Oss,
            Some(other) => {
                errors.push(InputError::new(
                    Input::Upload,
                    format!("{other:?} is not `auto`, `inline` or `oss`"),
                ));
                UploadMode::Auto
            }
        };
        let key_prefix = trimmed(Input::OssKeyPrefix).unwrap_or(DEFAULT_KEY_PREFIX);
        if let Err(problem) = check_prefix(key_prefix, "the prefix") {
            errors.push(InputError::new(Input::OssKeyPrefix, problem.to_string()));
        }
        Self {
            mode,
            key_prefix: key_prefix.to_owned(),
            account_id: trimmed(Input::AccountId)
                .and_then(|id| check(Input::AccountId, AccountId::parse(id), errors)),
            sts_endpoint: trimmed(Input::StsEndpoint)
                .and_then(|endpoint| check(Input::StsEndpoint, Endpoint::parse(endpoint), errors)),
        }
    }

    /// How a zip made here reaches OSS in `region`. `given_endpoint` is the `endpoint`
    /// input's, where the temporary bucket is asked for too. `None` when the region is
    /// unknown and needed, which is an input error already.
    pub(crate) fn staging(
        &self,
        regional: &RegionOss,
        region: Option<&Region>,
        given_endpoint: Option<&Endpoint>,
    ) -> Option<Staging> {
        if let Some(bucket) = &regional.bucket {
            return Some(Staging::OwnBucket {
                oss: regional.of(region)?,
                bucket: bucket.clone(),
                key_prefix: self.key_prefix.clone(),
            });
        }
        let lender = match (given_endpoint, region) {
            (Some(endpoint), _) => Lender::Endpoint(endpoint.clone()),
            (None, Some(region)) => Lender::Region(region.clone()),
            (None, None) => return None,
        };
        let account = match (&self.account_id, &self.sts_endpoint) {
            (Some(id), _) => Account::Given(id.clone()),
            (None, Some(endpoint)) => Account::FromSts(endpoint.clone()),
            (None, None) => Account::FromSts(Endpoint::default_sts()),
        };
        Some(Staging::Temporary(TempBucketRoute {
            lender,
            account,
            location: regional
                .location
                .clone()
                .unwrap_or_else(OssLocation::accelerate),
        }))
    }
}

impl RegionOss {
    /// `oss-endpoint` and `oss-bucket` as `text` gives them for one region.
    pub(crate) fn parse(
        text: impl Fn(Input) -> Option<String>,
        errors: &mut Vec<InputError>,
    ) -> Self {
        let trimmed = |input| text(input).map(|text| text.trim().to_owned());
        Self {
            bucket: trimmed(Input::OssBucket)
                .and_then(|bucket| check(Input::OssBucket, BucketName::parse(&bucket), errors)),
            location: trimmed(Input::OssEndpoint).and_then(|endpoint| {
                check(Input::OssEndpoint, OssLocation::parse(&endpoint), errors)
            }),
        }
    }

    /// OSS of `region`: `oss-endpoint`, or the region's own.
    pub(crate) fn of(&self, region: Option<&Region>) -> Option<RegionalOss> {
        region.map(|region| RegionalOss {
            location: self
                .location
                .clone()
                .unwrap_or_else(|| OssLocation::for_region(region)),
            region: region.clone(),
        })
    }
}
