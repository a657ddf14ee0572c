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
use futures_util::stream::FuturesUnordered;
use tokio::time::Instant;

use super::client::{ObjectInfo, OssClient};
use super::error::OssError;
use super::pace::{Pace, Plan, Tally, Window};
use crate::checksum::{crc64_combine, crc64_value};
use crate::http::Transport;
use crate::oss_names::BucketName;
use crate::package::{Package, PackageError};
use crate::report::Reporter;
use crate::report::buffered::SharedBuffer;
use crate::retry::Retries;

/// Objects up to this size go up in one PutObject.
const SINGLE_PUT_MAX: u64 = 32 << 20;
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

/// A part OSS took: what CompleteMultipartUpload names, and what it measured.
struct SentPart {
    number: u32,
    length: u64,
    etag: String,
    crc64: u64,
    /// From its first send to OSS's reply.
    seconds: f64,
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
        let sent = Arc::new(AtomicU64::new(0));
        let mut pace = Pace::new(size);
        let Plan { part, in_flight } = pace.plan();
        reporter.info(&format!(
            "Parts of {} MiB, {in_flight} at a time to start; more or smaller as the first parts measure",
            part >> 20
        ));
        let mut running = FuturesUnordered::new();
        let (mut offset, mut number) = (0u64, 0u32);
        let mut tally = Tally::new(in_flight);
        let started = Instant::now();
        let mut ticker = tokio::time::interval_at(started + PROGRESS_EVERY, PROGRESS_EVERY);
        let mut done = Vec::new();
        loop {
            let plan = pace.plan();
            while running.len() < plan.in_flight && offset < size {
                let length = plan.part.min(size - offset);
                number += 1;
                let part = Part {
                    number,
                    offset,
                    length,
                };
                running.push(self.send_part(upload_id, &file, part, &sent));
                offset += length;
            }
            tokio::select! {
                next = running.next() => match next {
                    Some(result) => {
                        let sent_part = result?;
                        if let Some(window) = tally.add(sent_part.length, sent_part.seconds) {
                            pace.measured(&window, size - offset, u64::from(number));
                            say_plan(plan, pace.plan(), &window, reporter);
                            tally = Tally::new(pace.plan().in_flight);
                        }
                        done.push(sent_part);
                    }
                    None => break,
                },
                _ = ticker.tick() => {
                    self.said.drain_into(reporter);
                    say_progress(sent.load(Ordering::Relaxed).min(size), size, started, reporter);
                }
            }
        }
        self.said.drain_into(reporter);
        self.finish(upload_id, done, started, reporter).await
    }

    /// The parts' CRC-64s combined must be the package's, and OSS's for the whole object too.
    async fn finish(
        &self,
        upload_id: &str,
        mut done: Vec<SentPart>,
        started: Instant,
        reporter: &mut impl Reporter,
    ) -> Result<(), UploadError> {
        done.sort_by_key(|part| part.number);
        let combined = done
            .iter()
            .fold(0, |crc, part| crc64_combine(crc, part.crc64, part.length));
        compare(
            "UploadPart (the parts combined)",
            &self.package.checksum,
            Some(combined.to_string()),
        )?;
        let etags: Vec<(u32, String)> = done
            .into_iter()
            .map(|part| (part.number, part.etag))
            .collect();
        let theirs = self.complete(upload_id, &etags).await?;
        compare(
            "CompleteMultipartUpload",
            &self.package.checksum,
            Some(theirs),
        )?;
        let size = self.package.size;
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        reporter.info(&format!(
            "Uploaded {size} bytes in {} parts, {:.1} MB/s",
            etags.len(),
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
    ) -> Result<SentPart, UploadError> {
        let (client, target) = (self.client, self.target);
        let mut data = vec![0u8; part.length as usize];
        file.read_exact_at(&mut data, part.offset)
            .map_err(|source| UploadError::Read {
                path: self.package.path().display().to_string(),
                source,
            })?;
        let crc64 = crc64_value(&data);
        let ours = crc64.to_string();
        let body = Bytes::from(data);
        let started = Instant::now();
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
        Ok(SentPart {
            number: part.number,
            length: part.length,
            etag,
            crc64,
            seconds: started.elapsed().as_secs_f64(),
        })
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

/// Bytes sent so far, in the log every few seconds.
fn say_progress(bytes: u64, size: u64, started: Instant, reporter: &mut impl Reporter) {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    reporter.info(&format!(
        "{bytes} of {size} bytes ({:.0}%), {:.1} MB/s",
        bytes as f64 * 100.0 / size as f64,
        bytes as f64 / seconds / 1e6
    ));
}

/// A change of plan in the log, with the figures it was made from.
fn say_plan(before: Plan, after: Plan, window: &Window, reporter: &mut impl Reporter) {
    if before != after {
        reporter.info(&format!(
            "Now {} parts of {} MiB at a time: {} at once moved {:.1} MB/s, {:.1} MB/s each",
            after.in_flight,
            after.part >> 20,
            window.in_flight,
            window.bytes as f64 / window.seconds.max(1e-3) / 1e6,
            window.part_rate / 1e6
        ));
    }
}
