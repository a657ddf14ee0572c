//! A directory as a reproducible zip: the same tree gives the same bytes on any machine.
//! Entries in sorted order, modes normalised to 0644 or 0755 (the run bit kept, since layers
//! ship executables under `bin/`), symlinks stored as links, never followed; the rest of
//! the format is fixed by [`super::writer`].
//!
//! Small files are compressed on every core, a batch at a time; large ones in chunks, also
//! on every core; either way in bounded memory, whatever the tree holds.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::deflate::{compress_large, compress_small};
use super::open::open_listed;
use super::writer::{Compressed, OverLimit, ZipOut};
use super::{MAX_ENTRY_BYTES, MAX_UNPACKED_BYTES, PackageError};

const FILE_MODE: u32 = 0o644;
const EXECUTABLE_MODE: u32 = 0o755;
const DIRECTORY_MODE: u32 = 0o755;
const SYMLINK_MODE: u32 = 0o777;
/// Entries compressed in parallel before they are written: enough to keep every core busy
/// on small files, few enough that compressed data waiting to be written stays small.
const COMPRESSION_BATCH: usize = 256;
/// A batch also ends once its files add up to this much, since each is held compressed.
const COMPRESSION_BATCH_BYTES: u64 = 16 << 20;
/// Files larger than this are compressed in chunks instead of whole.
const STREAMED_FILE_BYTES: u64 = 8 << 20;

enum Kind {
    Directory,
    File { executable: bool, size: u64 },
    Symlink { target: String },
}

struct Entry {
    /// The entry name: relative, `/`-separated, a directory's without the trailing `/`.
    name: String,
    path: PathBuf,
    kind: Kind,
}

/// A directory zipped: what was written to, and what it holds.
pub struct Zipped<W> {
    pub writer: W,
    pub entries: usize,
    pub size: u64,
    /// CRC-64/XZ of the zip, computed as it was written.
    pub checksum: String,
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
    zip_directory_between(root, writer, max_bytes, || ())
}

/// [`zip_directory_into`], calling `between_walk_and_read` once the tree is listed and
/// before any file is opened: for tests that change the tree under the packager.
pub fn zip_directory_between<W: Write>(
    root: &Path,
    writer: W,
    max_bytes: u64,
    between_walk_and_read: impl FnOnce(),
) -> Result<Zipped<W>, PackageError> {
    let entries = walk(root)?;
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
        let prepared: Vec<Option<Compressed>> =
            batch.par_iter().map(prepare).collect::<Result<_, _>>()?;
        for (entry, prepared) in batch.iter().zip(prepared) {
            let added = match (&entry.kind, prepared) {
                (Kind::Directory, _) => zip.directory(&entry.name, DIRECTORY_MODE),
                (Kind::Symlink { target }, _) => zip.symlink(&entry.name, target, SYMLINK_MODE),
                (Kind::File { executable, .. }, Some(content)) => {
                    zip.file(&entry.name, mode(*executable), &content)
                }
                (Kind::File { executable, size }, None) => {
                    let file = open_listed(&entry.path, *size)?;
                    stream_file(&mut zip, entry, file, mode(*executable))
                }
            };
            added.map_err(|source| fail(&entry.path, source))?;
        }
    }
    let (buffered, size, checksum) = zip.finish().map_err(|source| fail(root, source))?;
    let writer = buffered
        .into_inner()
        .map_err(|error| fail(root, error.into_error()))?;
    Ok(Zipped {
        writer,
        entries: entries.len(),
        size,
        checksum,
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

/// Compresses a small file entry whole; other kinds, and large files, need no preparation.
fn prepare(entry: &Entry) -> Result<Option<Compressed>, PackageError> {
    let Kind::File { size, .. } = entry.kind else {
        return Ok(None);
    };
    if size > STREAMED_FILE_BYTES {
        return Ok(None);
    }
    let data = open_listed(&entry.path, size)?.read_all(&entry.path)?;
    Ok(Some(compress_small(&data)))
}

/// A large file, opened by [`open_listed`], compressed in chunks on its way into the zip.
fn stream_file<W: Write>(
    zip: &mut ZipOut<W>,
    entry: &Entry,
    file: impl io::Read,
    mode: u32,
) -> io::Result<()> {
    let streamed = zip.start_streamed(&entry.name, mode)?;
    let (crc32, uncompressed, compressed) =
        compress_large(io::BufReader::new(file), |piece| zip.write_data(piece))?;
    zip.finish_streamed(streamed, crc32, compressed, uncompressed)
}

/// Every entry below `root`, depth first, each directory's children sorted by name. Sizes
/// are checked here, where they are first known: a file one zip entry cannot hold, or a tree
/// over [`MAX_UNPACKED_BYTES`], is refused before any file is read.
fn walk(root: &Path) -> Result<Vec<Entry>, PackageError> {
    let mut entries = Vec::new();
    let mut total = 0u64;
    for item in walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let item = item.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            PackageError::Io {
                path,
                source: error.into(),
            }
        })?;
        let path = item.path().to_path_buf();
        let name = entry_name(root, &path)?;
        let file_type = item.file_type();
        let kind = if file_type.is_dir() {
            Kind::Directory
        } else if file_type.is_symlink() {
            let target = fs::read_link(&path).map_err(|source| PackageError::Io {
                path: path.clone(),
                source,
            })?;
            let target = target
                .to_str()
                .ok_or_else(|| PackageError::NonUtf8Target { path: path.clone() })?
                .to_owned();
            Kind::Symlink { target }
        } else if file_type.is_file() {
            let metadata = item.metadata().map_err(|error| PackageError::Io {
                path: path.clone(),
                source: error.into(),
            })?;
            let size = metadata.len();
            check_size(&path, size, &mut total)?;
            Kind::File {
                executable: is_executable(&metadata),
                size,
            }
        } else {
            return Err(PackageError::UnsupportedType { path });
        };
        entries.push(Entry { name, path, kind });
    }
    Ok(entries)
}

/// Refuses a file of `size` one zip entry cannot hold, or that brings the tree's `total`
/// over [`MAX_UNPACKED_BYTES`]; adds it to `total`.
fn check_size(path: &Path, size: u64, total: &mut u64) -> Result<(), PackageError> {
    *total = total.saturating_add(size);
    let (size, limit, what) = if size > MAX_ENTRY_BYTES {
        (size, MAX_ENTRY_BYTES, "one zip entry can hold")
    } else if *total > MAX_UNPACKED_BYTES {
        (
            *total,
            MAX_UNPACKED_BYTES,
            "a layer may hold unpacked (counting every file listed up to this one)",
        )
    } else {
        return Ok(());
    };
    Err(PackageError::FileTooLarge {
        path: path.into(),
        size,
        limit,
        what,
    })
}

fn entry_name(root: &Path, path: &Path) -> Result<String, PackageError> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|component| component.as_os_str().to_str())
        .collect();
    parts
        .map(|parts| parts.join("/"))
        .ok_or_else(|| PackageError::NonUtf8Name { path: path.into() })
}

#[cfg(unix)]
fn is_executable(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_metadata: &fs::Metadata) -> bool {
    false
}
