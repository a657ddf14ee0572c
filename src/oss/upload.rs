//! A package into OSS: PutObject up to [`SINGLE_PUT_MAX`], multipart above it, a few parts
//! in flight, each part's and the object's CRC-64 compared with ours, failed parts sent
//! again, and an upload given up on aborted so no parts are left behind. Progress goes to
//! the log every few seconds, folded in one group.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::time::Instant;

use super::client::{ObjectInfo, OssClient};
use super::error::OssError;
use crate::checksum::crc64_xz;
use crate::http::Transport;
use crate::oss_names::BucketName;
use crate::package::{Package, PackageError};
use crate::report::Reporter;
use crate::report::buffered::SharedBuffer;
use crate::retry::Retries;

/// Objects up to this size go up in one PutObject.
pub(crate) const SINGLE_PUT_MAX: u64 = 32 << 20;
/// Parts are at least this big, and at most [`MAX_PART`]; OSS allows 10,000 of them.
const MIN_PART: u64 = 8 << 20;
const MAX_PART: u64 = 64 << 20;
const MAX_PARTS: u64 = 10_000;
/// Parts uploading at once: enough to fill a runner's link, few enough to bound memory.
pub(crate) const PARTS_IN_FLIGHT: usize = 3;
/// How often progress is printed once an upload has run for that long.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Oss(#[from] OssError),
    #[error("{0}")]
    Package(#[from] PackageError),
    #[error("{path}: cannot be read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// Where the package goes and how patiently.
pub(crate) struct UploadTarget<'a> {
    pub(crate) bucket: &'a BucketName,
    pub(crate) key: &'a str,
    /// Retries of each call, as the `retries` input says.
    pub(crate) retries: Retries,
}

/// The part size for an object of `size` bytes: at least [`MIN_PART`], enough that 10,000
/// parts hold it, rounded up to a whole MiB.
pub(crate) fn part_size(size: u64) -> u64 {
    let needed = size.div_ceil(MAX_PARTS).div_ceil(1 << 20) << 20;
    needed.clamp(MIN_PART, MAX_PART)
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
        package,
        target,
        said: &said,
    };
    let result = if package.size <= SINGLE_PUT_MAX {
        upload.put_whole().await
    } else {
        upload.multipart(reporter).await
    };
    said.drain_into(reporter);
    reporter.end_group();
    result
}

/// One package on its way to one object.
struct Upload<'a, T> {
    client: &'a OssClient<T>,
    package: &'a Package,
    target: &'a UploadTarget<'a>,
    /// What the retries say, drained into the log between calls: parts run concurrently.
    said: &'a SharedBuffer,
}

/// Which part, and where it lies in the package.
#[derive(Clone, Copy)]
struct Part {
    number: u32,
    offset: u64,
    length: u64,
}

impl<T: Transport> Upload<'_, T> {
    async fn put_whole(&self) -> Result<(), UploadError> {
        let (client, package, target) = (self.client, self.package, self.target);
        let body = Bytes::from(package.read_all()?);
        // Compared inside the retry: an object damaged on the way is put again, as a part is.
        target
            .retries
            .run(&mut self.said.handle(), async |_| {
                let theirs = client
                    .put(target.bucket, target.key, body.clone(), None)
                    .await?;
                compare("PutObject", &package.checksum, Some(theirs))
            })
            .await?;
        Ok(())
    }

    async fn multipart(&self, reporter: &mut impl Reporter) -> Result<(), UploadError> {
        let (client, target) = (self.client, self.target);
        let upload_id = target
            .retries
            .run(&mut self.said.handle(), async |_| {
                client.initiate(target.bucket, target.key).await
            })
            .await;
        self.said.drain_into(reporter);
        let upload_id = upload_id?;
        let result = self.send_parts(&upload_id, reporter).await;
        if result.is_err() {
            // Parts left behind would be billed and invisible; free them.
            if let Err(error) = client.abort(target.bucket, target.key, &upload_id).await {
                reporter.warning(&format!(
                    "the failed upload {upload_id} could not be aborted, so its parts stay in the bucket until a lifecycle rule removes them: {error}"
                ));
            }
        }
        result
    }

    async fn send_parts(
        &self,
        upload_id: &str,
        reporter: &mut impl Reporter,
    ) -> Result<(), UploadError> {
        let file = self.package.open()?;
        let size = self.package.size;
        let part = part_size(size);
        let count = size.div_ceil(part) as u32;
        let sent = Arc::new(AtomicU64::new(0));
        reporter.info(&format!(
            "{count} parts of {} MiB, {PARTS_IN_FLIGHT} at a time",
            part >> 20
        ));

        let parts = futures_util::stream::iter(1..=count)
            .map(|number| {
                let offset = u64::from(number - 1) * part;
                let length = part.min(size - offset);
                let part = Part {
                    number,
                    offset,
                    length,
                };
                self.send_part(upload_id, &file, part, &sent)
            })
            .buffer_unordered(PARTS_IN_FLIGHT);
        tokio::pin!(parts);

        let started = Instant::now();
        let mut ticker = tokio::time::interval_at(started + PROGRESS_EVERY, PROGRESS_EVERY);
        let mut done = Vec::with_capacity(count as usize);
        loop {
            tokio::select! {
                next = parts.next() => match next {
                    Some(result) => done.push(result?),
                    None => break,
                },
                _ = ticker.tick() => {
                    self.said.drain_into(reporter);
                    let bytes = sent.load(Ordering::Relaxed).min(size);
                    let seconds = started.elapsed().as_secs_f64().max(0.001);
                    reporter.info(&format!(
                        "{bytes} of {size} bytes ({:.0}%), {:.1} MB/s",
                        bytes as f64 * 100.0 / size as f64,
                        bytes as f64 / seconds / 1e6
                    ));
                }
            }
        }
        self.said.drain_into(reporter);
        done.sort_by_key(|(number, _)| *number);
        let theirs = self.complete(upload_id, &done).await?;
        compare(
            "CompleteMultipartUpload",
            &self.package.checksum,
            Some(theirs),
        )?;
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        reporter.info(&format!(
            "Uploaded {size} bytes in {count} parts, {:.1} MB/s",
            size as f64 / seconds / 1e6
        ));
        Ok(())
    }

    /// CompleteMultipartUpload, again when it fails transiently. A retry whose first attempt
    /// applied but whose reply was lost is told `NoSuchUpload`: the object is then looked
    /// up, and the upload counts as done when it is there whole.
    async fn complete(&self, upload_id: &str, parts: &[(u32, String)]) -> Result<String, OssError> {
        let (client, target) = (self.client, self.target);
        let (result, reply_lost) = target
            .retries
            .run_noting_unknown(&mut self.said.handle(), async |_| {
                client
                    .complete(target.bucket, target.key, upload_id, parts)
                    .await
            })
            .await;
        match result {
            Err(OssError::Service { ref code, .. }) if code == "NoSuchUpload" && reply_lost => {
                match client.head(target.bucket, target.key).await? {
                    Some(ObjectInfo {
                        size: Some(size),
                        crc64: Some(crc64),
                    }) if size == self.package.size => Ok(crc64),
                    _ => result,
                }
            }
            other => other,
        }
    }

    /// One part: read, sent (again when it fails transiently), its CRC-64 compared.
    async fn send_part(
        &self,
        upload_id: &str,
        file: &File,
        part: Part,
        sent: &Arc<AtomicU64>,
    ) -> Result<(u32, String), UploadError> {
        let (client, target) = (self.client, self.target);
        let mut data = vec![0u8; part.length as usize];
        file.read_exact_at(&mut data, part.offset)
            .map_err(|source| UploadError::Read {
                path: self.package.path().display().to_string(),
                source,
            })?;
        let ours = crc64_xz(&data);
        let body = Bytes::from(data);
        let etag = target
            .retries
            .run(&mut self.said.handle(), async |_| {
                let (etag, theirs) = client
                    .upload_part(
                        target.bucket,
                        target.key,
                        upload_id,
                        part.number,
                        body.clone(),
                        Some(Arc::clone(sent)),
                    )
                    .await?;
                compare("UploadPart", &ours, theirs)?;
                Ok::<_, OssError>(etag)
            })
            .await?;
        Ok((part.number, etag))
    }
}

/// Fails when OSS reports a CRC-64 other than ours. PutObject and CompleteMultipartUpload
/// must report one (their clients refuse a reply without); a part's reply without one is
/// taken as is, since the whole object's CRC-64 is checked at the end.
fn compare(operation: &'static str, ours: &str, theirs: Option<String>) -> Result<(), OssError> {
    match theirs {
        Some(theirs) if theirs != ours => Err(OssError::ChecksumMismatch {
            operation,
            ours: ours.to_owned(),
            theirs,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_8_to_64_mib_and_at_most_10000() {
        assert_eq!(part_size(33 << 20), 8 << 20);
        assert_eq!(part_size(500 << 20), 8 << 20);
        assert_eq!(part_size(100 << 30), 11 << 20);
        assert_eq!(part_size(1 << 40), 64 << 20);
        for size in [33u64 << 20, 500 << 20, 100 << 30] {
            assert!(size.div_ceil(part_size(size)) <= MAX_PARTS);
        }
    }
}
