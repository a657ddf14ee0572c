//! What the layer is made of: the `code` input packaged into a zip on disk, or an object
//! already in OSS, looked up for its size and CRC-64.

use std::path::Path;
use std::sync::Arc;

use super::link;
use crate::clock::Signing;
use crate::credentials::Credentials;
use crate::fc::limits::{
    MAX_INLINE_BASE64_BYTES, MAX_INLINE_ZIP_BYTES, MAX_OSS_ZIP_BYTES, base64_len,
};
use crate::http::Transport;
use crate::inputs::{Code, RegionalOss, Settings, UploadMode};
use crate::oss::client::OssClient;
use crate::oss_names::ObjectRef;
use crate::outcome::Failure;
use crate::package::contents::human_bytes;
use crate::package::{self, Origin, Package, PackageError};
use crate::report::Reporter;

/// The layer's zip, wherever it is.
#[derive(Debug)]
pub(crate) enum Source {
    Package(Package),
    Object {
        object: ObjectRef,
        size: Option<u64>,
        /// CRC-64/XZ as OSS reports it.
        checksum: Option<String>,
    },
}

impl Source {
    pub(crate) fn checksum(&self) -> Option<&str> {
        match self {
            Source::Package(package) => Some(&package.checksum),
            Source::Object { checksum, .. } => checksum.as_deref(),
        }
    }

    pub(crate) fn size(&self) -> Option<u64> {
        match self {
            Source::Package(package) => Some(package.size),
            Source::Object { size, .. } => *size,
        }
    }
}

/// How the zip reaches FC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    Inline,
    Oss,
    /// `auto`, and the zip may go either way: the link decides, in each region
    /// (`stage::settle`).
    ByLink,
}

/// Inline when asked, OSS when asked or when `auto` and the Base64 is over FC's limit; the
/// link's choice when `auto` and the zip is large enough for the route to matter.
fn route(mode: UploadMode, source: &Source) -> Route {
    match (mode, source) {
        (_, Source::Object { .. }) | (UploadMode::Oss, _) => Route::Oss,
        (UploadMode::Inline, _) => Route::Inline,
        (UploadMode::Auto, Source::Package(package)) => {
            let fits = usize::try_from(package.size)
                .is_ok_and(|size| base64_len(size) <= MAX_INLINE_BASE64_BYTES);
            match (fits, link::worth_measuring(package.size)) {
                (false, _) => Route::Oss,
                (true, true) => Route::ByLink,
                (true, false) => Route::Inline,
            }
        }
    }
}

/// [`route`], with a line in the log when a zip made here goes through OSS, saying why.
pub(crate) fn choose_route(
    mode: UploadMode,
    source: &Source,
    reporter: &mut impl Reporter,
) -> Route {
    let route = route(mode, source);
    if let (Route::Oss, Source::Package(package)) = (route, source) {
        reporter.info(&format!(
            "The zip goes through OSS ({} bytes; upload: {})",
            package.size,
            match mode {
                UploadMode::Auto => "auto, and its Base64 is over FC's inline limit",
                UploadMode::Oss => "oss",
                UploadMode::Inline => "inline",
            }
        ));
    }
    route
}

/// The `code` input as a zip on disk (under `temp_dir` when zipped here), within the limit
/// of the way it may go.
fn package_code(
    path: &Path,
    mode: UploadMode,
    options: &package::Options,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Package, Failure> {
    let limit = match mode {
        UploadMode::Inline => MAX_INLINE_ZIP_BYTES,
        UploadMode::Auto | UploadMode::Oss => MAX_OSS_ZIP_BYTES,
    };
    let package =
        package::load_with(path, limit, temp_dir, options).map_err(|error| match error {
            PackageError::TooLarge { size, .. } if mode == UploadMode::Inline => {
                Failure::TooLargeForInline { zip_bytes: size }
            }
            PackageError::TooLarge { size, .. } => Failure::TooLargeForOss { zip_bytes: size },
            other => Failure::Package(other),
        })?;
    let what = match package.origin {
        Origin::Directory => "Zipped",
        Origin::ZipFile => "Read",
    };
    reporter.info(&format!(
        "{what} {}: {} entries, {} ({} bytes), CRC-64/XZ {}",
        path.display(),
        package.entries,
        human_bytes(package.size),
        package.size,
        package.checksum
    ));
    Ok(package)
}

/// An `oss://` object, which must exist: its size and CRC-64 come from HeadObject.
async fn look_up_object<T: Transport>(
    client: &OssClient<T>,
    object: &ObjectRef,
    reporter: &mut impl Reporter,
) -> Result<Source, Failure> {
    let info = client
        .head(&object.bucket, &object.key)
        .await
        .map_err(Failure::Oss)?
        .ok_or_else(|| Failure::ObjectMissing(object.clone()))?;
    reporter.info(&format!(
        "Found {object}: {} bytes, CRC-64/XZ {}",
        info.size.map_or("?".to_owned(), |size| size.to_string()),
        info.crc64.as_deref().unwrap_or("?")
    ));
    Ok(Source::Object {
        object: object.clone(),
        size: info.size,
        checksum: info.crc64,
    })
}

/// OSS of the layer's region, as the user's own credentials: for their bucket or object.
pub(crate) fn own_oss<'t, T: Transport>(
    oss: &RegionalOss,
    credentials: &Credentials,
    transport: &'t T,
    signing: &Signing,
) -> OssClient<&'t T> {
    OssClient {
        transport,
        location: oss.location.clone(),
        credentials: credentials.clone(),
        region: oss.region.clone(),
        clock: Arc::clone(&signing.clock),
    }
}

/// The `code` input, packaged or looked up (as `credentials`, `None` only in a dry run
/// given no credentials, which looks nothing up).
pub(crate) async fn source<T: Transport>(
    settings: &Settings,
    credentials: Option<&Credentials>,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Source, Failure> {
    match (&settings.code, credentials) {
        (Code::Path(path), _) => package_code(
            path,
            settings.upload,
            &settings.packaging,
            temp_dir,
            reporter,
        )
        .map(Source::Package),
        (
            Code::Object {
                object,
                oss: Some(oss),
            },
            Some(credentials),
        ) => {
            let client = own_oss(oss, credentials, transport, signing);
            look_up_object(&client, object, reporter).await
        }
        // Only a dry run given no credentials, which looks nothing up: the inputs require
        // the region, and so `oss`, of any other.
        (Code::Object { object, .. }, _) => Ok(Source::Object {
            object: object.clone(),
            size: None,
            checksum: None,
        }),
    }
}
