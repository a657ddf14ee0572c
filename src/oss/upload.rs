//! A zip into OSS: PutObject up to [`SINGLE_PUT_MAX`], multipart above it ([`super::parts`]).
//! A package on disk goes up whole; a directory being packaged goes up as it is written,
//! its multipart upload started once the first part is complete, and aborted if the
//! packaging fails. Progress goes to the log every few seconds, folded in one group.

use std::path::Path;

use bytes::Bytes;
use tokio::sync::watch;

use super::client::OssClient;
use super::pace::Pace;
/// The first part's size: an upload as the zip is packaged starts when this much is written.
pub(crate) use super::pace::START_PART;
use super::parts::{Upload, compare};
pub use super::parts::{UploadError, UploadTarget};
use crate::fc::limits::MAX_OSS_ZIP_BYTES;
use crate::http::Transport;
use crate::package::{Package, Written};
use crate::report::Reporter;
use crate::report::buffered::SharedBuffer;

/// Objects up to this size go up in one PutObject.
pub(crate) const SINGLE_PUT_MAX: u64 = 32 << 20;

/// The parts in flight an upload starts with, before they measure anything: what the link
/// model of `upload: auto` counts on (more only when they move more).
pub(crate) use super::pace::START_IN_FLIGHT as PARTS_IN_FLIGHT;

/// The part size an upload of `size` bytes starts with, before the parts measure anything.
pub(crate) fn part_size(size: u64) -> u64 {
    Pace::new(size).plan().part
}

/// Uploads `package` to `target`, its retries said in the log.
pub(crate) async fn upload<T: Transport>(
    client: &OssClient<T>,
    package: &Package,
    target: &UploadTarget<'_>,
    reporter: &mut impl Reporter,
) -> Result<(), UploadError> {
    reporter.group(&format!(
        "Uploading {} bytes to oss://{}/{}",
        package.size, target.bucket, target.key
    ));
    let said = SharedBuffer::default();
    let upload = Upload {
        client,
        target,
        path: package.path(),
        said: &said,
    };
    let result = if package.size <= SINGLE_PUT_MAX {
        put_whole(&upload, &package.checksum).await
    } else {
        let (_sender, mut written) = watch::channel(Written::Done {
            size: package.size,
            checksum: package.checksum.clone(),
        });
        upload.multipart(&mut written, package.size, reporter).await
    };
    said.drain_into(reporter);
    reporter.end_group();
    result
}

/// Uploads the zip being written at `zip` to `target` as `written` says it grows: in parts
/// from the moment the first part is complete, or in one PutObject when the zip is done
/// before that and small. When the packaging fails, the multipart upload is aborted and
/// [`UploadError::PackagingStopped`] returned: the packager has the error that says why.
pub async fn upload_while_packaging<T: Transport>(
    client: &OssClient<T>,
    target: &UploadTarget<'_>,
    zip: &Path,
    mut written: watch::Receiver<Written>,
    reporter: &mut impl Reporter,
) -> Result<(), UploadError> {
    reporter.group(&format!(
        "Uploading to oss://{}/{} as the zip is packaged",
        target.bucket, target.key
    ));
    let said = SharedBuffer::default();
    let upload = Upload {
        client,
        target,
        path: zip,
        said: &said,
    };
    // Wait for the first part, or for the end if it comes first.
    let first = written
        .wait_for(|state| !matches!(state, Written::Bytes(bytes) if *bytes < START_PART))
        .await
        .map(|state| state.clone());
    let result = match first {
        Err(_) | Ok(Written::Failed) => Err(UploadError::PackagingStopped),
        Ok(Written::Done { size, checksum }) if size <= SINGLE_PUT_MAX => {
            put_whole(&upload, &checksum).await
        }
        Ok(_) => {
            upload
                .multipart(&mut written, MAX_OSS_ZIP_BYTES, reporter)
                .await
        }
    };
    said.drain_into(reporter);
    reporter.end_group();
    result
}

/// The whole zip in one PutObject, its CRC-64 compared with `checksum`.
async fn put_whole<T: Transport>(
    upload: &Upload<'_, T>,
    checksum: &str,
) -> Result<(), UploadError> {
    let (client, target) = (upload.client, upload.target);
    let body = Bytes::from(
        std::fs::read(upload.path).map_err(|source| UploadError::Read {
            path: upload.path.display().to_string(),
            source,
        })?,
    );
    // Compared inside the retry: an object damaged on the way is put again, as a part is.
    target
        .retries
        .run(&mut upload.said.handle(), async |_| {
            let theirs = client
                .put(target.bucket, target.key, body.clone(), None)
                .await?;
            compare("PutObject", checksum, Some(theirs))
        })
        .await?;
    Ok(())
}
