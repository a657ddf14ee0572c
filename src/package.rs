//! The layer's code as zip bytes: a directory zipped reproducibly, or a prebuilt `.zip` read
//! and checked.
//!
//! Reproducible means the same tree gives the same bytes on any machine: entries in sorted
//! order, one fixed timestamp, modes normalised to 0644 or 0755 (the run bit kept, since
//! layers ship executables under `bin/`), Unix as the "made by" system, and symlinks stored as
//! links, never followed.

use std::fs;
use std::io::{self, Cursor};
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

/// Reads the `code` input: zips a directory, or reads and checks a `.zip` file.
pub fn load(path: &Path) -> Result<Package, PackageError> {
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => PackageError::NotFound { path: path.into() },
        _ => PackageError::Io {
            path: path.into(),
            source,
        },
    })?;
    if metadata.is_dir() {
        let (bytes, entries) = zip_directory(path)?;
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
    let bytes = fs::read(path).map_err(|source| PackageError::Io {
        path: path.into(),
        source,
    })?;
    let entries = count_entries(&bytes).map_err(|source| PackageError::InvalidZip {
        path: path.into(),
        source,
    })?;
    if entries == 0 {
        return Err(PackageError::Empty { path: path.into() });
    }
    Ok(Package {
        bytes,
        entries,
        origin: Origin::ZipFile,
    })
}

/// Parses the central directory, which is what the service will do first.
pub fn count_entries(bytes: &[u8]) -> Result<usize, zip::result::ZipError> {
    Ok(ZipArchive::new(Cursor::new(bytes))?.len())
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
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
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
            added.map_err(|source| zip_error(&entry.path, source))?;
        }
    }
    let count = entries.len();
    let bytes = writer
        .finish()
        .map_err(|source| zip_error(root, source))?
        .into_inner();
    Ok((bytes, count))
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
