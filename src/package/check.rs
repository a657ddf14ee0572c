//! A prebuilt zip, read the way the service will unpack it: every entry's name must stay
//! inside the layer's folder, and every entry must read back with its CRC-32.
//!
//! The work is bounded before anything is inflated: the central directory is read first,
//! and a zip is refused when its entries declare more than [`MAX_UNPACKED_BYTES`] in all,
//! when two entries share bytes (a zip bomb's trick for declaring terabytes in a megabyte),
//! or when an entry is encrypted. Each entry is then read no further than its declared size.
//! Names and links are held to [`super::entry_rules`], as a packaged directory is: a symlink
//! entry may neither point outside the layer nor have entries below it, since unpacking
//! those would write through the link.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use zip::ZipArchive;

use super::contents::{Contents, Options};
use super::entry_rules::{self, MAX_LINK_TARGET_BYTES, Refusal};
use super::{MAX_UNPACKED_BYTES, PackageError};

/// The smallest local header: an entry takes at least this much before its data.
const LOCAL_HEADER_BYTES: u64 = 30;

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
            entry_rules::check_link(&name, &target).map_err(|refusal| refused(path, refusal))?;
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
        entry_rules::check_name(&name).map_err(|refusal| refused(path, refusal))?;
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
    entry_rules::check_below_links(names.iter().map(String::as_str), &links)
        .map_err(|refusal| refused(path, refusal))?;
    Ok(links)
}

fn refused(path: &Path, refusal: Refusal) -> PackageError {
    PackageError::Refused {
        path: path.into(),
        refusal,
    }
}
