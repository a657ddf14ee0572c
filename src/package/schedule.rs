//! The packager's schedule on every core. Small files are compressed a batch at a time, on
//! a thread of their own, ahead of the writing, so that the next batches are compressed
//! while one is written. Large files are not held by a batch: the writing streams them,
//! compressed in chunks on every core ([`super::deflate::compress_chunked`]), while the
//! batches after them go on. Everything is taken in walk order as the zip reaches it, so
//! the archive is the same bytes whatever the timing; what waits to be written is bounded
//! in bytes, so memory is bounded whatever the tree holds.

use std::sync::mpsc;
use std::thread::Scope;

use rayon::prelude::*;

use super::walk::{Entry, Kind};

/// Entries compressed in parallel before they are written: enough to keep every core busy
/// on small files, few enough that compressed data waiting to be written stays small.
const COMPRESSION_BATCH: usize = 256;
/// A batch also ends once its files add up to this much, since each is held compressed.
const COMPRESSION_BATCH_BYTES: u64 = 16 << 20;
/// Batches compressed and waiting to be written at most, besides the one being compressed:
/// enough to keep every core busy while the writing streams a large file.
const BATCHES_AHEAD: usize = 3;
/// Files larger than this are streamed into the zip in chunks, not held whole by a batch.
pub(super) const LARGE_FILE_BYTES: u64 = 4 << 20;

/// A batch of entries and what became of them, in walk order, or the first failure.
pub(super) type Batch<'a, T, E> = (&'a [Entry], Result<Vec<T>, E>);

/// Runs `work` on every entry a batch at a time on every core, on a thread of its own, at
/// most [`BATCHES_AHEAD`] batches ahead of the one the receiver holds; stops after a batch
/// that failed.
pub(super) fn batches_ahead<'scope, 'a: 'scope, T, E, F>(
    scope: &'scope Scope<'scope, 'a>,
    entries: &'a [Entry],
    work: &'a F,
) -> mpsc::Receiver<Batch<'a, T, E>>
where
    T: Send + 'a,
    E: Send + 'a,
    F: Fn(&'a Entry) -> Result<T, E> + Sync,
{
    let (sender, receiver) = mpsc::sync_channel(BATCHES_AHEAD);
    scope.spawn(move || {
        for batch in batches(entries) {
            let done: Result<Vec<T>, E> = batch.par_iter().map(work).collect();
            let failed = done.is_err();
            // The writing stopped (on an error of its own), or this batch ends it.
            if sender.send((batch, done)).is_err() || failed {
                return;
            }
        }
    });
    receiver
}

/// Splits the walk into batches of at most [`COMPRESSION_BATCH`] entries and about
/// [`COMPRESSION_BATCH_BYTES`] of small files (large ones are not held by the batch).
fn batches(entries: &[Entry]) -> Vec<&[Entry]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (index, entry) in entries.iter().enumerate() {
        if let Kind::File { size, .. } = entry.kind
            && size <= LARGE_FILE_BYTES
        {
            bytes += size;
        }
        if index + 1 - start == COMPRESSION_BATCH || bytes >= COMPRESSION_BATCH_BYTES {
            batches.push(&entries[start..=index]);
            (start, bytes) = (index + 1, 0);
        }
    }
    if start < entries.len() {
        batches.push(&entries[start..]);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn file(name: &str, size: u64) -> Entry {
        Entry {
            name: name.to_owned(),
            path: name.into(),
            kind: Kind::File {
                executable: false,
                size,
                bytecode: false,
            },
        }
    }

    fn names(batch: &[Entry]) -> Vec<&str> {
        batch.iter().map(|entry| entry.name.as_str()).collect()
    }

    #[test]
    fn batches_count_only_the_small_files_they_hold() {
        let mut entries: Vec<Entry> = (0..40)
            .map(|i| file(&format!("s{i:02}"), 1 << 20))
            .collect();
        entries.insert(3, file("large", 60 << 20));
        let batches = batches(&entries);
        let sizes: Vec<usize> = batches.iter().map(|batch| batch.len()).collect();
        // 16 MiB of small files a batch; the large file is not held by its batch.
        assert_eq!(sizes, [17, 16, 8]);
        assert_eq!(names(batches[0])[3], "large");
        let many: Vec<Entry> = (0..300).map(|i| file(&format!("t{i:03}"), 10)).collect();
        let sizes: Vec<usize> = super::batches(&many)
            .iter()
            .map(|batch| batch.len())
            .collect();
        assert_eq!(sizes, [COMPRESSION_BATCH, 300 - COMPRESSION_BATCH]);
    }

    #[test]
    fn batches_come_in_walk_order_and_stop_after_a_failure() {
        let entries: Vec<Entry> = (0..600).map(|i| file(&format!("f{i:03}"), 10)).collect();
        let work = |entry: &Entry| match entry.name.as_str() {
            "f300" => Err(entry.name.clone()),
            name => Ok(name.to_owned()),
        };
        let received: Vec<_> =
            thread::scope(|scope| batches_ahead(scope, &entries, &work).into_iter().collect());
        assert_eq!(received.len(), 2, "the third batch is not started");
        let (first, done) = &received[0];
        assert_eq!(
            done.as_deref().ok(),
            Some(
                &names(first)
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()[..]
            )
        );
        assert_eq!(received[1].1, Err("f300".to_owned()));
    }
}
