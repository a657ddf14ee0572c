//! The layer's code as zip bytes: a directory zipped reproducibly, or a prebuilt `.zip` read
//! and checked entry by entry (names that would unpack outside the layer's folder, CRCs).
//!
//! Reproducible means the same tree gives the same bytes on any machine: entries in sorted
//! order, one fixed timestamp, modes normalised to 0644 or 0755 (the run bit kept, since
//! layers ship executables under `bin/`), Unix as the "made by" system, and symlinks stored as
//! links, never followed.

use std::fs;
use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use zip::write::{PreparedZipFile, SimpleFileOptions};
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

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

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{path}: does not exist")]
    NotFound { path: PathBuf },
    #[error("{path}: cannot be read")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: is neither a directory nor a .zip file")]
    NotDirectoryOrZip { path: PathBuf },
    #[error("{path}: is not a valid zip file")]
    InvalidZip {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    #[error("{path}: holds no files")]
    Empty { path: PathBuf },
    #[error("{path}: name is not valid UTF-8, which a zip entry name must be")]
    NonUtf8Name { path: PathBuf },
    #[error("{path}: symlink target is not valid UTF-8")]
    NonUtf8Target { path: PathBuf },
    #[error("{path}: is not a file, directory or symlink, so it cannot go in a layer")]
    UnsupportedType { path: PathBuf },
    #[error("{path}: cannot be zipped")]
    Zip {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    /// Over the size the caller can send; zipping stops as soon as it is passed.
    #[error("{path}: the zip {} over the limit of {limit} bytes", size.map(|size| format!("is {size} bytes,")).unwrap_or_else(|| "passed".to_owned()))]
    TooLarge {
        path: PathBuf,
        limit: u64,
        /// The whole zip's size when it is known (a prebuilt zip); `None` when zipping was
        /// stopped part way.
        size: Option<u64>,
    },
    #[error(
        "{path}: entry {entry:?} {reason}; FC unpacks a layer under /opt, and such a name could land outside it"
    )]
    UnsafeEntryName {
        path: PathBuf,
        entry: String,
        reason: &'static str,
    },
    #[error("{path}: entry {entry:?} is damaged: {detail}")]
    DamagedEntry {
        path: PathBuf,
        entry: String,
        detail: String,
    },
}

/// Where the zip came from, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Directory,
    ZipFile,
}

#[derive(Debug)]
pub struct Package {
    pub bytes: Vec<u8>,
    pub entries: usize,
    pub origin: Origin,
}

/// Reads the `code` input: zips a directory, or reads and checks a `.zip` file. A zip over
/// `max_bytes` is refused, and zipping a directory stops as soon as it passes that size.
pub fn load(path: &Path, max_bytes: u64) -> Result<Package, PackageError> {
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => PackageError::NotFound { path: path.into() },
        _ => PackageError::Io {
            path: path.into(),
            source,
        },
    })?;
    if metadata.is_dir() {
        let (bytes, entries) = zip_directory_within(path, max_bytes)?;
        return Ok(Package {
            bytes,
            entries,
            origin: Origin::Directory,
        });
    }
    let is_zip_name = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("zip"));
    if !metadata.is_file() || !is_zip_name {
        return Err(PackageError::NotDirectoryOrZip { path: path.into() });
    }
    if metadata.len() > max_bytes {
        return Err(PackageError::TooLarge {
            path: path.into(),
            limit: max_bytes,
            size: Some(metadata.len()),
        });
    }
    let bytes = fs::read(path).map_err(|source| PackageError::Io {
        path: path.into(),
        source,
    })?;
    let entries = check_zip(path, &bytes)?;
    if entries == 0 {
        return Err(PackageError::Empty { path: path.into() });
    }
    Ok(Package {
        bytes,
        entries,
        origin: Origin::ZipFile,
    })
}

/// Reads a prebuilt zip the way the service will unpack it: every entry's name must stay
/// inside the layer's folder, and every entry must read back with its CRC-32. Returns the
/// number of entries.
pub fn check_zip(path: &Path, bytes: &[u8]) -> Result<usize, PackageError> {
    let invalid = |source| PackageError::InvalidZip {
        path: path.into(),
        source,
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(invalid)?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        if let Some(reason) = unsafe_name(&name) {
            return Err(PackageError::UnsafeEntryName {
                path: path.into(),
                entry: name,
                reason,
            });
        }
        // Reading to the end checks the entry's CRC-32 and its sizes.
        io::copy(&mut entry, &mut io::sink()).map_err(|error| PackageError::DamagedEntry {
            path: path.into(),
            entry: name,
            detail: error.to_string(),
        })?;
    }
    Ok(archive.len())
}

/// Why an entry name could escape the folder it is unpacked into, if it could.
fn unsafe_name(name: &str) -> Option<&'static str> {
    let drive = name.as_bytes();
    if name.starts_with('/')
        || (drive.len() >= 2 && drive[0].is_ascii_alphabetic() && drive[1] == b':')
    {
        Some("is an absolute path")
    } else if name.contains('\\') {
        Some("holds a backslash, a path separator on Windows")
    } else if name.split('/').any(|part| part == "..") {
        Some("has a `..` component")
    } else {
        None
    }
}

enum Kind {
    Directory,
    File { executable: bool },
    Symlink { target: String },
}

struct Entry {
    /// The entry name: relative, `/`-separated, a directory's without the trailing `/`.
    name: String,
    path: PathBuf,
    kind: Kind,
}

/// Zips `root` reproducibly. Returns the bytes and the number of entries.
pub fn zip_directory(root: &Path) -> Result<(Vec<u8>, usize), PackageError> {
    zip_directory_within(root, u64::MAX)
}

/// [`zip_directory`], stopped as soon as the zip passes `max_bytes`, so a tree whose zip
/// cannot be sent does not take the machine's memory first.
pub fn zip_directory_within(root: &Path, max_bytes: u64) -> Result<(Vec<u8>, usize), PackageError> {
    let entries = walk(root)?;
    if !entries
        .iter()
        .any(|entry| !matches!(entry.kind, Kind::Directory))
    {
        return Err(PackageError::Empty { path: root.into() });
    }

    // Compression is the slow part and independent per file, so it runs on every core, a
    // batch at a time: each batch comes back in walk order, which keeps the archive
    // reproducible, and is written out before the next starts, which bounds memory.
    let too_large = |error: &zip::result::ZipError| matches!(error, zip::result::ZipError::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<OverLimit>()));
    let fail = |path: &Path, source: zip::result::ZipError| {
        if too_large(&source) {
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
        inner: Cursor::new(Vec::new()),
        limit: max_bytes,
    });
    for batch in entries.chunks(COMPRESSION_BATCH) {
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
                (Kind::File { .. }, None) => unreachable!("every file was prepared above"),
            };
            added.map_err(|source| fail(&entry.path, source))?;
        }
    }
    let count = entries.len();
    let bytes = writer
        .finish()
        .map_err(|source| fail(root, source))?
        .inner
        .into_inner();
    Ok((bytes, count))
}

/// The zip being written, refusing to grow past `limit`.
struct Bounded {
    inner: Cursor<Vec<u8>>,
    limit: u64,
}

/// The error [`Bounded`] fails a write with, told apart from real I/O errors by its type.
#[derive(Debug, thiserror::Error)]
#[error("the zip passed its size limit")]
struct OverLimit;

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.inner.position() + buf.len() as u64 > self.limit {
            return Err(io::Error::other(OverLimit));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Seek for Bounded {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.inner.seek(position)
    }
}

/// Compresses a file entry; other kinds need no preparation.
fn prepare(entry: &Entry) -> Result<Option<PreparedZipFile>, PackageError> {
    let Kind::File { executable } = entry.kind else {
        return Ok(None);
    };
    let mode = if executable {
        EXECUTABLE_MODE
    } else {
        FILE_MODE
    };
    let options = options(mode)
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL));
    PreparedZipFile::from_path(&entry.name, &entry.path, options)
        .map(Some)
        .map_err(|source| zip_error(&entry.path, source))
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
