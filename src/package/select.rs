//! Which files of the `code` directory go into the layer: `.fcignore` files (gitignore
//! syntax, as Serverless Devs reads them, at any level), then the `exclude` input, then the
//! bytecode policy. The matching is the `ignore` crate's (ripgrep's gitignore matcher).
//!
//! Git's rule holds: once a directory is left out, nothing below it comes back, whatever
//! a deeper pattern says; `exclude` can bring back a path that `.fcignore` left out itself.
//! Each `.fcignore` is read as the layer's files are, never through a link, and bounded
//! ([`super::ignore_file`]).

use std::io::Read;
use std::path::Path;

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::PackageError;
use super::ignore_file::{self, IgnoreFile, IgnoreFileError};

/// The name of the per-directory ignore file.
pub(crate) const IGNORE_FILE: &str = ".fcignore";
const BYTECODE_DIR: &str = "__pycache__";

/// What `python-bytecode` keeps of the `.pyc` files inside `__pycache__` directories
/// (sourceless `.pyc` files elsewhere are always kept: Python needs them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Bytecode {
    /// Only unchecked-hash files (PEP 552), the kind that is valid under `/opt` and the
    /// same on every build; pip never writes them.
    #[default]
    Portable,
    All,
    None,
}

impl Bytecode {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "portable" => Some(Self::Portable),
            "all" => Some(Self::All),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Why an entry was left out, for the count in the log and the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LeftOut {
    FcIgnore,
    Exclude,
    Bytecode,
}

impl LeftOut {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::FcIgnore => ".fcignore",
            Self::Exclude => "exclude",
            Self::Bytecode => "python-bytecode",
        }
    }
}

/// A bad pattern, in `.fcignore` or `exclude`.
#[derive(Debug, thiserror::Error)]
#[error("{pattern:?} is not a valid pattern: {reason}")]
pub struct PatternError {
    pattern: String,
    reason: String,
}

/// The `exclude` input's patterns, checked; matched relative to the `code` directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exclude {
    lines: Vec<String>,
}

impl Exclude {
    /// One pattern a line; blank lines and `#` comments are skipped as in a `.fcignore`.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        let exclude = Self { lines };
        exclude.matcher(Path::new("/"))?;
        Ok(exclude)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lines.iter().all(|line| line.starts_with('#'))
    }

    fn matcher(&self, root: &Path) -> Result<Gitignore, PatternError> {
        let mut builder = GitignoreBuilder::new(root);
        for line in &self.lines {
            builder.add_line(None, line).map_err(|error| PatternError {
                pattern: line.clone(),
                reason: error.to_string(),
            })?;
        }
        builder.build().map_err(|error| PatternError {
            pattern: self.lines.join("\n"),
            reason: error.to_string(),
        })
    }
}

/// What the walk leaves out and keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub exclude: Exclude,
    pub bytecode: Bytecode,
}

/// The ignore rules in force at one point of a depth-first walk: the `.fcignore` files of
/// the directories above, and `exclude`.
pub(crate) struct Rules {
    exclude: Gitignore,
    /// (depth of the directory holding it, its matcher), shallowest first.
    ignore_files: Vec<(usize, Gitignore)>,
    /// (depth, reason) of the directory being walked that was left out, if any.
    left_out_dir: Option<(usize, LeftOut)>,
    /// What the log is to say of `.fcignore` files not read (links).
    warnings: Vec<String>,
}

impl Rules {
    /// The rules at `root`, before its own `.fcignore` is read ([`Self::enter_directory`]).
    pub(crate) fn new(root: &Path, selection: &Selection) -> Result<Self, PackageError> {
        let exclude = selection.exclude.matcher(root).map_err(|error| {
            PackageError::IgnoreFile(IgnoreFileError {
                path: root.into(),
                reason: error.to_string(),
            })
        })?;
        Ok(Self {
            exclude,
            ignore_files: Vec::new(),
            left_out_dir: None,
            warnings: Vec::new(),
        })
    }

    /// Decides on the entry at `path`, `depth` levels below the root (walked depth first):
    /// `Some(reason)` when it is left out. Call [`Self::enter_directory`] for a directory
    /// that is kept, before its children.
    pub(crate) fn decide(&mut self, path: &Path, depth: usize, is_dir: bool) -> Option<LeftOut> {
        self.ignore_files.retain(|(level, _)| *level < depth);
        match self.left_out_dir {
            Some((level, reason)) if level < depth => return Some(reason),
            _ => self.left_out_dir = None,
        }
        if path.file_name().is_some_and(|name| name == IGNORE_FILE) && !is_dir {
            // Read, not shipped, and not counted: it is the rules, not the layer.
            return Some(LeftOut::FcIgnore);
        }
        let by_files = self
            .ignore_files
            .iter()
            .rev()
            .map(|(_, matcher)| matcher.matched(path, is_dir))
            .find(|found| !found.is_none());
        let mut decision = match by_files {
            Some(Match::Ignore(_)) => Some(LeftOut::FcIgnore),
            _ => None,
        };
        match self.exclude.matched(path, is_dir) {
            Match::Ignore(_) => decision = Some(LeftOut::Exclude),
            Match::Whitelist(_) => decision = None,
            Match::None => {}
        }
        if is_dir && let Some(reason) = decision {
            self.left_out_dir = Some((depth, reason));
        }
        decision
    }

    /// Reads `dir`'s `.fcignore`, if it has one, for the entries below it (`depth` is that
    /// of `dir`, 0 for the root); one that is a link is not followed, and noted for
    /// [`Self::take_warnings`]. Called for the root and every directory kept, before
    /// their children are decided on.
    pub(crate) fn enter_directory(&mut self, dir: &Path, depth: usize) -> Result<(), PackageError> {
        match ignore_file::read(dir, &dir.join(IGNORE_FILE))? {
            IgnoreFile::Absent => {}
            IgnoreFile::Link(warning) => self.warnings.push(warning),
            IgnoreFile::Rules(matcher) => self.ignore_files.push((depth, matcher)),
        }
        Ok(())
    }

    /// The warnings for the log so far: a `.fcignore` not followed, by name.
    pub(crate) fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

/// Whether `name` (an entry name, `/`-separated) is bytecode that `policy` decides on:
/// a `.pyc` file directly inside a `__pycache__` directory.
pub(crate) fn is_cached_bytecode(name: &str) -> bool {
    let mut parts = name.rsplit('/');
    let file = parts.next().unwrap_or_default();
    file.ends_with(".pyc") && parts.next() == Some(BYTECODE_DIR)
}

/// Whether a `__pycache__` directory's entry name.
pub(crate) fn is_bytecode_dir(name: &str) -> bool {
    name.rsplit('/').next() == Some(BYTECODE_DIR)
}

/// Whether `policy` keeps cached bytecode whose file starts with `header`.
pub(crate) fn keeps_bytecode(policy: Bytecode, header: &[u8]) -> bool {
    match policy {
        Bytecode::All => true,
        Bytecode::None => false,
        Bytecode::Portable => is_unchecked_hash(header),
    }
}

/// The first bytes of a `.pyc` needed to tell its kind.
const PYC_HEADER_BYTES: usize = 8;
/// The first magic number of Python 3.7, which added PEP 552's flags word.
const FIRST_FLAGS_MAGIC: u16 = 3392;

/// PEP 552: bit 0 of the flags word set (hash-based), bit 1 clear (not checked against
/// the source). Before 3.7 there is no flags word: every file is timestamp-checked.
fn is_unchecked_hash(header: &[u8]) -> bool {
    let (Some(magic), Some(flags)) = (header.get(0..2), header.get(4..8)) else {
        return false;
    };
    let magic = u16::from_le_bytes([magic[0], magic[1]]);
    let flags = u32::from_le_bytes([flags[0], flags[1], flags[2], flags[3]]);
    magic >= FIRST_FLAGS_MAGIC && flags & 0b01 == 1 && flags & 0b10 == 0
}

/// The first [`PYC_HEADER_BYTES`] read from `file` (fewer if it is shorter), which the
/// caller goes on reading from: the header is judged on the handle the file is zipped from.
pub(crate) fn read_header(file: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut header = Vec::with_capacity(PYC_HEADER_BYTES);
    file.take(PYC_HEADER_BYTES as u64)
        .read_to_end(&mut header)?;
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.pyc` header: magic number, `\r\n`, flags.
    fn pyc(magic: u16, flags: u32) -> Vec<u8> {
        let mut header = magic.to_le_bytes().to_vec();
        header.extend_from_slice(b"\r\n");
        header.extend_from_slice(&flags.to_le_bytes());
        header.extend_from_slice(&[0; 8]);
        header
    }

    #[test]
    fn portable_keeps_only_unchecked_hash_files_from_python_3_7_on() {
        let python310 = 3439;
        assert!(keeps_bytecode(Bytecode::Portable, &pyc(python310, 0b01)));
        assert!(!keeps_bytecode(Bytecode::Portable, &pyc(python310, 0b11)));
        assert!(!keeps_bytecode(Bytecode::Portable, &pyc(python310, 0)));
        // Python 3.6's header has no flags word: what would be flags is the mtime.
        assert!(!keeps_bytecode(Bytecode::Portable, &pyc(3379, 0b01)));
        assert!(!keeps_bytecode(Bytecode::Portable, b"\x6f\x0d"));
        assert!(keeps_bytecode(Bytecode::All, &pyc(python310, 0)));
        assert!(!keeps_bytecode(Bytecode::None, &pyc(python310, 0b01)));
    }

    #[test]
    fn only_pyc_files_directly_in_pycache_are_cached_bytecode() {
        assert!(is_cached_bytecode(
            "python/requests/__pycache__/api.cpython-310.pyc"
        ));
        assert!(is_cached_bytecode("__pycache__/a.pyc"));
        assert!(!is_cached_bytecode("python/sourceless/api.pyc"));
        assert!(!is_cached_bytecode("python/__pycache__/notes.txt"));
        assert!(!is_cached_bytecode("python/__pycache__/x/a.pyc"));
    }

    #[test]
    fn an_unparsable_exclude_pattern_is_refused() {
        let error = Exclude::parse("*.md\npython/{a,b").expect_err("unclosed alternate");
        assert_eq!(error.pattern, "python/{a,b");
        assert!(Exclude::parse("# comment\n\n!keep.md\n**/tests/\n").is_ok());
    }
}
