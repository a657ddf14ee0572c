//! The packager's schedule on every core. The walk is cut into units of work, in walk
//! order: runs of small files, each compressed whole, and the chunks of large files, each
//! compressed on its own ([`super::deflate`]). Units run on every core as soon as there is
//! room in a window ahead of the writing, which takes them back in walk order; no unit
//! waits for another to start, so a large file's chunks and the small files around it keep
//! every core busy. The zip is the same bytes whatever the timing, and what waits to be
//! written is bounded in bytes, whatever the tree holds.

use std::collections::VecDeque;
use std::sync::mpsc;

use super::deflate::{Chunk, chunks_of};
use super::walk::Entry;

/// Files larger than this are compressed in chunks and streamed into the zip, not held
/// whole.
pub(super) const LARGE_FILE_BYTES: u64 = 4 << 20;
/// A run of small files ends after this many entries, so that a core that takes one is
/// soon free for the next …
const RUN_ENTRIES: usize = 64;
/// … or once its files add up to this much.
const RUN_BYTES: u64 = 1 << 20;
/// What is started and not yet written adds up to at most this (or one unit): enough to
/// keep every core busy while the oldest unit finishes, and what bounds memory.
const WINDOW_BYTES: u64 = 24 << 20;
/// Units started and not yet written, at most.
const WINDOW_UNITS: usize = 128;

/// A piece of the walk's work.
pub(super) enum Unit<'a> {
    /// Consecutive entries that are not large files: directories, links, small files.
    Run(&'a [Entry]),
    /// A piece of a large file.
    Chunk(&'a Entry, Chunk),
}

impl Unit<'_> {
    /// What the unit reads, and so about what it holds until it is written.
    pub(super) fn weight(&self) -> u64 {
        match self {
            Unit::Run(entries) => entries.iter().map(|entry| entry.kind.file_size()).sum(),
            Unit::Chunk(_, chunk) => chunk.length as u64,
        }
    }
}

/// The walk's entries as units, in walk order.
pub(super) fn units(entries: &[Entry]) -> impl Iterator<Item = Unit<'_>> {
    let mut start = 0;
    let mut pending: VecDeque<Unit<'_>> = VecDeque::new();
    std::iter::from_fn(move || {
        while pending.is_empty() && start < entries.len() {
            let (mut end, mut bytes) = (start, 0u64);
            while end < entries.len() && end - start < RUN_ENTRIES && bytes < RUN_BYTES {
                let size = entries[end].kind.file_size();
                if size > LARGE_FILE_BYTES {
                    break;
                }
                bytes += size;
                end += 1;
            }
            if end > start {
                pending.push_back(Unit::Run(&entries[start..end]));
                start = end;
            } else {
                let entry = &entries[start];
                pending.extend(
                    chunks_of(entry.kind.file_size())
                        .into_iter()
                        .map(|chunk| Unit::Chunk(entry, chunk)),
                );
                start += 1;
            }
        }
        pending.pop_front()
    })
}

/// Jobs run on every core in the order they are started, handed back in that order; at
/// most [`WINDOW_BYTES`] of them (or one) started and not yet taken.
pub(super) struct Window<'window, 'scope, T> {
    scope: &'window rayon::Scope<'scope>,
    started: VecDeque<(u64, mpsc::Receiver<T>)>,
    in_flight: u64,
}

impl<'window, 'scope, T: Send + 'scope> Window<'window, 'scope, T> {
    pub(super) fn new(scope: &'window rayon::Scope<'scope>) -> Self {
        Self {
            scope,
            started: VecDeque::new(),
            in_flight: 0,
        }
    }

    /// Whether a unit of `weight` may start now.
    pub(super) fn has_room_for(&self, weight: u64) -> bool {
        self.started.is_empty()
            || (self.in_flight + weight <= WINDOW_BYTES && self.started.len() < WINDOW_UNITS)
    }

    /// Starts `job` on the first free core, counting `weight` against the window.
    pub(super) fn start(&mut self, weight: u64, job: impl FnOnce() -> T + Send + 'scope) {
        let (sender, receiver) = mpsc::sync_channel(1);
        self.scope.spawn(move |_| {
            // The receiver is gone only when the writing stopped on an error of its own.
            let _ = sender.send(job());
        });
        self.started.push_back((weight, receiver));
        self.in_flight += weight;
    }

    /// The oldest job's result, waiting for it; `None` when none is started.
    pub(super) fn take(&mut self) -> Option<T> {
        let (weight, receiver) = self.started.pop_front()?;
        self.in_flight -= weight;
        receiver.recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::walk::Kind;
    use super::*;

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

    fn shape(units: impl Iterator<Item = Unit<'static>>) -> Vec<String> {
        units
            .map(|unit| match unit {
                Unit::Run(entries) => format!("run {}", entries.len()),
                Unit::Chunk(entry, chunk) => format!("{} @{}", entry.name, chunk.offset),
            })
            .collect()
    }

    #[test]
    fn runs_end_at_a_large_file_and_by_count_and_bytes() {
        let mut entries: Vec<Entry> = (0..70).map(|i| file(&format!("s{i:02}"), 10)).collect();
        entries.insert(3, file("large", LARGE_FILE_BYTES + 2));
        entries.push(file("big", RUN_BYTES));
        entries.push(file("after", 1));
        let entries: &'static [Entry] = Box::leak(entries.into_boxed_slice());
        let half = (LARGE_FILE_BYTES + 2) / 2;
        assert_eq!(
            shape(units(entries)),
            [
                "run 3".to_owned(),
                "large @0".to_owned(),
                format!("large @{half}"),
                "run 64".to_owned(),
                // 3 small files left, then one of RUN_BYTES ends the run with it.
                "run 4".to_owned(),
                "run 1".to_owned(),
            ]
        );
        assert!(units(&[]).next().is_none());
    }

    #[test]
    fn results_come_back_in_the_order_started_within_the_window() {
        rayon::in_place_scope(|scope| {
            let mut window = Window::new(scope);
            assert!(
                window.has_room_for(WINDOW_BYTES * 2),
                "one unit always fits"
            );
            for index in 0..10u64 {
                assert!(window.has_room_for(1 << 20));
                window.start(1 << 20, move || {
                    // The first ones finish last.
                    std::thread::sleep(std::time::Duration::from_millis(20 - 2 * index));
                    index
                });
            }
            assert!(!window.has_room_for(WINDOW_BYTES - (10 << 20) + 1));
            let taken: Vec<u64> = std::iter::from_fn(|| window.take()).collect();
            assert_eq!(taken, (0..10).collect::<Vec<_>>());
            assert_eq!(window.in_flight, 0);
        });
    }
}
