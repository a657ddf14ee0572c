//! A directory as a reproducible zip: the same tree gives the same bytes on any machine.
//! Entries in sorted order, symlinks stored as links, never followed
//! ([`super::zip_entries`]); the rest of the format is fixed by [`super::writer`].
//!
//! Small files are compressed whole, a run at a time, and large ones in chunks, all on
//! every core, in bounded memory, whatever the tree holds ([`super::schedule`]).
//!
//! The walk leaves out what [`super::select`] says, but for cached bytecode under
//! `portable`: that is judged here, on the header of the bytes zipped, read on the file's
//! one open. Every file's bytes, read for the zip anyway, go past [`super::inspect`] on the
//! way; native code over 4 MiB is read back by range, through the handle it was zipped from.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use super::PackageError;
use super::contents::{Contents, Options};
use super::deflate::{Chunk, compress_small, deflate_chunk};
use super::keep::head_of;
use super::open::{Listed, ListedAt, open_listed};
use super::schedule::{self, Unit, Window};
use super::select::{self, Bytecode};
use super::walk::{Entry, Kind, walk};
use super::writer::{OverLimit, ZipOut};
use super::zip_entries::{Out, Piece, Prepared, inspect_bytes};

/// A directory zipped: what was written to, and what it holds.
pub struct Zipped<W> {
    pub writer: W,
    pub(crate) entries: usize,
    pub(crate) size: u64,
    /// CRC-64/XZ of the zip, computed as it was written.
    pub(crate) checksum: String,
    pub contents: Contents,
}

/// Zips `root` reproducibly in memory. Returns the bytes and the number of entries.
pub fn zip_directory(root: &Path) -> Result<(Vec<u8>, usize), PackageError> {
    let zipped = zip_directory_into(root, Vec::new(), u64::MAX)?;
    Ok((zipped.writer, zipped.entries))
}

/// Zips `root` reproducibly into `writer`, stopped as soon as the zip passes `max_bytes`,
/// so a tree whose zip cannot be sent does not take the machine's time and disk first.
pub(crate) fn zip_directory_into<W: Write>(
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
    let mut out = Out::new(ZipOut::new(
        BufWriter::with_capacity(1 << 20, writer),
        max_bytes,
    ));
    rayon::in_place_scope(|scope| {
        let mut window = Window::new(scope);
        let mut units = schedule::units(&entries).peekable();
        // The large file whose chunks are being started; `None` when it was left out or
        // failed to open, and its chunks are not started.
        let mut opened: Option<Arc<ListedAt>> = None;
        loop {
            while let Some(unit) = units.next_if(|unit| window.has_room_for(unit.weight())) {
                start(&mut window, unit, &mut opened, options);
            }
            let Some(done) = window.take() else {
                return Ok(());
            };
            write(&mut out, done, options, &mut contents, &fail)?;
        }
    })?;
    // Every file the walk kept may have been bytecode that its header left out.
    if out.files == 0 {
        return Err(PackageError::Empty { path: root.into() });
    }
    let (buffered, size, checksum) = out.zip.finish().map_err(|source| fail(root, source))?;
    let writer = buffered
        .into_inner()
        .map_err(|error| fail(root, error.into_error()))?;
    contents.finish_checks(out.names.iter().copied(), options);
    Ok(Zipped {
        writer,
        entries: out.names.len(),
        size,
        checksum,
        contents,
    })
}

/// A unit of work done, in walk order.
enum Done<'a> {
    /// A run of entries that are not large files, prepared; the first failure ends it.
    Run(&'a [Entry], Result<Vec<Prepared>, PackageError>),
    /// A chunk of a large file, compressed.
    Chunk(&'a Entry, Chunk, io::Result<Piece>),
    /// A large file that its bytecode header leaves out.
    LeftOut(&'a Entry),
    /// A large file that could not be opened.
    Failed(PackageError),
}

/// Starts `unit` in the window; a large file is opened at its first chunk.
fn start<'a: 'scope, 'scope>(
    window: &mut Window<'_, 'scope, Done<'a>>,
    unit: Unit<'a>,
    opened: &mut Option<Arc<ListedAt>>,
    options: &'a Options,
) {
    let weight = unit.weight();
    match unit {
        Unit::Run(run) => window.start(weight, move || {
            let prepared = run.iter().map(|entry| prepare(entry, options)).collect();
            Done::Run(run, prepared)
        }),
        Unit::Chunk(entry, chunk) => {
            if chunk.offset == 0 {
                *opened = match open_large(entry, options) {
                    Ok(Some(file)) => Some(Arc::new(file)),
                    Ok(None) => {
                        window.start(0, move || Done::LeftOut(entry));
                        None
                    }
                    Err(error) => {
                        window.start(0, move || Done::Failed(error));
                        None
                    }
                };
            }
            if let Some(file) = opened {
                let file = Arc::clone(file);
                window.start(weight, move || {
                    Done::Chunk(entry, chunk, compress_piece(file, chunk))
                });
            }
        }
    }
}

/// Writes what a unit of work gave, or fails with its error.
fn write<'a, W: Write>(
    out: &mut Out<'a, W>,
    done: Done<'a>,
    options: &Options,
    contents: &mut Contents,
    fail: &impl Fn(&Path, io::Error) -> PackageError,
) -> Result<(), PackageError> {
    match done {
        Done::Run(run, prepared) => {
            for (entry, prepared) in run.iter().zip(prepared?) {
                out.add(entry, prepared, contents)
                    .map_err(|source| fail(&entry.path, source))?;
            }
        }
        Done::Chunk(entry, chunk, piece) => {
            let piece = piece.map_err(|source| fail(&entry.path, source))?;
            out.chunk(entry, chunk, piece, options, contents)
                .map_err(|source| fail(&entry.path, source))?;
        }
        Done::LeftOut(entry) => out
            .add(entry, Prepared::LeftOut, contents)
            .map_err(|source| fail(&entry.path, source))?,
        Done::Failed(error) => return Err(error),
    }
    Ok(())
}

/// A chunk of a large file compressed, with its CRC-32 and what the checks need of it:
/// the first bytes of the first chunk, and the file itself with the last.
fn compress_piece(file: Arc<ListedAt>, chunk: Chunk) -> io::Result<Piece> {
    let mut data = vec![0u8; chunk.length];
    file.read_exact_at(&mut data, chunk.offset)?;
    let mut crc32 = crc32fast::Hasher::new();
    crc32.update(&data);
    let deflated = deflate_chunk(&data, chunk.last)?;
    let head = match chunk.offset {
        0 => head_of(&data),
        _ => Vec::new(),
    };
    Ok(Piece {
        crc32,
        deflated,
        head,
        file: chunk.last.then_some(file),
    })
}

/// A small file compressed whole; other kinds are written from the walk's entry.
fn prepare(entry: &Entry, options: &Options) -> Result<Prepared, PackageError> {
    match entry.kind {
        Kind::File { .. } => read_whole(entry, options),
        _ => Ok(Prepared::Other),
    }
}

/// Reads a file through its one open and compresses it whole, and inspects its bytes.
fn read_whole(entry: &Entry, options: &Options) -> Result<Prepared, PackageError> {
    let Kind::File { size, bytecode, .. } = entry.kind else {
        return Ok(Prepared::Other);
    };
    let policy = options.selection.bytecode;
    let Some((start, file)) = open_kept(&entry.path, size, bytecode, policy)? else {
        return Ok(Prepared::LeftOut);
    };
    let data = file.read_rest(&entry.path, start)?;
    Ok(Prepared::Whole(
        compress_small(&data),
        inspect_bytes(&entry.name, &data, options),
    ))
}

/// A large file opened for its chunks to be read by range; `None` when its bytecode
/// header leaves it out.
fn open_large(entry: &Entry, options: &Options) -> Result<Option<ListedAt>, PackageError> {
    let Kind::File { size, bytecode, .. } = entry.kind else {
        return Ok(None);
    };
    let policy = options.selection.bytecode;
    Ok(open_kept(&entry.path, size, bytecode, policy)?.map(|(head, file)| file.at(head)))
}

/// Opens a listed file. Cached `bytecode` is judged by the header read on that same handle,
/// so that what is judged is what is zipped: `None` when `policy` leaves it out, and else
/// the header comes back with the handle, to be zipped before the rest.
fn open_kept(
    path: &Path,
    size: u64,
    bytecode: bool,
    policy: Bytecode,
) -> Result<Option<(Vec<u8>, Listed)>, PackageError> {
    let mut file = open_listed(path, size)?;
    if !bytecode {
        return Ok(Some((Vec::new(), file)));
    }
    let header = select::read_header(&mut file).map_err(|source| PackageError::Io {
        path: path.into(),
        source,
    })?;
    Ok(select::keeps_bytecode(policy, &header).then_some((header, file)))
}
