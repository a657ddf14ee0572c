//! A directory as a reproducible zip: the same tree gives the same bytes on any machine.
//! Entries in sorted order, modes normalised to 0644 or 0755 (the run bit kept, since layers
//! ship executables under `bin/`), symlinks stored as links, never followed; the rest of
//! the format is fixed by [`super::writer`].
//!
//! Small files are compressed whole on every core, a batch at a time; large ones are
//! streamed, compressed in chunks on every core; in bounded memory, whatever the tree holds
//! ([`super::schedule`]).
//!
//! The walk leaves out what [`super::select`] says, but for cached bytecode under
//! `portable`: that is judged here, on the header of the bytes zipped, read on the file's
//! one open. Every file's bytes, read for the zip anyway, go past [`super::inspect`] on the
//! way.

use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc;
use std::thread;

use super::PackageError;
use super::contents::{CheckLevel, Contents, Options};
use super::deflate::{compress_chunked, compress_small};
use super::inspect::{self, Finding};
use super::keep::Kept;
use super::open::{Listed, open_listed};
use super::schedule::{self, Batch, LARGE_FILE_BYTES};
use super::select::{self, Bytecode, LeftOut};
use super::walk::{Entry, Kind, walk};
use super::writer::{Compressed, OverLimit, ZipOut};

const FILE_MODE: u32 = 0o644;
const EXECUTABLE_MODE: u32 = 0o755;
const DIRECTORY_MODE: u32 = 0o755;
const SYMLINK_MODE: u32 = 0o777;

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
    let mut out = Out {
        zip: ZipOut::new(BufWriter::with_capacity(1 << 20, writer), max_bytes),
        names: Vec::new(),
        files: 0,
        held: None,
    };
    let small = |entry: &Entry| prepare(entry, options);
    thread::scope(|scope| {
        let prepared = schedule::batches_ahead(scope, &entries, &small);
        write_entries(&mut out, prepared, options, &mut contents, &fail)
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

/// Writes every entry, in walk order (which keeps the archive reproducible): the small
/// files as `prepared` hands them over, the large ones streamed.
fn write_entries<'a, W: Write>(
    out: &mut Out<'a, W>,
    prepared: mpsc::Receiver<Batch<'a, Prepared, PackageError>>,
    options: &Options,
    contents: &mut Contents,
    fail: &impl Fn(&Path, io::Error) -> PackageError,
) -> Result<(), PackageError> {
    for (batch, prepared) in prepared {
        for (entry, prepared) in batch.iter().zip(prepared?) {
            let prepared = match prepared {
                Prepared::Later => open_large(entry, options.selection.bytecode)?,
                prepared => prepared,
            };
            out.add(entry, prepared, options, contents)
                .map_err(|source| fail(&entry.path, source))?;
        }
    }
    Ok(())
}

/// What became of an entry before it is written.
enum Prepared {
    /// A small file, compressed whole, and what the checks found in it.
    Whole(Compressed, Vec<Finding>),
    /// A large file, open, and the bytes already read from it (a bytecode header).
    Open(Vec<u8>, Listed),
    /// A large file, opened where it is written, so that one batch opens one at a time.
    Later,
    /// A directory or a link, written from the walk's entry.
    Other,
    /// Cached bytecode whose header the policy leaves out; the rest of it was not read.
    LeftOut,
}

/// The zip as it is written, in walk order: the names that went in, and a `__pycache__`
/// directory held back until an entry goes in below it, so that one the bytecode policy
/// left empty is not stored.
struct Out<'a, W: Write> {
    zip: ZipOut<W>,
    names: Vec<&'a str>,
    /// Files and links written.
    files: usize,
    held: Option<&'a Entry>,
}

impl<'a, W: Write> Out<'a, W> {
    fn add(
        &mut self,
        entry: &'a Entry,
        prepared: Prepared,
        options: &Options,
        contents: &mut Contents,
    ) -> io::Result<()> {
        let (mode, size, bytecode) = match entry.kind {
            Kind::File {
                executable,
                size,
                bytecode,
            } => (mode(executable), size, bytecode),
            _ => (0, 0, false),
        };
        if let Prepared::LeftOut = prepared {
            contents.leave_out(LeftOut::Bytecode, size);
            return Ok(());
        }
        self.release_held(entry)?;
        let findings = match prepared {
            Prepared::Whole(content, findings) => {
                self.zip.file(&entry.name, mode, &content)?;
                findings
            }
            Prepared::Open(start, file) => {
                stream_file(&mut self.zip, entry, (start, file), mode, options)?
            }
            // A file comes as `Whole` or `Open` (or `LeftOut`, above): the rest are not files.
            Prepared::Later | Prepared::Other | Prepared::LeftOut => match &entry.kind {
                Kind::Symlink { target } => {
                    self.zip.symlink(&entry.name, target, SYMLINK_MODE)?;
                    Vec::new()
                }
                _ => return self.directory(entry),
            },
        };
        if bytecode {
            contents.add_file(&entry.name, size);
        }
        contents.findings.extend(findings);
        self.names.push(&entry.name);
        self.files += 1;
        Ok(())
    }

    /// Writes a directory, or holds it back if it is a `__pycache__` one.
    fn directory(&mut self, entry: &'a Entry) -> io::Result<()> {
        if select::is_bytecode_dir(&entry.name) {
            self.held = Some(entry);
        } else {
            self.zip.directory(&entry.name, DIRECTORY_MODE)?;
            self.names.push(&entry.name);
        }
        Ok(())
    }

    /// Writes the held `__pycache__` directory if `entry` is below it, and else forgets it:
    /// the walk puts whatever is below a directory right after it.
    fn release_held(&mut self, entry: &Entry) -> io::Result<()> {
        if let Some(dir) = self.held.take()
            && entry
                .name
                .strip_prefix(dir.name.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        {
            self.zip.directory(&dir.name, DIRECTORY_MODE)?;
            self.names.push(&dir.name);
        }
        Ok(())
    }
}

fn mode(executable: bool) -> u32 {
    if executable {
        EXECUTABLE_MODE
    } else {
        FILE_MODE
    }
}

/// A small file compressed whole; other kinds and large files (streamed) are left to the
/// writing.
fn prepare(entry: &Entry, options: &Options) -> Result<Prepared, PackageError> {
    let Kind::File { size, .. } = entry.kind else {
        return Ok(Prepared::Other);
    };
    if size > LARGE_FILE_BYTES {
        return Ok(Prepared::Later);
    }
    read_whole(entry, options)
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

/// A large file, opened as it is about to be written, or left out by its header.
fn open_large(entry: &Entry, policy: Bytecode) -> Result<Prepared, PackageError> {
    let Kind::File { size, bytecode, .. } = entry.kind else {
        return Ok(Prepared::Other);
    };
    Ok(match open_kept(&entry.path, size, bytecode, policy)? {
        Some((start, file)) => Prepared::Open(start, file),
        None => Prepared::LeftOut,
    })
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

fn inspect_bytes(name: &str, data: &[u8], options: &Options) -> Vec<Finding> {
    match options.check {
        CheckLevel::Off => Vec::new(),
        _ => inspect::inspect_file(name, data, &options.target),
    }
}

/// A large file, opened by [`open_listed`] (with the `head` read from it already),
/// compressed in chunks on its way into the zip, and inspected on the way.
fn stream_file<W: Write>(
    zip: &mut ZipOut<W>,
    entry: &Entry,
    (head, file): (Vec<u8>, Listed),
    mode: u32,
    options: &Options,
) -> io::Result<Vec<Finding>> {
    let Kind::File { size, .. } = entry.kind else {
        return Ok(Vec::new());
    };
    let streamed = zip.start_streamed(&entry.name, mode)?;
    let mut kept = Kept::of_size(options.check != CheckLevel::Off, size);
    let (crc32, compressed) = compress_chunked(&file.at(head), size, |data, deflated| {
        kept.add(data);
        zip.write_data(deflated)
    })?;
    zip.finish_streamed(streamed, crc32, compressed, size)?;
    Ok(inspect_bytes(&entry.name, kept.kept(), options))
}
