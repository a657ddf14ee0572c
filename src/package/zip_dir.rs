//! A directory as a reproducible zip: the same tree gives the same bytes on any machine.
//! Entries in sorted order, modes normalised to 0644 or 0755 (the run bit kept, since layers
//! ship executables under `bin/`), symlinks stored as links, never followed; the rest of
//! the format is fixed by [`super::writer`].
//!
//! Files are compressed whole on every core, a batch at a time; very large ones in chunks,
//! also on every core; either way in bounded memory, whatever the tree holds.
//!
//! The walk leaves out what [`super::select`] says, and every file's bytes, read for the
//! zip anyway, go past [`super::inspect`] on the way.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::contents::{CheckLevel, Contents, Options};
use super::deflate::{compress_large, compress_small};
use super::inspect::{self, Finding};
use super::keep::Keep;
use super::open::open_listed;
use super::select::{self, Bytecode, LeftOut, Rules};
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
/// Files larger than this are compressed in chunks instead of whole. Whole is smaller
/// (see [`super::deflate`]); a batch holds at most one file this large, since it ends
/// once its files pass [`COMPRESSION_BATCH_BYTES`].
const STREAMED_FILE_BYTES: u64 = 64 << 20;

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

/// Every entry below `root` that the selection keeps, depth first, each directory's
/// children sorted by name; what is left out is tallied in `contents`. Sizes are checked
/// here, where they are first known, after the selection: a file one zip entry cannot hold,
/// or a tree over [`MAX_UNPACKED_BYTES`], is refused before any file is read.
fn walk(
    root: &Path,
    options: &Options,
    contents: &mut Contents,
) -> Result<Vec<Entry>, PackageError> {
    let mut total = 0u64;
    let selection = &options.selection;
    let mut rules = Rules::new(root, selection).map_err(PackageError::IgnoreFile)?;
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
        let size = match kind {
            Kind::File { size, .. } => size,
            _ => 0,
        };
        let depth = item.depth();
        if let Some(reason) = rules.decide(&path, depth, file_type.is_dir()) {
            let is_rules_file = item.file_name() == select::IGNORE_FILE;
            if !file_type.is_dir() && !is_rules_file {
                contents.leave_out(reason, size);
            }
            continue;
        }
        if file_type.is_dir() {
            rules
                .enter_directory(&path, depth)
                .map_err(PackageError::IgnoreFile)?;
        } else if selection.bytecode != Bytecode::All && select::is_cached_bytecode(&name) {
            let header = select::read_header(&path).map_err(|source| PackageError::Io {
                path: path.clone(),
                source,
            })?;
            if !select::keeps_bytecode(selection.bytecode, &header) {
                contents.leave_out(LeftOut::Bytecode, size);
                continue;
            }
        }
        if let Kind::File { size, .. } = kind {
            check_size(&path, size, &mut total)?;
            contents.add_file(&name, size);
        }
        entries.push(Entry { name, path, kind });
    }
    Ok(without_empty_bytecode_dirs(entries))
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

/// The walk less the `__pycache__` directories that the bytecode policy left empty.
fn without_empty_bytecode_dirs(entries: Vec<Entry>) -> Vec<Entry> {
    let holds_something = |index: usize| {
        entries.get(index + 1).is_some_and(|next| {
            next.name
                .strip_prefix(entries[index].name.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let keep: Vec<bool> = (0..entries.len())
        .map(|index| {
            !matches!(entries[index].kind, Kind::Directory)
                || !select::is_bytecode_dir(&entries[index].name)
                || holds_something(index)
        })
        .collect();
    entries
        .into_iter()
        .zip(keep)
        .filter_map(|(entry, keep)| keep.then_some(entry))
        .collect()
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
