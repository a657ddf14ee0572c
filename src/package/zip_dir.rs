//! A directory as a reproducible zip: the same tree gives the same bytes on any machine.
//! Entries in sorted order, one fixed timestamp, modes normalised to 0644 or 0755 (the run
//! bit kept, since layers ship executables under `bin/`), Unix as the "made by" system, and
//! symlinks stored as links, never followed.
//!
//! Small files are compressed on every core, a batch at a time; large ones are streamed
//! through the writer one after another, so memory stays bounded whatever the tree holds.

use std::fs::{self, File};
use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use zip::write::{PreparedZipFile, SimpleFileOptions};
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::PackageError;

/// One date for every entry. 1980-01-01 is the earliest a zip (DOS) timestamp can hold.
const FIXED_TIME: DateTime = DateTime::DEFAULT;
const FILE_MODE: u32 = 0o644;
const EXECUTABLE_MODE: u32 = 0o755;
const DIRECTORY_MODE: u32 = 0o755;
const SYMLINK_MODE: u32 = 0o777;
/// zlib's default level: within a few percent of level 9 on typical layers, at a fraction
/// of the time.
const DEFLATE_LEVEL: i64 = 6;
/// Entries compressed in parallel before they are written: enough to keep every core busy
/// on small files, few enough that compressed data waiting to be written stays small.
const COMPRESSION_BATCH: usize = 256;
/// A batch also ends once its files add up to this much, since each is held compressed.
const COMPRESSION_BATCH_BYTES: u64 = 24 << 20;
/// Files larger than this are streamed through the writer instead of held in memory.
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

/// Zips `root` reproducibly in memory. Returns the bytes and the number of entries.
pub fn zip_directory(root: &Path) -> Result<(Vec<u8>, usize), PackageError> {
    let (cursor, entries) = zip_directory_into(root, Cursor::new(Vec::new()), u64::MAX)?;
    Ok((cursor.into_inner(), entries))
}

/// Zips `root` reproducibly into `writer`, stopped as soon as the zip passes `max_bytes`,
/// so a tree whose zip cannot be sent does not take the machine's time and disk first.
/// Returns the writer and the number of entries.
pub fn zip_directory_into<W: Write + Seek>(
    root: &Path,
    writer: W,
    max_bytes: u64,
) -> Result<(W, usize), PackageError> {
    let entries = walk(root)?;
    if !entries
        .iter()
        .any(|entry| !matches!(entry.kind, Kind::Directory))
    {
        return Err(PackageError::Empty { path: root.into() });
    }
    let fail = |path: &Path, source: zip::result::ZipError| {
        let over_limit = matches!(&source, zip::result::ZipError::Io(io)
            if io.get_ref().is_some_and(|inner| inner.is::<OverLimit>()));
        if over_limit {
            PackageError::TooLarge {
                path: root.into(),
                limit: max_bytes,
                size: None,
            }
        } else {
            zip_error(path, source)
        }
    };
    let mut writer = ZipWriter::new(Bounded {
        inner: writer,
        limit: max_bytes,
        position: 0,
    });
    for batch in batches(&entries) {
        // Each batch comes back in walk order, which keeps the archive reproducible, and is
        // written out before the next starts, which bounds memory.
        let prepared: Vec<Option<PreparedZipFile>> =
            batch.par_iter().map(prepare).collect::<Result<_, _>>()?;
        for (entry, prepared) in batch.iter().zip(prepared) {
            let added = match (&entry.kind, prepared) {
                (Kind::Directory, _) => {
                    writer.add_directory(entry.name.as_str(), options(DIRECTORY_MODE))
                }
                (Kind::Symlink { target }, _) => {
                    writer.add_symlink(&entry.name, target, options(SYMLINK_MODE))
                }
                (Kind::File { .. }, Some(prepared)) => writer.add_prepared_file(prepared),
                (Kind::File { executable, .. }, None) => {
                    stream_file(&mut writer, entry, *executable)
                }
            };
            added.map_err(|source| fail(&entry.path, source))?;
        }
    }
    let count = entries.len();
    let bounded = writer.finish().map_err(|source| fail(root, source))?;
    Ok((bounded.inner, count))
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

fn file_options(executable: bool) -> SimpleFileOptions {
    let mode = if executable {
        EXECUTABLE_MODE
    } else {
        FILE_MODE
    };
    options(mode)
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
}

/// Compresses a small file entry; other kinds, and large files, need no preparation.
fn prepare(entry: &Entry) -> Result<Option<PreparedZipFile>, PackageError> {
    let Kind::File { executable, size } = entry.kind else {
        return Ok(None);
    };
    if size > STREAMED_FILE_BYTES {
        return Ok(None);
    }
    let fail = |source| zip_error(&entry.path, source);
    let data = fs::read(&entry.path).map_err(|source| PackageError::Io {
        path: entry.path.clone(),
        source,
    })?;
    let deflated =
        PreparedZipFile::from_data(&entry.name, file_options(executable), &data).map_err(fail)?;
    // Already-compressed content (wheels, archives, images) gains nothing from deflate, and
    // its deflate stream comes out a little larger: stored, as Info-ZIP does.
    if deflated.compressed_size() < deflated.uncompressed_size() {
        return Ok(Some(deflated));
    }
    let stored = stored_options(executable);
    PreparedZipFile::from_data(&entry.name, stored, &data)
        .map(Some)
        .map_err(fail)
}

fn stored_options(executable: bool) -> SimpleFileOptions {
    file_options(executable)
        .compression_method(CompressionMethod::Stored)
        .compression_level(None)
}

/// A large file compressed on its way into the writer, a buffer at a time.
fn stream_file<W: Write + Seek>(
    writer: &mut ZipWriter<W>,
    entry: &Entry,
    executable: bool,
) -> zip::result::ZipResult<()> {
    let options = file_options(executable).large_file(false);
    writer.start_file(entry.name.as_str(), options)?;
    let mut file = File::open(&entry.path)?;
    io::copy(&mut file, writer)?;
    Ok(())
}

fn options(mode: u32) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .system(zip::System::Unix)
        .last_modified_time(FIXED_TIME)
        .unix_permissions(mode)
}

fn zip_error(path: &Path, source: zip::result::ZipError) -> PackageError {
    PackageError::Zip {
        path: path.into(),
        source,
    }
}

/// The zip being written, refusing to grow past `limit`. Starts at position 0.
struct Bounded<W> {
    inner: W,
    limit: u64,
    position: u64,
}

/// The error [`Bounded`] fails a write with, told apart from real I/O errors by its type.
#[derive(Debug, thiserror::Error)]
#[error("the zip passed its size limit")]
struct OverLimit;

impl<W: Write + Seek> Write for Bounded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.position + buf.len() as u64 > self.limit {
            return Err(io::Error::other(OverLimit));
        }
        let written = self.inner.write(buf)?;
        self.position += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Seek> Seek for Bounded<W> {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.position = self.inner.seek(position)?;
        Ok(self.position)
    }
}

/// Every entry below `root`, depth first, each directory's children sorted by name.
fn walk(root: &Path) -> Result<Vec<Entry>, PackageError> {
    let mut entries = Vec::new();
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
            Kind::File {
                executable: is_executable(&metadata),
                size: metadata.len(),
            }
        } else {
            return Err(PackageError::UnsupportedType { path });
        };
        entries.push(Entry { name, path, kind });
    }
    Ok(entries)
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
