//! The walk of a directory to zip: every entry the selection keeps, in the zip's order,
//! without following a link and without opening a file, so that each file is opened once,
//! later, by the read that zips it ([`super::open`]). Every entry kept is held to the rules
//! a prebuilt zip is held to ([`super::entry_rules`]) before any file is read.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::contents::{Contents, Options};
use super::entry_rules;
use super::select::{self, Bytecode, LeftOut, Rules};
use super::{MAX_ENTRY_BYTES, MAX_UNPACKED_BYTES, PackageError};

pub(super) enum Kind {
    Directory,
    File {
        executable: bool,
        size: u64,
        /// Cached bytecode under `python-bytecode: portable`: its header, read with the rest
        /// of the file on the one open, decides whether it is kept.
        bytecode: bool,
    },
    Symlink {
        target: String,
    },
}

impl Kind {
    /// A file's size; 0 for a directory or a link.
    pub(super) fn file_size(&self) -> u64 {
        match self {
            Kind::File { size, .. } => *size,
            _ => 0,
        }
    }
}

pub(super) struct Entry {
    /// The entry name: relative, `/`-separated, a directory's without the trailing `/`.
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) kind: Kind,
}

/// Every entry below `root` that the selection keeps, depth first, each directory's
/// children sorted by name; what is left out is tallied in `contents`, and so is every file
/// kept but cached bytecode, which is tallied once its header is read. Sizes are checked
/// here, where they are first known, after the selection: a file one zip entry cannot hold,
/// or a tree over [`MAX_UNPACKED_BYTES`], is refused before any file is read.
pub(super) fn walk(
    root: &Path,
    options: &Options,
    contents: &mut Contents,
) -> Result<Vec<Entry>, PackageError> {
    let mut walker = Walker {
        root,
        options,
        contents,
        rules: Rules::new(root, &options.selection)?,
        entries: Vec::new(),
        links: HashSet::new(),
        total: 0,
    };
    let listed = list(root)?;
    walker.directory(root, listed, "", 1, true)?;
    let Walker {
        entries,
        links,
        mut rules,
        ..
    } = walker;
    // Never so for a walk that follows no link; checked all the same, as a zip is.
    entry_rules::check_below_links(entries.iter().map(|entry| entry.name.as_str()), &links)
        .map_err(|refusal| refused(root, refusal))?;
    contents.warnings.append(&mut rules.take_warnings());
    Ok(entries)
}

/// An entry of the tree as listed, before the walk decides on it: its kind (or why it
/// could not be told), and a directory's children (or why they could not be listed).
struct Node {
    file_name: OsString,
    path: PathBuf,
    kind: Result<Kind, PackageError>,
    children: Option<Result<Vec<Node>, PackageError>>,
}

/// The children of `dir`, sorted by name, each looked at through `dir`'s handle
/// (`fstatat`), not by its whole path, and subdirectories listed in turn, on every core:
/// most of a walk is the kernel's listing and `stat`. No file is opened, nothing is
/// decided; a failure is kept where it happened, for the walk to meet in walk order.
fn list(dir: &Path) -> Result<Vec<Node>, PackageError> {
    let children = fs::read_dir(dir)
        .and_then(|listing| listing.collect::<io::Result<Vec<_>>>())
        .map_err(|source| PackageError::Io {
            path: dir.into(),
            source,
        })?;
    let mut nodes: Vec<Node> = children
        .into_par_iter()
        .map(|child| {
            let path = child.path();
            let kind = kind(&child, &path);
            let children = matches!(kind, Ok(Kind::Directory)).then(|| list(&path));
            Node {
                file_name: child.file_name(),
                path,
                kind,
                children,
            }
        })
        .collect();
    nodes.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    Ok(nodes)
}

/// The walk under way, over the tree as [`list`] found it; names are built as the walk
/// goes down, not cut from paths.
struct Walker<'a> {
    root: &'a Path,
    options: &'a Options,
    contents: &'a mut Contents,
    rules: Rules,
    entries: Vec<Entry>,
    /// The names of the links kept.
    links: HashSet<String>,
    /// The size of the files kept so far.
    total: u64,
}

impl Walker<'_> {
    /// Walks `children`, those of `dir` (entry name `name`, empty for the root), which are
    /// `depth` levels below the root; `kept`: whether `dir` itself is, so that its
    /// `.fcignore` applies to them.
    fn directory(
        &mut self,
        dir: &Path,
        children: Vec<Node>,
        name: &str,
        depth: usize,
        kept: bool,
    ) -> Result<(), PackageError> {
        // Looked for in the listing: most directories have none, and a failed open each
        // is a path lookup each.
        if kept
            && children
                .iter()
                .any(|child| child.file_name == select::IGNORE_FILE)
        {
            self.rules.enter_directory(dir, depth - 1)?;
        }
        for child in children {
            let child_name = match child.file_name.to_str() {
                Some(file_name) if name.is_empty() => file_name.to_owned(),
                Some(file_name) => format!("{name}/{file_name}"),
                None => return Err(PackageError::NonUtf8Name { path: child.path }),
            };
            let below = child.children;
            let kind = child.kind?;
            if let Some((path, name, kept)) = self.visit(kind, child.path, child_name, depth)? {
                let below = below.unwrap_or_else(|| Ok(Vec::new()))?;
                self.directory(&path, below, &name, depth + 1, kept)?;
            }
        }
        Ok(())
    }

    /// Decides on one entry and keeps it or tallies it as left out; a directory comes back
    /// (its path, its name and whether it is kept) to be walked, kept or not, as what is
    /// below a directory left out is tallied too.
    fn visit(
        &mut self,
        mut kind: Kind,
        path: PathBuf,
        name: String,
        depth: usize,
    ) -> Result<Option<(PathBuf, String, bool)>, PackageError> {
        let selection = &self.options.selection;
        let is_dir = matches!(kind, Kind::Directory);
        let size = kind.file_size();
        if let Some(reason) = self.rules.decide(&path, depth, is_dir) {
            let is_rules_file = path.file_name() == Some(OsStr::new(select::IGNORE_FILE));
            if !is_dir && !is_rules_file {
                self.contents.leave_out(reason, size);
            }
            return Ok(is_dir.then_some((path, name, false)));
        }
        if !is_dir && selection.bytecode != Bytecode::All && select::is_cached_bytecode(&name) {
            match &mut kind {
                // Read later, through the handle that zips it; never through a link.
                Kind::File { bytecode, .. } if selection.bytecode == Bytecode::Portable => {
                    *bytecode = true;
                }
                // `none`, or a link, whose kind could only be told through the link.
                _ => {
                    self.contents.leave_out(LeftOut::Bytecode, size);
                    return Ok(None);
                }
            }
        }
        if let Kind::File { size, bytecode, .. } = kind {
            check_size(&path, size, &mut self.total)?;
            if !bytecode {
                self.contents.add_file(&name, size);
            }
        }
        follow_rules(self.root, &name, &kind, &mut self.links)?;
        let walk_below = is_dir.then(|| (path.clone(), name.clone(), true));
        self.entries.push(Entry { name, path, kind });
        Ok(walk_below)
    }
}

/// Holds a kept entry to the rules a prebuilt zip's entries are held to, refused with the
/// same words, `root` where the zip's path would be; notes a link in `links`.
fn follow_rules(
    root: &Path,
    name: &str,
    kind: &Kind,
    links: &mut HashSet<String>,
) -> Result<(), PackageError> {
    entry_rules::check_name(name).map_err(|refusal| refused(root, refusal))?;
    if let Kind::Symlink { target } = kind {
        entry_rules::check_link(name, target).map_err(|refusal| refused(root, refusal))?;
        links.insert(name.to_owned());
    }
    Ok(())
}

fn refused(root: &Path, refusal: entry_rules::Refusal) -> PackageError {
    PackageError::Refused {
        path: root.into(),
        refusal,
    }
}

/// What the walk found at `path`, as the zip stores it: a link's target, a file's size and
/// run bit.
fn kind(item: &fs::DirEntry, path: &Path) -> Result<Kind, PackageError> {
    let io_error = |source| PackageError::Io {
        path: path.into(),
        source,
    };
    let file_type = item.file_type().map_err(io_error)?;
    if file_type.is_dir() {
        Ok(Kind::Directory)
    } else if file_type.is_symlink() {
        let target = fs::read_link(path).map_err(|source| PackageError::Io {
            path: path.into(),
            source,
        })?;
        let target = target
            .to_str()
            .ok_or_else(|| PackageError::NonUtf8Target { path: path.into() })?
            .to_owned();
        Ok(Kind::Symlink { target })
    } else if file_type.is_file() {
        let metadata = item.metadata().map_err(io_error)?;
        Ok(Kind::File {
            executable: is_executable(&metadata),
            size: metadata.len(),
            bytecode: false,
        })
    } else {
        Err(PackageError::UnsupportedType { path: path.into() })
    }
}

/// Refuses a file of `size` one zip entry cannot hold, or that brings the tree's `total`
/// over [`MAX_UNPACKED_BYTES`]; adds it to `total`. Cached bytecode counts although its
/// header may leave it out: the bound holds before any file is read.
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

#[cfg(unix)]
fn is_executable(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_metadata: &fs::Metadata) -> bool {
    false
}
