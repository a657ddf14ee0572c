//! The packager's schedule on every core. Small files are compressed a batch at a time, on
//! a thread of their own, one batch ahead of the writing, so that the next batch is
//! compressed while one is written. Mid-sized files are compressed ahead, each on a thread
//! of its own, while the batches before them run: in a batch, one would keep a core busy
//! long after the batch's small files are done. Everything is taken in walk order as the
//! zip reaches it, so the archive is the same bytes whatever the timing; what waits to be
//! written is bounded in bytes, so memory is bounded whatever the tree holds.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::thread::{Scope, ScopedJoinHandle};

use rayon::prelude::*;

use super::walk::{Entry, Kind};

/// Entries compressed in parallel before they are written: enough to keep every core busy
/// on small files, few enough that compressed data waiting to be written stays small.
const COMPRESSION_BATCH: usize = 256;
/// A batch also ends once its files add up to this much, since each is held compressed.
const COMPRESSION_BATCH_BYTES: u64 = 16 << 20;
/// Batches compressed and waiting to be written at most, besides the one being compressed:
/// enough to keep every core busy while the writing waits for a file compressed ahead.
const BATCHES_AHEAD: usize = 3;
/// Files larger than this are compressed in chunks instead of whole. Whole is smaller
/// (see [`super::deflate`]); what is compressed ahead holds at most one file this large.
pub(super) const STREAMED_FILE_BYTES: u64 = 64 << 20;
/// Files larger than this (and not streamed) are compressed ahead, on their own.
const AHEAD_FILE_BYTES: u64 = 4 << 20;
/// What is compressed ahead and not yet written adds up to at most this (or one file):
/// enough for a scientific layer's few large libraries (numpy's, 35 MB) to run side by
/// side, and with a batch no more than a batch and its largest file held before (a 64 MiB
/// file compressed whole, with 16 MiB of small files).
const AHEAD_BYTES: u64 = 48 << 20;

/// Whether a file of `size` bytes is compressed ahead rather than in a batch.
pub(super) fn is_ahead(size: u64) -> bool {
    size > AHEAD_FILE_BYTES && size <= STREAMED_FILE_BYTES
}

/// A batch of entries and what became of them, in walk order, or the first failure.
pub(super) type Batch<'a, T, E> = (&'a [Entry], Result<Vec<T>, E>);

/// Runs `work` on every entry a batch at a time on every core, on a thread of its own, at
/// most one batch ahead of the one the receiver holds; stops after a batch that failed.
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
/// [`COMPRESSION_BATCH_BYTES`] of small files (those compressed ahead or streamed are not
/// held by the batch).
fn batches(entries: &[Entry]) -> Vec<&[Entry]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (index, entry) in entries.iter().enumerate() {
        if let Kind::File { size, .. } = entry.kind
            && size <= AHEAD_FILE_BYTES
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

/// The mid-sized files ([`is_ahead`]) compressed ahead of the zip, in walk order,
/// [`AHEAD_BYTES`] of them at most at once (or one, when it is larger).
pub(super) struct Ahead<'scope, 'env, T, F> {
    scope: &'scope Scope<'scope, 'env>,
    work: &'env F,
    /// The files to compress ahead that are not started yet.
    upcoming: VecDeque<&'env Entry>,
    /// Started and not yet taken, in walk order, with their sizes.
    running: VecDeque<(&'env Entry, u64, ScopedJoinHandle<'scope, T>)>,
    in_flight: u64,
}

impl<'scope, 'env, T, F> Ahead<'scope, 'env, T, F>
where
    T: Send + 'scope,
    F: Fn(&'env Entry) -> T + Sync,
{
    /// Starts running `work` on the first mid-sized files of `entries`.
    pub(super) fn start(
        scope: &'scope Scope<'scope, 'env>,
        entries: &'env [Entry],
        work: &'env F,
    ) -> Self {
        let upcoming = entries
            .iter()
            .filter(|entry| is_ahead(size_of(entry)))
            .collect();
        let mut this = Self {
            scope,
            work,
            upcoming,
            running: VecDeque::new(),
            in_flight: 0,
        };
        this.fill();
        this
    }

    /// Starts the next files while they fit in [`AHEAD_BYTES`].
    fn fill(&mut self) {
        while let Some(&entry) = self.upcoming.front() {
            let size = size_of(entry);
            if !self.running.is_empty() && self.in_flight + size > AHEAD_BYTES {
                return;
            }
            self.upcoming.pop_front();
            let work = self.work;
            let handle = self.scope.spawn(move || work(entry));
            self.running.push_back((entry, size, handle));
            self.in_flight += size;
        }
    }

    /// The result for `entry`, waiting for it if need be; `None` when `entry` is not the
    /// next file compressed ahead.
    pub(super) fn take(&mut self, entry: &Entry) -> Option<T> {
        let (next, _, _) = self.running.front()?;
        if !std::ptr::eq(*next, entry) {
            return None;
        }
        let (_, size, handle) = self.running.pop_front()?;
        let result = handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        self.in_flight -= size;
        self.fill();
        Some(result)
    }
}

fn size_of(entry: &Entry) -> u64 {
    match entry.kind {
        Kind::File { size, .. } => size,
        _ => 0,
    }
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
    fn mid_sized_files_run_ahead_within_the_bound_and_come_back_in_walk_order() {
        let entries = [
            file("small", 1 << 20),
            file("a", AHEAD_FILE_BYTES + 1),
            Entry {
                name: "dir".to_owned(),
                path: "dir".into(),
                kind: Kind::Directory,
            },
            file("b", 10 << 20),
            file("c", STREAMED_FILE_BYTES),
            file("streamed", STREAMED_FILE_BYTES + 1),
        ];
        let work = |entry: &Entry| entry.name.clone();
        thread::scope(|scope| {
            let mut ahead = Ahead::start(scope, &entries, &work);
            // `c` would pass the bound with `a` and `b` running: it waits.
            assert_eq!(ahead.running.len(), 2);
            assert!(ahead.in_flight <= AHEAD_BYTES);
            assert_eq!(ahead.take(&entries[0]), None, "not compressed ahead");
            assert_eq!(ahead.take(&entries[3]), None, "not the next one");
            assert_eq!(ahead.take(&entries[1]).as_deref(), Some("a"));
            assert_eq!(ahead.take(&entries[3]).as_deref(), Some("b"));
            // Alone, a file as large as the bound runs.
            assert_eq!(ahead.running.len(), 1);
            assert_eq!(ahead.take(&entries[4]).as_deref(), Some("c"));
            assert_eq!(ahead.take(&entries[5]), None, "streamed, not ahead");
            assert_eq!(ahead.in_flight, 0);
        });
    }

    #[test]
    fn batches_count_only_the_small_files_they_hold() {
        let mut entries: Vec<Entry> = (0..40)
            .map(|i| file(&format!("s{i:02}"), 1 << 20))
            .collect();
        entries.insert(3, file("mid", 60 << 20));
        let batches = batches(&entries);
        let sizes: Vec<usize> = batches.iter().map(|batch| batch.len()).collect();
        // 16 MiB of small files a batch; the mid-sized file is not held by its batch.
        assert_eq!(sizes, [17, 16, 8]);
        assert_eq!(names(batches[0])[3], "mid");
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
