//! The `code` input: a directory or zip to package, or an object already in OSS.

use std::path::{Path, PathBuf};

use super::error::{InputError, check, required};
use super::locations::RegionalOss;
use super::oss::{RegionOss, SharedOss, UploadMode};
use super::raw::RawInputs;
use super::regions::{ENV_REGION, RegionChoice};
use crate::interface::Input;
use crate::oss_names::ObjectRef;

/// The `code` input: files to package, or an object already in OSS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Code {
    /// Resolved against the working directory; whether it is a directory or a zip is
    /// decided when it is read.
    Path(PathBuf),
    /// `oss` is where the object is looked up; the region it needs is required, so it is
    /// `None` only in a dry run given no credentials, which looks nothing up.
    Object {
        object: ObjectRef,
        oss: Option<RegionalOss>,
    },
}

/// `code`: a path against `working_dir`, or an OSS object in the first region's OSS; how it
/// goes with the OSS inputs checked too.
pub(super) fn parse(
    raw: &RawInputs,
    working_dir: &Path,
    choice: &RegionChoice,
    oss: &SharedOss,
    offline: bool,
    errors: &mut Vec<InputError>,
) -> Option<Code> {
    let first = choice.first();
    let regional = RegionOss::parse(|input| RegionChoice::text_for(raw, input, first), errors);
    let code = required(Input::Code, raw.text(Input::Code), errors).and_then(|code| {
        let code = code.trim();
        let Some(object) = ObjectRef::parse(code) else {
            return Some(Code::Path(working_dir.join(code)));
        };
        check(Input::Code, object, errors).map(|object| {
            let oss = regional.of(first);
            let endpoint_given = raw.text(Input::Endpoint).is_some();
            if oss.is_none() && !offline && endpoint_given && !choice.given {
                errors.push(InputError::new(
                    Input::Region,
                    format!("is required for code: oss://… (or set {ENV_REGION})"),
                ));
            }
            Code::Object { object, oss }
        })
    });
    check_against(oss, &regional, code.as_ref(), choice.given, errors);
    code
}

/// How the OSS inputs go together with `code` and whether a region was given.
fn check_against(
    oss: &SharedOss,
    regional: &RegionOss,
    code: Option<&Code>,
    region_given: bool,
    errors: &mut Vec<InputError>,
) {
    if let Some(Code::Object { object, .. }) = code {
        if regional.bucket.is_some() {
            errors.push(InputError::new(
                Input::OssBucket,
                format!("cannot be used with `code: {object}`, which names its bucket already"),
            ));
        }
        if oss.mode == UploadMode::Inline {
            errors.push(InputError::new(
                Input::Upload,
                format!("`inline` cannot send `code: {object}`, which is in OSS already"),
            ));
        }
    }
    if regional.bucket.is_some() && !region_given {
        errors.push(InputError::new(
            Input::Region,
            format!(
                "is required with `oss-bucket` (or set {}): the bucket's region signs the upload",
                ENV_REGION
            ),
        ));
    }
}
