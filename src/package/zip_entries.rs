//! The walk's entries written into the zip in walk order, as the schedule hands them back:
//! small files compressed whole, large ones a chunk at a time (their sizes and CRC-32 in a
//! data descriptor after them), directories and links from the walk. A `__pycache__`
//! directory is held back until an entry goes in below it, so that one the bytecode policy
//! left empty is not stored. Modes are normalised to 0644 or 0755 (the run bit kept, since
//! layers ship executables under `bin/`).

use std::io::{self, Write};
use std::sync::Arc;

use super::contents::{CheckLevel, Contents, Options};
use super::deflate::Chunk;
use super::inspect::{self, Finding, may_be_native};
use super::open::ListedAt;
use super::select::{self, LeftOut};
use super::walk::{Entry, Kind};
use super::writer::{Compressed, Streamed, ZipOut};

const FILE_MODE: u32 = 0o644;
const EXECUTABLE_MODE: u32 = 0o755;
const DIRECTORY_MODE: u32 = 0o755;
const SYMLINK_MODE: u32 = 0o777;

/// What became of an entry that is not a large file before it is written.
pub(super) enum Prepared {
    /// A small file, compressed whole, and what the checks found in it.
    Whole(Compressed, Vec<Finding>),
    /// A directory or a link, written from the walk's entry.
    Other,
    /// Cached bytecode whose header the policy leaves out; the rest of it was not read.
    LeftOut,
}

/// A chunk of a large file, compressed.
pub(super) struct Piece {
    /// The CRC-32 of the chunk's bytes.
    pub(super) crc32: crc32fast::Hasher,
    pub(super) deflated: Vec<u8>,
    /// The file's first bytes, with the first chunk, for the checks.
    pub(super) head: Vec<u8>,
    /// The file, with the last chunk: the checks read native code through it.
    pub(super) file: Option<Arc<ListedAt>>,
}

/// A large file being written: its entry begun, its chunks so far.
struct Streaming {
    streamed: Streamed,
    crc32: crc32fast::Hasher,
    compressed: u64,
    head: Vec<u8>,
}

/// The zip as it is written, in walk order.
pub(super) struct Out<'a, W: Write> {
    pub(super) zip: ZipOut<W>,
    /// The names that went in.
    pub(super) names: Vec<&'a str>,
    /// Files and links written.
    pub(super) files: usize,
    held: Option<&'a Entry>,
    streaming: Option<Streaming>,
}

impl<'a, W: Write> Out<'a, W> {
    pub(super) fn new(zip: ZipOut<W>) -> Self {
        Self {
            zip,
            names: Vec::new(),
            files: 0,
            held: None,
            streaming: None,
        }
    }

    /// Writes an entry that is not a large file.
    pub(super) fn add(
        &mut self,
        entry: &'a Entry,
        prepared: Prepared,
        contents: &mut Contents,
    ) -> io::Result<()> {
        if let Prepared::LeftOut = prepared {
            contents.leave_out(LeftOut::Bytecode, entry.kind.file_size());
            return Ok(());
        }
        self.release_held(entry)?;
        let findings = match prepared {
            Prepared::Whole(content, findings) => {
                self.zip.file(&entry.name, file_mode(entry), &content)?;
                findings
            }
            Prepared::Other | Prepared::LeftOut => match &entry.kind {
                Kind::Symlink { target } => {
                    self.zip.symlink(&entry.name, target, SYMLINK_MODE)?;
                    Vec::new()
                }
                _ => return self.directory(entry),
            },
        };
        self.written(entry, findings, contents);
        Ok(())
    }

    /// Writes the next chunk of a large file: the first begins its entry, the last ends it.
    pub(super) fn chunk(
        &mut self,
        entry: &'a Entry,
        chunk: Chunk,
        piece: Piece,
        options: &Options,
        contents: &mut Contents,
    ) -> io::Result<()> {
        let size = entry.kind.file_size();
        if chunk.offset == 0 {
            self.release_held(entry)?;
            self.streaming = Some(Streaming {
                streamed: self.zip.start_streamed(&entry.name, file_mode(entry))?,
                crc32: crc32fast::Hasher::new(),
                compressed: 0,
                head: piece.head,
            });
        }
        let streaming = self
            .streaming
            .as_mut()
            .ok_or_else(|| io::Error::other("a chunk came before the start of its file"))?;
        self.zip.write_data(&piece.deflated)?;
        streaming.crc32.combine(&piece.crc32);
        streaming.compressed += piece.deflated.len() as u64;
        if !chunk.last {
            return Ok(());
        }
        if let Some(done) = self.streaming.take() {
            let crc32 = done.crc32.finalize();
            self.zip
                .finish_streamed(done.streamed, crc32, done.compressed, size)?;
            let findings = match piece.file {
                Some(file) if options.check != CheckLevel::Off && may_be_native(&done.head) => {
                    let cache = object::ReadCache::new(file.cursor());
                    inspect::inspect_native(&entry.name, &cache, &options.target)
                }
                _ => inspect_bytes(&entry.name, &done.head, options),
            };
            self.written(entry, findings, contents);
        }
        Ok(())
    }

    /// Counts a file or link written, with what the checks found in it.
    fn written(&mut self, entry: &'a Entry, findings: Vec<Finding>, contents: &mut Contents) {
        if let Kind::File {
            size,
            bytecode: true,
            ..
        } = entry.kind
        {
            contents.add_file(&entry.name, size);
        }
        contents.findings.extend(findings);
        self.names.push(&entry.name);
        self.files += 1;
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

fn file_mode(entry: &Entry) -> u32 {
    match entry.kind {
        Kind::File {
            executable: true, ..
        } => EXECUTABLE_MODE,
        _ => FILE_MODE,
    }
}

/// What the checks find in a file's bytes (whole, or its first bytes when not native).
pub(super) fn inspect_bytes(name: &str, data: &[u8], options: &Options) -> Vec<Finding> {
    match options.check {
        CheckLevel::Off => Vec::new(),
        _ => inspect::inspect_file(name, data, &options.target),
    }
}
