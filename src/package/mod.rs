//! The layer's code as a zip file on disk: a directory zipped reproducibly into a temporary
//! file, or a prebuilt `.zip` checked where it lies. Either way the zip is never held in
//! memory whole, so a 500 MB layer costs disk, not RAM.
//!
//! - [`zip_dir`]: a directory as a reproducible zip, written to any writer; `walk` lists
//!   what goes in, opening nothing.
//! - [`writer`]: the zip format, written front to back and hashed as it goes.
//! - [`schedule`]: small files in batches on every core, mid-sized ones ahead.
//! - [`deflate`]: libdeflate for small files, chunked parallel deflate for large ones.
//! - [`check`]: a prebuilt zip read the way the service will unpack it.
//! - [`select`]: which files go in: `.fcignore`, `exclude`, `python-bytecode`.
//! - [`ignore_file`]: a `.fcignore` read without following a link, and bounded.
//! - [`inspect`]: the checks of what is inside (machine, glibc, layout).
//! - [`modules`]: every Python runtime named finds a build of every extension module.
//! - [`finding`]: one problem found, and [`fix`]: the command that fixes it.
//! - [`platform`]: the runtimes a layer is for, from [`crate::fc::runtimes`]'s one table.
//! - [`keep`]: a file read through, a copy kept of what the checks need.
//! - [`contents`]: what the layer holds, tallied on the one pass, for the log and summary.
//! - [`open`]: a listed file opened once, without following links, checked on the handle.
//! - [`entry_rules`]: what a layer may hold (names, links), for a directory and a zip alike.

mod check;
pub(crate) mod contents;
mod deflate;
pub mod entry_rules;
pub(crate) mod finding;
pub(crate) mod fix;
mod ignore_file;
pub(crate) mod inspect;
mod keep;
mod modules;
mod open;
pub mod platform;
mod schedule;
pub mod select;
mod walk;
mod writer;
pub mod zip_dir;

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::checksum::Crc64;

pub use check::check_zip;
pub use contents::{CheckLevel, Contents, Options};
pub use zip_dir::{zip_directory, zip_directory_with};

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{path}: does not exist")]
    NotFound { path: PathBuf },
    #[error("{path}: cannot be read")]
    Io { path: PathBuf, source: io::Error },
    /// The tree changed between the walk and the read; nothing of the new file was read.
    #[error("{path}: changed while the layer was packaged: it is now {now}, so it was not read")]
    Changed { path: PathBuf, now: String },
    #[error("{path}: {size} bytes, over the {limit} bytes {what}; nothing was read")]
    FileTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        what: &'static str,
    },
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
    /// An entry the layer may not hold, in a directory or a prebuilt zip alike.
    #[error("{path}: {refusal}")]
    Refused {
        path: PathBuf,
        refusal: entry_rules::Refusal,
    },
    #[error("{0}")]
    IgnoreFile(ignore_file::IgnoreFileError),
    #[error(
        "{path}: entry {entry:?} is encrypted; FC cannot unpack an encrypted layer, so zip it without a password"
    )]
    EncryptedEntry { path: PathBuf, entry: String },
    #[error(
        "{path}: its entries up to {entry:?} declare more than {limit} bytes unpacked, the most a layer may hold; nothing was inflated"
    )]
    UnpackedTooLarge {
        path: PathBuf,
        entry: String,
        limit: u64,
    },
    #[error(
        "{path}: entry {entry:?} overlaps entry {other:?} in the file, as a zip bomb's entries do; nothing was inflated"
    )]
    OverlappingEntries {
        path: PathBuf,
        entry: String,
        other: String,
    },
    #[error("{path}: entry {entry:?} is damaged: {detail}")]
    DamagedEntry {
        path: PathBuf,
        entry: String,
        detail: String,
    },
}

/// The most one zip entry can hold in [`writer`], which writes no Zip64 entry fields.
const MAX_ENTRY_BYTES: u64 = u32::MAX as u64;
/// The most a layer may hold unpacked: a tree to zip, or what a prebuilt zip declares. FC
/// documents no limit for an unpacked layer, so this is the action's own bound, there so a
/// zip bomb or a runaway tree is refused before it costs hours.
const MAX_UNPACKED_BYTES: u64 = 10 << 30;

/// Where the zip came from, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Directory,
    ZipFile,
}

/// The zip to send: on disk, with its size and CRC-64/XZ.
#[derive(Debug)]
pub struct Package {
    file: ZipFile,
    pub size: u64,
    /// CRC-64/XZ as FC writes it: an unsigned decimal string.
    pub checksum: String,
    pub entries: usize,
    pub origin: Origin,
    /// What the zip holds; for a prebuilt zip, read from its entries.
    pub contents: Contents,
}

/// A zip this run made (removed when dropped) or the user's own.
#[derive(Debug)]
enum ZipFile {
    Temporary(NamedTempFile),
    Given(PathBuf),
}

impl Package {
    pub fn path(&self) -> &Path {
        match &self.file {
            ZipFile::Temporary(file) => file.path(),
            ZipFile::Given(path) => path,
        }
    }

    /// The zip, for reading from the start.
    pub(crate) fn open(&self) -> Result<File, PackageError> {
        File::open(self.path()).map_err(|source| PackageError::Io {
            path: self.path().into(),
            source,
        })
    }

    /// The whole zip in memory; for the inline path, whose limit keeps it small.
    pub fn read_all(&self) -> Result<Vec<u8>, PackageError> {
        fs::read(self.path()).map_err(|source| PackageError::Io {
            path: self.path().into(),
            source,
        })
    }
}

/// Reads the `code` input: zips a directory into a temporary file under `temp_dir`, or
/// checks a `.zip` file. A zip over `max_bytes` is refused, and zipping a directory stops as
/// soon as it passes that size.
pub fn load(path: &Path, max_bytes: u64, temp_dir: &Path) -> Result<Package, PackageError> {
    load_with(path, max_bytes, temp_dir, &Options::default())
}

/// [`load`], selecting (a directory's files) and checking as `options` says.
pub fn load_with(
    path: &Path,
    max_bytes: u64,
    temp_dir: &Path,
    options: &Options,
) -> Result<Package, PackageError> {
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => PackageError::NotFound { path: path.into() },
        _ => PackageError::Io {
            path: path.into(),
            source,
        },
    })?;
    if metadata.is_dir() {
        let temp = tempfile::Builder::new()
            .prefix("fc-layer-")
            .suffix(".zip")
            .tempfile_in(temp_dir)
            .map_err(|source| PackageError::Io {
                path: temp_dir.into(),
                source,
            })?;
        let writer = temp.reopen().map_err(|source| PackageError::Io {
            path: temp.path().into(),
            source,
        })?;
        let zipped = zip_directory_with(path, writer, max_bytes, options)?;
        return Ok(Package {
            file: ZipFile::Temporary(temp),
            size: zipped.size,
            checksum: zipped.checksum,
            entries: zipped.entries,
            origin: Origin::Directory,
            contents: zipped.contents,
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
    let mut contents = Contents::default();
    let entries = check::check_zip_into(path, options, &mut contents)?;
    if entries == 0 {
        return Err(PackageError::Empty { path: path.into() });
    }
    let (size, checksum) = measure(path)?;
    Ok(Package {
        file: ZipFile::Given(path.into()),
        size,
        checksum,
        entries,
        origin: Origin::ZipFile,
        contents,
    })
}

/// The size and CRC-64/XZ of the file at `path`, read in pieces.
fn measure(path: &Path) -> Result<(u64, String), PackageError> {
    let io_error = |source| PackageError::Io {
        path: path.into(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let mut crc = Crc64::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(io_error)?;
        if read == 0 {
            break;
        }
        crc.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((size, crc.finish()))
}
