//! The layer's code as a zip file on disk: a directory zipped reproducibly into a temporary
//! file, or a prebuilt `.zip` read once into a temporary copy and checked there, so what is
//! checked, measured and sent is one set of bytes. Either way the zip is never held in
//! memory whole, so a 500 MB layer costs disk, not RAM.
//!
//! - [`zip_dir`]: a directory as a reproducible zip, written to any writer; `walk` lists
//!   what goes in, opening nothing.
//! - [`writer`]: the zip format, written front to back and hashed as it goes.
//! - [`watched`]: a zip being written, its progress told to the upload that overlaps it.
//! - [`schedule`]: small files in batches on every core, mid-sized ones ahead.
//! - [`deflate`]: libdeflate for small files, chunked parallel deflate for large ones.
//! - [`sync_flush`]: a complete deflate stream made to join the next one (its end a sync flush).
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
mod sync_flush;
mod walk;
pub mod watched;
mod writer;
pub mod zip_dir;
mod zip_entries;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use tokio::sync::watch;

use crate::checksum::Crc64;

pub use check::check_zip;
pub use contents::{CheckLevel, Contents, Options};
pub use watched::{Watched, Written};
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
    /// This run's own file, removed when dropped.
    file: NamedTempFile,
    pub size: u64,
    /// CRC-64/XZ as FC writes it: an unsigned decimal string.
    pub checksum: String,
    pub entries: usize,
    pub origin: Origin,
    /// What the zip holds; for a prebuilt zip, read from its entries.
    pub contents: Contents,
}

impl Package {
    /// The zip this run holds: the one it made, or its copy of a prebuilt one.
    pub fn path(&self) -> &Path {
        self.file.path()
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
/// copies a `.zip` file there and checks the copy. A zip over `max_bytes` is refused, and zipping a directory stops as
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
        let temp = temporary_zip(temp_dir)?;
        let writer = reopen(&temp)?;
        let zipped = zip_directory_with(path, writer, max_bytes, options)?;
        return Ok(Package::zipped(temp, zipped));
    }
    let is_zip_name = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("zip"));
    if !metadata.is_file() || !is_zip_name {
        return Err(PackageError::NotDirectoryOrZip { path: path.into() });
    }
    // Read once, into a copy of this run's own: the checks, the checksum and the upload all
    // see these bytes, whatever becomes of the file at `path` meanwhile.
    let (copy, size, checksum) = copy_measured(path, max_bytes, temp_dir)?;
    let mut contents = Contents::default();
    let entries = check::check_zip_into(path, copy.as_file(), options, &mut contents)?;
    if entries == 0 {
        return Err(PackageError::Empty { path: path.into() });
    }
    Ok(Package {
        file: copy,
        size,
        checksum,
        entries,
        origin: Origin::ZipFile,
        contents,
    })
}

/// A temporary file under `temp_dir` for a directory's zip, removed when dropped.
pub fn temporary_zip(temp_dir: &Path) -> Result<NamedTempFile, PackageError> {
    temp_file(temp_dir)
}

fn reopen(temp: &NamedTempFile) -> Result<File, PackageError> {
    temp.reopen().map_err(|source| PackageError::Io {
        path: temp.path().into(),
        source,
    })
}

/// Zips the directory at `path` into `temp` as [`load_with`] does, telling `sender` how far
/// it is written as it goes, and at the end whether it is done or failed: for an upload that
/// overlaps the packaging.
pub fn zip_watched(
    path: &Path,
    temp: NamedTempFile,
    max_bytes: u64,
    options: &Options,
    sender: watch::Sender<Written>,
) -> Result<Package, PackageError> {
    let zipped = reopen(&temp).and_then(|writer| {
        zip_directory_with(
            path,
            Watched::new(writer, sender.clone()),
            max_bytes,
            options,
        )
    });
    match zipped {
        Ok(zipped) => {
            let (writer, sender) = zipped.writer.into_parts();
            let zipped = zip_dir::Zipped {
                writer,
                entries: zipped.entries,
                size: zipped.size,
                checksum: zipped.checksum,
                contents: zipped.contents,
            };
            sender.send_replace(Written::Done {
                size: zipped.size,
                checksum: zipped.checksum.clone(),
            });
            Ok(Package::zipped(temp, zipped))
        }
        Err(error) => {
            sender.send_replace(Written::Failed);
            Err(error)
        }
    }
}

impl Package {
    fn zipped(temp: NamedTempFile, zipped: zip_dir::Zipped<File>) -> Self {
        Package {
            file: temp,
            size: zipped.size,
            checksum: zipped.checksum,
            entries: zipped.entries,
            origin: Origin::Directory,
            contents: zipped.contents,
        }
    }
}

/// The zip at `path`, opened once (not waiting on a FIFO swapped in) and copied into a
/// temporary file under `temp_dir`, with the copy's size and CRC-64/XZ. A zip over
/// `max_bytes` is refused, however it grows while it is read.
fn copy_measured(
    path: &Path,
    max_bytes: u64,
    temp_dir: &Path,
) -> Result<(NamedTempFile, u64, String), PackageError> {
    let io_error = |source| PackageError::Io {
        path: path.into(),
        source,
    };
    let original = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io_error)?;
    let metadata = original.metadata().map_err(io_error)?;
    if !metadata.is_file() {
        return Err(PackageError::NotDirectoryOrZip { path: path.into() });
    }
    let too_large = |size| PackageError::TooLarge {
        path: path.into(),
        limit: max_bytes,
        size: Some(size),
    };
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len()));
    }
    let mut copy = temp_file(temp_dir)?;
    let mut reader = original.take(max_bytes.saturating_add(1));
    let mut crc = Crc64::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = reader.read(&mut buffer).map_err(io_error)?;
        if read == 0 {
            break;
        }
        crc.update(&buffer[..read]);
        size += read as u64;
        copy.write_all(&buffer[..read])
            .map_err(|source| PackageError::Io {
                path: copy.path().into(),
                source,
            })?;
    }
    if size > max_bytes {
        return Err(too_large(size));
    }
    Ok((copy, size, crc.finish()))
}

/// A file under `temp_dir`, removed when dropped, for a zip this run holds.
fn temp_file(temp_dir: &Path) -> Result<NamedTempFile, PackageError> {
    tempfile::Builder::new()
        .prefix("fc-layer-")
        .suffix(".zip")
        .tempfile_in(temp_dir)
        .map_err(|source| PackageError::Io {
            path: temp_dir.into(),
            source,
        })
}
