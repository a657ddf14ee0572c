//! A prebuilt zip, read the way the service will unpack it: every entry's name must stay
//! inside the layer's folder, and every entry must read back with its CRC-32.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use zip::ZipArchive;

use super::PackageError;
use super::contents::{Contents, Options};

/// Checks the zip at `path` entry by entry, streaming; returns the number of entries.
pub fn check_zip(path: &Path) -> Result<usize, PackageError> {
    check_zip_into(path, &Options::default(), &mut Contents::default())
}

/// [`check_zip`], with what the entries hold tallied and checked into `contents`.
pub fn check_zip_into(
    path: &Path,
    options: &Options,
    contents: &mut Contents,
) -> Result<usize, PackageError> {
    let invalid = |source| PackageError::InvalidZip {
        path: path.into(),
        source,
    };
    let file = File::open(path).map_err(|source| PackageError::Io {
        path: path.into(),
        source,
    })?;
    let mut archive = ZipArchive::new(BufReader::new(file)).map_err(invalid)?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        if let Some(reason) = unsafe_name(&name) {
            return Err(PackageError::UnsafeEntryName {
                path: path.into(),
                entry: name,
                reason,
            });
        }
        // Reading to the end checks the entry's CRC-32 and its sizes.
        let is_file = entry.is_file();
        contents
            .read_entry(&name, is_file, &mut entry, options)
            .map_err(|error| PackageError::DamagedEntry {
                path: path.into(),
                entry: name,
                detail: error.to_string(),
            })?;
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|name| name.into_owned())
        .collect();
    contents.finish_checks(names.iter().map(String::as_str), options);
    Ok(archive.len())
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
    fn names_that_leave_the_folder_are_unsafe() {
        for name in ["/etc/x", "C:/x", "a\\b", "../x", "a/../../x", ".."] {
            assert!(unsafe_name(name).is_some(), "{name}");
        }
        for name in ["a/b", "a..b/c", "./a", "bin/"] {
            assert_eq!(unsafe_name(name), None, "{name}");
        }
    }
}
