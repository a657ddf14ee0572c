//! A directory packaged and uploaded at once: with `upload: oss`, one region and FC's
//! temporary bucket, the parts go up while the packager writes the rest, so that where the
//! link is slow the packaging disappears behind the upload. The object is then staged for
//! the region, which lists, decides and creates as ever.
//!
//! Only FC's temporary bucket: it is lent a key before the zip exists, where a bucket of the
//! user's own names the object by the zip's CRC-64, known only at the end (and a HeadObject
//! there may find the zip already uploaded). Only one region: every region uploads on its
//! own, in turn. The upload comes before the region's version listing, so an unchanged layer
//! is uploaded anyway (to FC's temporary bucket, which FC expires) and then not published:
//! bytes spent, no version made.

use std::path::Path;

use tokio::sync::watch;

use super::lend::Lender;
use crate::fc::limits::MAX_OSS_ZIP_BYTES;
use crate::http::Transport;
use crate::inputs::{Access, Code, Settings, Staging, UploadMode};
use crate::oss::upload::{UploadError, UploadTarget, upload_while_packaging};
use crate::oss_names::BucketName;
use crate::outcome::Failure;
use crate::package::contents::human_bytes;
use crate::package::{self, Package, PackageError, Written};
use crate::report::Reporter;

/// The object a package went up to while it was made.
pub(crate) struct Uploaded {
    pub(crate) bucket: BucketName,
    pub(crate) key: String,
}

/// The directory to package as it is uploaded, when this run's inputs allow it.
fn overlapped_directory(settings: &Settings) -> Option<&Path> {
    let Code::Path(path) = &settings.code else {
        return None;
    };
    let Access::Online { regions, .. } = &settings.access else {
        return None;
    };
    let one = regions.iter().count() == 1;
    let temporary = matches!(regions.first().staging, Staging::Temporary(_));
    let wanted = settings.upload == UploadMode::Oss && !settings.lifecycle.dry_run;
    (one && temporary && wanted && path.is_dir()).then_some(path)
}

/// Packages the `code` directory while uploading it to FC's temporary bucket, when the
/// inputs allow it (`None` otherwise, and when the bucket is not lent: the region's turn then
/// asks again, and uploads after packaging).
pub(crate) async fn package_and_upload<T: Transport>(
    settings: &Settings,
    lender: &Lender<'_, T>,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Option<Result<(Package, Uploaded), Failure>> {
    let path = overlapped_directory(settings)?;
    let Access::Online { regions, .. } = &settings.access else {
        return None;
    };
    let Staging::Temporary(route) = &regions.first().staging else {
        return None;
    };
    let (client, lent) = match lender.lend(route, reporter).await {
        Ok(lent) => lent,
        Err(failure) => {
            reporter.warning(&format!(
                "the zip is packaged first and uploaded after, since FC's temporary bucket was not lent: {failure}"
            ));
            return None;
        }
    };
    let temp = match package::temporary_zip(temp_dir) {
        Ok(temp) => temp,
        Err(error) => return Some(Err(Failure::Package(error))),
    };
    let zip = temp.path().to_owned();
    let (sender, receiver) = watch::channel(Written::Bytes(0));
    let (root, options) = (path.to_owned(), settings.packaging.clone());
    let packaging = tokio::task::spawn_blocking(move || {
        package::zip_watched(&root, temp, MAX_OSS_ZIP_BYTES, &options, sender)
    });
    let target = UploadTarget::new(&lent.bucket, &lent.key, settings.lifecycle.retries.most);
    let uploaded = upload_while_packaging(&client, &target, &zip, receiver, reporter).await;
    let packaged = match packaging.await {
        Ok(packaged) => packaged,
        Err(_) => Err(PackageError::Io {
            path: path.into(),
            source: std::io::Error::other("the packager stopped"),
        }),
    };
    Some(ended(
        path,
        packaged,
        uploaded,
        lent.bucket,
        lent.key,
        reporter,
    ))
}

/// What the packaging and the upload came to: the packaging's error first, since a failed
/// packaging stops its upload.
fn ended(
    path: &Path,
    packaged: Result<Package, PackageError>,
    uploaded: Result<(), UploadError>,
    bucket: BucketName,
    key: String,
    reporter: &mut impl Reporter,
) -> Result<(Package, Uploaded), Failure> {
    let package = packaged.map_err(|error| match error {
        PackageError::TooLarge { size, .. } => Failure::TooLargeForOss { zip_bytes: size },
        other => Failure::Package(other),
    })?;
    uploaded?;
    reporter.info(&format!(
        "Zipped {} as it went up: {} entries, {} ({} bytes), CRC-64/XZ {}",
        path.display(),
        package.entries,
        human_bytes(package.size),
        package.size,
        package.checksum
    ));
    Ok((package, Uploaded { bucket, key }))
}
