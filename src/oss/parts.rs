//! A multipart upload of a zip on disk, whole or still being written: parts cut and paced
//! as [`super::pace`] says, each read back from the file once the packager has written past
//! its end, each part's and the object's CRC-64 compared with ours, the parts' combined and
//! compared with the zip's, failed parts sent again, and the upload aborted when anything
//! fails (the packaging included), so no parts are left behind.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::watch;
use tokio::time::Instant;

use super::client::{ObjectInfo, OssClient};
use super::error::OssError;
use super::pace::{Pace, Plan, Tally, Window};
use crate::checksum::{crc64_combine, crc64_value};
use crate::http::Transport;
use crate::oss_names::BucketName;
use crate::package::{PackageError, Written};
use crate::report::Reporter;
use crate::report::buffered::SharedBuffer;
use crate::retry::Retries;

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
    /// The zip being uploaded as it was written will not be finished; the upload was aborted.
    #[error("the packaging stopped, so its upload was aborted")]
    PackagingStopped,
}

/// Where the package goes and how patiently.
pub struct UploadTarget<'a> {
    pub(crate) bucket: &'a BucketName,
    pub(crate) key: &'a str,
    /// Retries of each call, as the `retries` input says.
    pub(crate) retries: Retries,
}

impl<'a> UploadTarget<'a> {
    /// `key` in `bucket`, each call tried up to `retries` more times.
    pub fn new(bucket: &'a BucketName, key: &'a str, retries: u32) -> Self {
        Self {
            bucket,
            key,
            retries: Retries::new(retries),
        }
    }
}

/// One zip on its way to one object.
pub(crate) struct Upload<'a, T> {
    pub(crate) client: &'a OssClient<T>,
    pub(crate) target: &'a UploadTarget<'a>,
    /// The zip on disk, whole or being written.
    pub(crate) path: &'a Path,
    /// What the retries say, drained into the log between calls: parts run concurrently.
    pub(crate) said: &'a SharedBuffer,
}

/// Which part, and where it lies in the zip.
#[derive(Clone, Copy)]
struct Part {
    number: u32,
    offset: u64,
    length: u64,
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

/// The parts sent so far, and where the next one starts.
struct Progress {
    running_offset: u64,
    number: u32,
    done: Vec<SentPart>,
}

impl Progress {
    /// The next part of `part` bytes (or what is left, once the zip's `size` is known), if
    /// the `available` bytes hold all of it.
    fn next_part(&mut self, part: u64, available: u64, size: Option<u64>) -> Option<Part> {
        let offset = self.running_offset;
        let length = size.map_or(part, |size| part.min(size - offset));
        if length == 0 || offset + length > available {
            return None;
        }
        self.number += 1;
        self.running_offset += length;
        Some(Part {
            number: self.number,
            offset,
            length,
        })
    }
}

impl<T: Transport> Upload<'_, T> {
    /// A multipart upload of the zip as `written` says it grows, `size_hint` its size or
    /// the most it may be; aborted on any failure.
    pub(crate) async fn multipart(
        &self,
        written: &mut watch::Receiver<Written>,
        size_hint: u64,
        reporter: &mut impl Reporter,
    ) -> Result<(), UploadError> {
        let (client, target) = (self.client, self.target);
        let upload_id = target
            .retries
            .run(&mut self.said.handle(), async |_| {
                client.initiate(target.bucket, target.key).await
            })
            .await;
        self.said.drain_into(reporter);
        let upload_id = upload_id?;
        let result = self
            .send_parts(&upload_id, written, size_hint, reporter)
            .await;
        if result.is_err() {
            // Parts left behind would be billed and invisible; free them.
            if let Err(error) = client.abort(target.bucket, target.key, &upload_id).await {
                reporter.warning(&format!(
                    "the failed upload {upload_id} could not be aborted, so its parts stay in the bucket until a lifecycle rule removes them: {error}"
                ));
            }
        }
        self.said.drain_into(reporter);
        result
    }

    async fn send_parts(
        &self,
        upload_id: &str,
        written: &mut watch::Receiver<Written>,
        size_hint: u64,
        reporter: &mut impl Reporter,
    ) -> Result<(), UploadError> {
        let file = File::open(self.path).map_err(|source| self.unreadable(source))?;
        let sent = Arc::new(AtomicU64::new(0));
        let mut pace = Pace::new(size_hint);
        let Plan { part, in_flight } = pace.plan();
        reporter.info(&format!(
            "Parts of {} MiB, {in_flight} at a time to start; more or smaller as the first parts measure",
            part >> 20
        ));
        let mut running = FuturesUnordered::new();
        let mut progress = Progress {
            running_offset: 0,
            number: 0,
            done: Vec::new(),
        };
        let mut tally = Tally::new(in_flight);
        let started = Instant::now();
        let mut ticker = tokio::time::interval_at(started + PROGRESS_EVERY, PROGRESS_EVERY);
        loop {
            let state = written.borrow_and_update().clone();
            let (available, end) = match state {
                Written::Bytes(bytes) => (bytes, None),
                Written::Done { size, ref checksum } => (size, Some((size, checksum.clone()))),
                Written::Failed => return Err(UploadError::PackagingStopped),
            };
            let plan = pace.plan();
            let size = end.as_ref().map(|(size, _)| *size);
            while running.len() < plan.in_flight
                && let Some(part) = progress.next_part(plan.part, available, size)
            {
                running.push(self.send_part(upload_id, &file, part, &sent));
            }
            if let Some((size, checksum)) = &end
                && running.is_empty()
                && progress.running_offset == *size
            {
                return self
                    .finish(upload_id, progress.done, *size, checksum, started, reporter)
                    .await;
            }
            tokio::select! {
                Some(result) = running.next(), if !running.is_empty() => {
                    let sent_part = result?;
                    if let Some(window) = tally.add(sent_part.length, sent_part.seconds) {
                        let remaining = size_hint.saturating_sub(progress.running_offset);
                        pace.measured(&window, remaining, u64::from(progress.number));
                        say_plan(plan, pace.plan(), &window, reporter);
                        tally = Tally::new(pace.plan().in_flight);
                    }
                    progress.done.push(sent_part);
                }
                changed = written.changed(), if end.is_none() => {
                    // The packager gone without saying done is a packaging that stopped.
                    if changed.is_err() {
                        return Err(UploadError::PackagingStopped);
                    }
                }
                _ = ticker.tick() => {
                    self.said.drain_into(reporter);
                    let bytes = sent.load(Ordering::Relaxed).min(available);
                    say_progress(bytes, available, end.is_some(), started, reporter);
                }
            }
        }
    }

    /// The parts' CRC-64s combined must be the zip's, and OSS's for the whole object too.
    async fn finish(
        &self,
        upload_id: &str,
        mut done: Vec<SentPart>,
        size: u64,
        checksum: &str,
        started: Instant,
        reporter: &mut impl Reporter,
    ) -> Result<(), UploadError> {
        self.said.drain_into(reporter);
        done.sort_by_key(|part| part.number);
        let combined = done
            .iter()
            .fold(0, |crc, part| crc64_combine(crc, part.crc64, part.length));
        compare(
            "UploadPart (the parts combined)",
            checksum,
            Some(combined.to_string()),
        )?;
        let etags: Vec<(u32, String)> = done
            .into_iter()
            .map(|part| (part.number, part.etag))
            .collect();
        let theirs = self.complete(upload_id, &etags, size).await?;
        compare("CompleteMultipartUpload", checksum, Some(theirs))?;
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
    async fn complete(
        &self,
        upload_id: &str,
        parts: &[(u32, String)],
        size: u64,
    ) -> Result<String, OssError> {
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
                        size: Some(found),
                        crc64: Some(crc64),
                    }) if found == size => Ok(crc64),
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
            .map_err(|source| self.unreadable(source))?;
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

    fn unreadable(&self, source: std::io::Error) -> UploadError {
        UploadError::Read {
            path: self.path.display().to_string(),
            source,
        }
    }
}

/// Fails when OSS reports a CRC-64 other than ours. PutObject and CompleteMultipartUpload
/// must report one (their clients refuse a reply without); a part's reply without one is
/// taken as is, since the whole object's CRC-64 is checked at the end.
pub(crate) fn compare(
    operation: &'static str,
    ours: &str,
    theirs: Option<String>,
) -> Result<(), OssError> {
    match theirs {
        Some(theirs) if theirs != ours => Err(OssError::ChecksumMismatch {
            operation,
            ours: ours.to_owned(),
            theirs,
        }),
        _ => Ok(()),
    }
}

/// Bytes sent so far, in the log every few seconds: of the whole, or of what is written yet.
fn say_progress(bytes: u64, of: u64, whole: bool, started: Instant, reporter: &mut impl Reporter) {
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    let rate = bytes as f64 / seconds / 1e6;
    if whole {
        let percent = bytes as f64 * 100.0 / of as f64;
        reporter.info(&format!(
            "{bytes} of {of} bytes ({percent:.0}%), {rate:.1} MB/s"
        ));
    } else {
        reporter.info(&format!(
            "{bytes} bytes of the {of} packaged so far, {rate:.1} MB/s"
        ));
    }
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
