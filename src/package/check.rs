//! A prebuilt zip, read the way the service will unpack it: every entry's name must stay
//! inside the layer's folder, and every entry must read back with its CRC-32.
//!
//! The work is bounded before anything is inflated: the central directory is read first,
//! and a zip is refused when its entries declare more than [`MAX_UNPACKED_BYTES`] in all,
//! when two entries share bytes (a zip bomb's trick for declaring terabytes in a megabyte),
//! or when an entry is encrypted. Each entry is then read no further than its declared size,
//! and a symlink entry may neither point outside the layer nor have entries below it, since
//! unpacking those would write through the link.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use zip::ZipArchive;

use super::contents::{Contents, Options};
use super::{MAX_UNPACKED_BYTES, PackageError};

/// The smallest local header: an entry takes at least this much before its data.
const LOCAL_HEADER_BYTES: u64 = 30;
/// The longest symlink target read, as Linux's `PATH_MAX`.
const MAX_LINK_TARGET_BYTES: u64 = 4096;

/// Checks the zip at `path` entry by entry, streaming; returns the number of entries.
pub fn check_zip(path: &Path) -> Result<usize, PackageError> {
    let file = File::open(path).map_err(|source| PackageError::Io {
        path: path.into(),
        source,
    })?;
    check_zip_into(path, &file, &Options::default(), &mut Contents::default())
}

/// [`check_zip`] of the open `file` (named `path` in errors), with what the entries hold
/// tallied and checked into `contents`.
pub(crate) fn check_zip_into(
    path: &Path,
    file: &File,
    options: &Options,
    contents: &mut Contents,
) -> Result<usize, PackageError> {
    let invalid = |source| PackageError::InvalidZip {
        path: path.into(),
        source,
    };
    let mut archive = ZipArchive::new(BufReader::new(file)).map_err(invalid)?;
    let links = check_directory(path, &archive)?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        let declared = entry.size();
        let damaged = |detail: String| PackageError::DamagedEntry {
            path: path.into(),
            entry: name.clone(),
            detail,
        };
        if links.contains(name.as_str()) {
            let mut target = String::new();
            entry
                .by_ref()
                .take(MAX_LINK_TARGET_BYTES + 1)
                .read_to_string(&mut target)
                .map_err(|error| damaged(error.to_string()))?;
            if target.len() as u64 > MAX_LINK_TARGET_BYTES || leaves_layer(&name, &target) {
                return Err(PackageError::LinkLeavesLayer {
                    path: path.into(),
                    entry: name,
                    target: crate::outside_text::capped_owned(target),
                });
            }
            continue;
        }
        // Reading to the end checks the entry's CRC-32 and its sizes; one byte past the
        // declared size is enough to know it lies. The bytes are tallied and checked on the
        // way ([`Contents::read_entry`]).
        let is_file = entry.is_file();
        let read = contents
            .read_entry(
                &name,
                is_file,
                &mut entry.by_ref().take(declared + 1),
                options,
            )
            .map_err(|error| damaged(error.to_string()))?;
        if read > declared {
            return Err(damaged(format!(
                "it inflates past the {declared} bytes it declares"
            )));
        }
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|name| name.into_owned())
        .collect();
    contents.finish_checks(names.iter().map(String::as_str), options);
    Ok(archive.len())
}

/// The checks that need only the central directory, nothing inflated; returns the names of
/// the symlink entries.
fn check_directory<R: Read + io::Seek>(
    path: &Path,
    archive: &ZipArchive<R>,
) -> Result<HashSet<String>, PackageError> {
    let invalid = |source| PackageError::InvalidZip {
        path: path.into(),
        source,
    };
    let mut total = 0u64;
    let mut spans = Vec::with_capacity(archive.len());
    let mut names = Vec::with_capacity(archive.len());
    let mut links = HashSet::new();
    for index in 0..archive.len() {
        let entry = archive.by_index_data(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        if let Some(reason) = unsafe_name(&name) {
            return Err(PackageError::UnsafeEntryName {
                path: path.into(),
                entry: name,
                reason,
            });
        }
        if entry.encrypted() {
            return Err(PackageError::EncryptedEntry {
                path: path.into(),
                entry: name,
            });
        }
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED_BYTES {
            return Err(PackageError::UnpackedTooLarge {
                path: path.into(),
                entry: name,
                limit: MAX_UNPACKED_BYTES,
            });
        }
        let end = entry
            .header_start()
            .saturating_add(LOCAL_HEADER_BYTES)
            .saturating_add(entry.compressed_size());
        spans.push((entry.header_start(), end, index));
        if entry.is_symlink() {
            links.insert(name.clone());
        }
        names.push(name);
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let ((_, end, first), (start, _, second)) = (pair[0], pair[1]);
        if start < end {
            return Err(PackageError::OverlappingEntries {
                path: path.into(),
                entry: names[second].clone(),
                other: names[first].clone(),
            });
        }
    }
    for name in &names {
        if let Some(link) = link_above(name, &links) {
            return Err(PackageError::BelowLink {
                path: path.into(),
                entry: name.clone(),
                link: link.to_owned(),
            });
        }
    }
    Ok(links)
}

/// The symlink entry that `name` lies below, if any.
fn link_above<'a>(name: &str, links: &'a HashSet<String>) -> Option<&'a str> {
    let trimmed = name.trim_end_matches('/');
    trimmed
        .match_indices('/')
        .map(|(at, _)| &trimmed[..at])
        .find_map(|ancestor| links.get(ancestor).map(String::as_str))
}

/// Whether a link entry `name` pointing at `target` resolves outside the layer's folder.
/// FC unpacks a layer under `/opt`, so an absolute target below `/opt/` stays inside it.
fn leaves_layer(name: &str, target: &str) -> bool {
    let bytes = target.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    // A backslash is a separator where the layer may be unpacked by other tools: refused.
    if target.contains('\\') || drive {
        return true;
    }
    let (mut depth, rest) = match target.strip_prefix('/') {
        Some(absolute) => match absolute.strip_prefix("opt/") {
            Some(inside) => (0i64, inside),
            None => return true,
        },
        // The link's folder, then the target's parts.
        None => (
            name.trim_end_matches('/').split('/').count() as i64 - 1,
            target,
        ),
    };
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// Why an entry name could escape the folder it is unpacked into, if it could.
fn unsafe_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.starts_with('/') || drive {
        Some("is an absolute path")
    } else if name.contains('\\') {
        Some("holds a backslash, a path separator on Windows")
    } else if name.split('/').any(|part| part == "..") {
        Some("has a `..` component")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_that_resolve_outside_the_layer_leave_it() {
        for (name, target) in [
            ("lib", "/etc"),
            ("lib", ".."),
            ("a/lib", "../../x"),
            ("a/lib", "b/../../../x"),
            ("lib", "C:/x"),
            ("lib", "a\\..\\.."),
            ("lib", "/opt/../etc"),
            ("lib", "/optx/a"),
        ] {
            assert!(leaves_layer(name, target), "{name} -> {target}");
        }
        for (name, target) in [
            ("lib", "python"),
            ("a/lib", "../b"),
            ("a/b/c", "../../d"),
            ("bin/python", "/opt/python/bin/python3"),
        ] {
            assert!(!leaves_layer(name, target), "{name} -> {target}");
        }
    }

    #[test]
    fn entries_below_a_link_are_found() {
        let links: HashSet<String> = ["lib".to_owned(), "a/b".to_owned()].into();
        assert_eq!(link_above("lib/cron.d/x", &links), Some("lib"));
        assert_eq!(link_above("a/b/c/", &links), Some("a/b"));
        assert_eq!(link_above("lib", &links), None);
        assert_eq!(link_above("library/x", &links), None);
    }

    #[test]
    fn names_that_leave_the_folder_are_unsafe() {
        for name in ["/etc/x", "C:/x", "a\\b", "../x", "a/../../x", ".."] {
            assert!(unsafe_name(name).is_some(), "{name}");
        }
        for name in ["a/b", "a..b/c", "./a", "bin/"] {
            assert_eq!(unsafe_name(name), None, "{name}");
        }
    }
}
