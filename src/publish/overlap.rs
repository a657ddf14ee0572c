//! A directory packaged and uploaded at once: with one region and FC's temporary bucket, the
//! parts go up while the packager writes the rest, so that where the link is slow the
//! packaging disappears behind the upload. The object is then staged for the region, which
//! lists, decides and creates as ever.
//!
//! `upload: oss` lends the bucket first and uploads from the first part. `upload: auto` (the
//! route chosen by the link, [`super::link`]) starts packaging, and when the packager has
//! written the first part (8 MiB) measures the link, one HEAD to FC and one to OSS side by
//! side (the region's listing, which `auto` times otherwise, comes later), and asks the model
//! whether a zip of at least what is written goes through OSS: through OSS only gains as the
//! zip grows ([`super::link::choose_from`]), so a yes holds for the whole zip, and the upload
//! starts from there. A no, a zip done before 8 MiB, or no reply to a measure: the packaging
//! finishes alone and the region chooses the route after its listing, as before.
//!
//! Only FC's temporary bucket: it is lent a key before the zip exists, where a bucket of the
//! user's own names the object by the zip's CRC-64, known only at the end (and a HeadObject
//! there may find the zip already uploaded). Only one region: every region uploads on its
//! own, in turn. The upload comes before the region's version listing, so an unchanged layer
//! is uploaded anyway (to FC's temporary bucket, which FC expires) and then not published:
//! bytes spent, no version made.

use std::path::{Path, PathBuf};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::lend::Lender;
use super::link::{self, LinkMeasure, Way};
use super::measure;
use crate::fc::limits::MAX_OSS_ZIP_BYTES;
use crate::http::Transport;
use crate::inputs::{Access, Code, RegionTarget, Settings, Staging, TempBucketRoute, UploadMode};
use crate::oss::client::OssClient;
use crate::oss::upload::{START_PART, UploadError, UploadTarget, upload_while_packaging};
use crate::oss_names::BucketName;
use crate::outcome::Failure;
use crate::package::contents::human_bytes;
use crate::package::{self, Package, PackageError, Written};
use crate::report::Reporter;
use crate::temp_bucket::TempBucket;

/// The object a package went up to while it was made.
pub(crate) struct Uploaded {
    pub(crate) bucket: BucketName,
    pub(crate) key: String,
}

/// The directory to package as it is uploaded, and the region it goes to, when this run's
/// inputs allow it.
fn overlapped_directory(settings: &Settings) -> Option<(&Path, &RegionTarget, &TempBucketRoute)> {
    let Code::Path(path) = &settings.code else {
        return None;
    };
    let Access::Online { regions, .. } = &settings.access else {
        return None;
    };
    let target = regions.first();
    let Staging::Temporary(route) = &target.staging else {
        return None;
    };
    let one = regions.iter().count() == 1;
    let wanted = matches!(settings.upload, UploadMode::Oss | UploadMode::Auto)
        && !settings.lifecycle.dry_run;
    (one && wanted && path.is_dir()).then_some((path, target, route))
}

/// The packager at work on its own thread, and how far it is.
struct Packaging {
    zip: PathBuf,
    written: watch::Receiver<Written>,
    task: JoinHandle<Result<Package, PackageError>>,
}

impl Packaging {
    fn start(path: &Path, settings: &Settings, temp_dir: &Path) -> Result<Self, Failure> {
        let temp = package::temporary_zip(temp_dir).map_err(Failure::Package)?;
        let zip = temp.path().to_owned();
        let (sender, written) = watch::channel(Written::Bytes(0));
        let (root, options) = (path.to_owned(), settings.packaging.clone());
        let task = tokio::task::spawn_blocking(move || {
            package::zip_watched(&root, temp, MAX_OSS_ZIP_BYTES, &options, sender)
        });
        Ok(Self { zip, written, task })
    }

    /// The package, once the packager is done.
    async fn finish(self, path: &Path) -> Result<Package, PackageError> {
        self.task.await.unwrap_or_else(|_| {
            Err(PackageError::Io {
                path: path.into(),
                source: std::io::Error::other("the packager stopped"),
            })
        })
    }
}

/// Packages the `code` directory while uploading it to FC's temporary bucket, when the
/// inputs allow it (`None` otherwise, and when `upload: oss` is not lent the bucket: the
/// region's turn then asks again, and uploads after packaging). Under `upload: auto`, the
/// package may come back not uploaded, the link having said inline or not been measured.
pub(crate) async fn package_and_upload<T: Transport>(
    settings: &Settings,
    lender: &Lender<'_, T>,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Option<Result<(Package, Option<Uploaded>), Failure>> {
    let (path, target, route) = overlapped_directory(settings)?;
    if settings.upload == UploadMode::Auto {
        return Some(by_link(path, (target, route), lender, temp_dir, reporter).await);
    }
    let (client, lent) = match lender.lend(route, reporter).await {
        Ok(lent) => lent,
        Err(failure) => {
            reporter.warning(&format!(
                "the zip is packaged first and uploaded after, since FC's temporary bucket was not lent: {failure}"
            ));
            return None;
        }
    };
    let packaging = match Packaging::start(path, settings, temp_dir) {
        Ok(packaging) => packaging,
        Err(failure) => return Some(Err(failure)),
    };
    Some(upload_as_packaged(path, packaging, client, lent, settings, reporter).await)
}

/// `upload: auto`: packages, and from the first part uploads too if the link model says the
/// zip goes through OSS.
async fn by_link<T: Transport>(
    path: &Path,
    (target, route): (&RegionTarget, &TempBucketRoute),
    lender: &Lender<'_, T>,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<(Package, Option<Uploaded>), Failure> {
    let settings = lender.settings;
    let mut packaging = Packaging::start(path, settings, temp_dir)?;
    let first_part = packaging
        .written
        .wait_for(|state| !matches!(state, Written::Bytes(bytes) if *bytes < START_PART))
        .await
        .ok()
        .and_then(|state| match &*state {
            Written::Bytes(bytes) => Some(*bytes),
            _ => None,
        });
    let through_oss = match first_part {
        Some(written) => through_oss(written, target, lender, reporter).await,
        None => false,
    };
    if !through_oss {
        return alone(path, packaging, reporter).await;
    }
    let (client, lent) = match lender.lend(route, reporter).await {
        Ok(lent) => lent,
        Err(failure) => {
            reporter.warning(&format!(
                "the zip is packaged first, its route chosen after, since FC's temporary bucket was not lent: {failure}"
            ));
            return alone(path, packaging, reporter).await;
        }
    };
    upload_as_packaged(path, packaging, client, lent, settings, reporter).await
}

/// Uploads what `packaging` writes to the object `lent`, and waits for both.
async fn upload_as_packaged<T: Transport>(
    path: &Path,
    packaging: Packaging,
    client: OssClient<&T>,
    lent: TempBucket,
    settings: &Settings,
    reporter: &mut impl Reporter,
) -> Result<(Package, Option<Uploaded>), Failure> {
    let target = UploadTarget::new(&lent.bucket, &lent.key, settings.lifecycle.retries.most);
    let written = packaging.written.clone();
    let uploaded =
        upload_while_packaging(&client, &target, &packaging.zip, written, reporter).await;
    let packaged = packaging.finish(path).await;
    let uploaded = uploaded.map(|()| Uploaded {
        bucket: lent.bucket,
        key: lent.key,
    });
    ended(path, packaged, uploaded, reporter).map(|(package, up)| (package, Some(up)))
}

/// Whether the link, measured now, sends a zip of at least `written` bytes through OSS;
/// the measure and the choice said in the log.
async fn through_oss<T: Transport>(
    written: u64,
    target: &RegionTarget,
    lender: &Lender<'_, T>,
    reporter: &mut impl Reporter,
) -> bool {
    let transport = lender.transport;
    let (fc, oss) = tokio::join!(
        measure::round_trip(transport, &target.endpoint),
        measure::round_trip(transport, measure::oss_endpoint(target)),
    );
    let Some(fc) = fc else {
        reporter.info("upload: auto: FC did not answer a HEAD to measure the link; the zip is packaged first, its route chosen after");
        return false;
    };
    let link = LinkMeasure { fc, oss };
    let estimate = link::choose_from(
        &link,
        written,
        MAX_OSS_ZIP_BYTES,
        measure::oss_calls(target),
    );
    let why = estimate.why(&link);
    match estimate.way {
        Way::Oss => reporter.info(&format!(
            "upload: auto: the zip ({written} bytes written so far) goes through OSS, uploaded as it is packaged, the faster by the link model (measured by a HEAD to each as the packager passed {START_PART} bytes; OSS is as fast or faster for any larger zip): {why}"
        )),
        Way::Inline => reporter.info(&format!(
            "upload: auto: a zip of {written} bytes would go inline by the link model (measured by a HEAD to each as the packager passed {START_PART} bytes): {why}; it is packaged first, its route chosen after the region's listing"
        )),
    }
    estimate.way == Way::Oss
}

/// The packaging finished with nothing uploaded.
async fn alone(
    path: &Path,
    packaging: Packaging,
    reporter: &mut impl Reporter,
) -> Result<(Package, Option<Uploaded>), Failure> {
    let package = packaging.finish(path).await.map_err(packaging_failure)?;
    say_zipped(path, &package, "", reporter);
    Ok((package, None))
}

fn packaging_failure(error: PackageError) -> Failure {
    match error {
        PackageError::TooLarge { size, .. } => Failure::TooLargeForOss { zip_bytes: size },
        other => Failure::Package(other),
    }
}

/// What the packaging and the upload came to: the packaging's error first, since a failed
/// packaging stops its upload.
fn ended(
    path: &Path,
    packaged: Result<Package, PackageError>,
    uploaded: Result<Uploaded, UploadError>,
    reporter: &mut impl Reporter,
) -> Result<(Package, Uploaded), Failure> {
    let package = packaged.map_err(packaging_failure)?;
    let uploaded = uploaded?;
    say_zipped(path, &package, " as it went up", reporter);
    Ok((package, uploaded))
}

/// The line the packaging ends with, as [`super::source`] says it for a zip made alone.
fn say_zipped(path: &Path, package: &Package, how: &str, reporter: &mut impl Reporter) {
    reporter.info(&format!(
        "Zipped {}{how}: {} entries, {} ({} bytes), CRC-64/XZ {}",
        path.display(),
        package.entries,
        human_bytes(package.size),
        package.size,
        package.checksum
    ));
}
