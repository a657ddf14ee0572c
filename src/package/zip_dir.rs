//! A directory as a reproducible zip: the same tree gives the same bytes on any machine.
//! Entries in sorted order, modes normalised to 0644 or 0755 (the run bit kept, since layers
//! ship executables under `bin/`), symlinks stored as links, never followed; the rest of
//! the format is fixed by [`super::writer`].
//!
//! Files are compressed whole on every core, a batch at a time; very large ones in chunks,
//! also on every core; either way in bounded memory, whatever the tree holds.
//!
//! The files are those [`super::walk`] lists, and every file's bytes, read for the zip
//! anyway, go past [`super::inspect`] on the way.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use super::PackageError;
use super::contents::{CheckLevel, Contents, Options};
use super::deflate::{compress_large, compress_small};
use super::inspect::{self, Finding};
use super::keep::Keep;
use super::open::open_listed;
use super::walk::{Entry, Kind, walk};
use super::writer::{Compressed, OverLimit, ZipOut};

const FILE_MODE: u32 = 0o644;
const EXECUTABLE_MODE: u32 = 0o755;
const DIRECTORY_MODE: u32 = 0o755;
const SYMLINK_MODE: u32 = 0o777;
/// Entries compressed in parallel before they are written: enough to keep every core busy
/// on small files, few enough that compressed data waiting to be written stays small.
const COMPRESSION_BATCH: usize = 256;
/// A batch also ends once its files add up to this much, since each is held compressed.
const COMPRESSION_BATCH_BYTES: u64 = 16 << 20;
/// Files larger than this are compressed in chunks instead of whole. Whole is smaller
/// (see [`super::deflate`]); a batch holds at most one file this large, since it ends
/// once its files pass [`COMPRESSION_BATCH_BYTES`].
const STREAMED_FILE_BYTES: u64 = 64 << 20;

/// A directory zipped: what was written to, and what it holds.
pub struct Zipped<W> {
    pub writer: W,
    pub entries: usize,
    pub size: u64,
    /// CRC-64/XZ of the zip, computed as it was written.
    pub checksum: String,
    pub contents: Contents,
}

/// Zips `root` reproducibly in memory. Returns the bytes and the number of entries.
pub fn zip_directory(root: &Path) -> Result<(Vec<u8>, usize), PackageError> {
    let zipped = zip_directory_into(root, Vec::new(), u64::MAX)?;
    Ok((zipped.writer, zipped.entries))
}

/// Zips `root` reproducibly into `writer`, stopped as soon as the zip passes `max_bytes`,
/// so a tree whose zip cannot be sent does not take the machine's time and disk first.
pub fn zip_directory_into<W: Write>(
    root: &Path,
    writer: W,
    max_bytes: u64,
) -> Result<Zipped<W>, PackageError> {
    zip_directory_with(root, writer, max_bytes, &Options::default())
}

/// [`zip_directory_into`], calling `between_walk_and_read` once the tree is listed and
/// before any file is opened: for tests that change the tree under the packager.
pub fn zip_directory_between<W: Write>(
    root: &Path,
    writer: W,
    max_bytes: u64,
    between_walk_and_read: impl FnOnce(),
) -> Result<Zipped<W>, PackageError> {
    zip_listed(
        root,
        writer,
        max_bytes,
        &Options::default(),
        between_walk_and_read,
    )
}

/// [`zip_directory_into`], selecting and checking the files as `options` says.
pub fn zip_directory_with<W: Write>(
    root: &Path,
    writer: W,
    max_bytes: u64,
    options: &Options,
) -> Result<Zipped<W>, PackageError> {
    zip_listed(root, writer, max_bytes, options, || ())
}

fn zip_listed<W: Write>(
    root: &Path,
    writer: W,
    max_bytes: u64,
    options: &Options,
    between_walk_and_read: impl FnOnce(),
) -> Result<Zipped<W>, PackageError> {
    let mut contents = Contents::default();
    let entries = walk(root, options, &mut contents)?;
    between_walk_and_read();
    if !entries
        .iter()
        .any(|entry| !matches!(entry.kind, Kind::Directory))
    {
        return Err(PackageError::Empty { path: root.into() });
    }
    let fail = |path: &Path, source: io::Error| {
        if source
            .get_ref()
            .is_some_and(|inner| inner.is::<OverLimit>())
        {
            PackageError::TooLarge {
                path: root.into(),
                limit: max_bytes,
                size: None,
            }
        } else {
            PackageError::Io {
                path: path.into(),
                source,
            }
        }
    };
    let mut zip = ZipOut::new(BufWriter::with_capacity(1 << 20, writer), max_bytes);
    for batch in batches(&entries) {
        // Each batch comes back in walk order, which keeps the archive reproducible, and is
        // written out before the next starts, which bounds memory.
        let prepared: Vec<(Option<Compressed>, Vec<Finding>)> = batch
            .par_iter()
            .map(|entry| prepare(entry, options))
            .collect::<Result<_, _>>()?;
        for (entry, (prepared, findings)) in batch.iter().zip(prepared) {
            contents.findings.extend(findings);
            let added = match (&entry.kind, prepared) {
                (Kind::Directory, _) => zip.directory(&entry.name, DIRECTORY_MODE),
                (Kind::Symlink { target }, _) => zip.symlink(&entry.name, target, SYMLINK_MODE),
                (Kind::File { executable, .. }, Some(content)) => {
                    zip.file(&entry.name, mode(*executable), &content)
                }
                (Kind::File { executable, size }, None) => {
                    let file = open_listed(&entry.path, *size)?;
                    stream_file(&mut zip, entry, file, mode(*executable), options).map(|findings| {
                        contents.findings.extend(findings);
                    })
                }
            };
            added.map_err(|source| fail(&entry.path, source))?;
        }
    }
    let (buffered, size, checksum) = zip.finish().map_err(|source| fail(root, source))?;
    let writer = buffered
        .into_inner()
        .map_err(|error| fail(root, error.into_error()))?;
    contents.finish_checks(entries.iter().map(|entry| entry.name.as_str()), options);
    Ok(Zipped {
        writer,
        entries: entries.len(),
        size,
        checksum,
        contents,
    })
}

fn mode(executable: bool) -> u32 {
    if executable {
        EXECUTABLE_MODE
    } else {
        FILE_MODE
    }
}

/// Splits the walk into batches of at most [`COMPRESSION_BATCH`] entries and about
/// [`COMPRESSION_BATCH_BYTES`] of small files.
fn batches(entries: &[Entry]) -> Vec<&[Entry]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (index, entry) in entries.iter().enumerate() {
        if let Kind::File { size, .. } = entry.kind
            && size <= STREAMED_FILE_BYTES
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

/// Compresses a small file entry whole, and inspects its bytes; other kinds, and large
/// files, need no preparation.
fn prepare(
    entry: &Entry,
    options: &Options,
) -> Result<(Option<Compressed>, Vec<Finding>), PackageError> {
    let Kind::File { size, .. } = entry.kind else {
        return Ok((None, Vec::new()));
    };
    if size > STREAMED_FILE_BYTES {
        return Ok((None, Vec::new()));
    }
    let data = open_listed(&entry.path, size)?.read_all(&entry.path)?;
    Ok((
        Some(compress_small(&data)),
        inspect_bytes(&entry.name, &data, options),
    ))
}

fn inspect_bytes(name: &str, data: &[u8], options: &Options) -> Vec<Finding> {
    match options.check {
        CheckLevel::Off => Vec::new(),
        _ => inspect::inspect_file(name, data, &options.target),
    }
}

/// A large file, opened by [`open_listed`], compressed in chunks on its way into the zip,
/// and inspected on the way.
fn stream_file<W: Write>(
    zip: &mut ZipOut<W>,
    entry: &Entry,
    file: impl io::Read,
    mode: u32,
    options: &Options,
) -> io::Result<Vec<Finding>> {
    let streamed = zip.start_streamed(&entry.name, mode)?;
    let mut keep = Keep::new(file, options.check != CheckLevel::Off);
    let (crc32, uncompressed, compressed) =
        compress_large(io::BufReader::new(&mut keep), |piece| zip.write_data(piece))?;
    zip.finish_streamed(streamed, crc32, compressed, uncompressed)?;
    Ok(inspect_bytes(&entry.name, keep.kept(), options))
}
