//! A `.fcignore` read like any other file of the layer: looked at without following a link,
//! opened once through [`super::open`] (no link followed, no FIFO waited on, checked on the
//! handle), and bounded before its patterns are compiled. A link named `.fcignore` is not
//! followed, whatever it points at: its patterns are not applied, and a warning says so.
//!
//! The bounds are on what the matcher costs: the `ignore` crate compiles every pattern
//! into one regular-expression set whose memory follows the patterns' text (about 1 KiB a
//! wildcard), so 1 MiB of wildcards took 600 MB. [`MAX_PATTERN_BYTES`] of patterns, the
//! most wildcard-laden included, stay under 64 MiB of memory for the whole process.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::PackageError;
use super::open::{describe, open_listed};

/// The largest `.fcignore` read; comments and blank lines count.
pub(crate) const MAX_BYTES: u64 = 1 << 20;
/// The most patterns (lines that are neither blank nor comments) one `.fcignore` may hold.
pub(crate) const MAX_PATTERNS: usize = 1_000;
/// The most bytes those patterns may take together.
pub(crate) const MAX_PATTERN_BYTES: usize = 32 << 10;

/// A `.fcignore` (or `exclude`'s patterns) that cannot be read or used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct IgnoreFileError {
    pub(crate) path: PathBuf,
    pub(crate) reason: String,
}

/// What a directory's `.fcignore` gave.
pub(crate) enum IgnoreFile {
    /// None there, or a directory of that name, which is walked as any other.
    Absent,
    /// A link, not followed: the warning to give; no pattern of it applies.
    Link(String),
    Rules(Gitignore),
}

/// Reads `file`, the `.fcignore` of `dir`, if there is one.
pub(crate) fn read(dir: &Path, file: &Path) -> Result<IgnoreFile, PackageError> {
    let io_error = |source| PackageError::Io {
        path: file.into(),
        source,
    };
    let metadata = match fs::symlink_metadata(file) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(IgnoreFile::Absent),
        Err(error) => return Err(io_error(error)),
    };
    let kind = metadata.file_type();
    if kind.is_symlink() {
        return Ok(IgnoreFile::Link(format!(
            "{}: is a symbolic link, so it was not followed and its patterns were not applied; make it a regular file to apply them",
            file.display()
        )));
    }
    if kind.is_dir() {
        return Ok(IgnoreFile::Absent);
    }
    if !kind.is_file() {
        let kind = describe(&kind);
        return Err(refused(
            file,
            format!("is {kind}, not a regular file, so it was not read"),
        ));
    }
    if metadata.len() > MAX_BYTES {
        return Err(PackageError::FileTooLarge {
            path: file.into(),
            size: metadata.len(),
            limit: MAX_BYTES,
            what: "a .fcignore may hold",
        });
    }
    // Opened without following a link and checked on the handle, as every file zipped is:
    // what was looked at above may have been swapped since.
    let bytes = open_listed(file, metadata.len())?.read_rest(file, Vec::new())?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        refused(file, format!("is not UTF-8 text (byte {at})"))
    })?;
    matcher(dir, file, &text).map(IgnoreFile::Rules)
}

/// The matcher of `text`, the patterns of `file` in `dir`, once they are known to be few
/// and short enough.
fn matcher(dir: &Path, file: &Path, text: &str) -> Result<Gitignore, PackageError> {
    // Git skips a byte-order mark, as the `ignore` crate does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let patterns: Vec<&str> = text.lines().filter(|line| is_pattern(line)).collect();
    let bytes: usize = patterns.iter().map(|pattern| pattern.len()).sum();
    if patterns.len() > MAX_PATTERNS {
        return Err(refused(
            file,
            format!(
                "holds {} patterns, over the {MAX_PATTERNS} a .fcignore may hold; use fewer or broader patterns",
                patterns.len()
            ),
        ));
    }
    if bytes > MAX_PATTERN_BYTES {
        return Err(refused(
            file,
            format!(
                "its {} patterns take {bytes} bytes, over the {MAX_PATTERN_BYTES} bytes a .fcignore's patterns may take (comments and blank lines aside); use fewer or broader patterns",
                patterns.len()
            ),
        ));
    }
    let mut builder = GitignoreBuilder::new(dir);
    for pattern in &patterns {
        builder
            .add_line(Some(file.into()), pattern)
            .map_err(|error| refused(file, error.to_string()))?;
    }
    builder.build().map_err(|error| {
        refused(
            file,
            format!(
                "its {} patterns cannot be built into one matcher ({error}); use fewer or broader patterns",
                patterns.len()
            ),
        )
    })
}

/// Whether a line of a `.fcignore` is a pattern: neither blank (trailing spaces are not
/// significant) nor a `#` comment, as git reads it.
fn is_pattern(line: &str) -> bool {
    !line.starts_with('#') && !line.trim_end().is_empty()
}

fn refused(file: &Path, reason: String) -> PackageError {
    PackageError::IgnoreFile(IgnoreFileError {
        path: file.into(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> String {
        let dir = Path::new("/layer");
        let file = dir.join(".fcignore");
        match matcher(dir, &file, text) {
            Ok(_) => String::new(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn comments_and_blank_lines_are_not_patterns() {
        assert!(is_pattern("*.md"));
        assert!(is_pattern(" #not a comment"));
        assert!(!is_pattern("# comment"));
        assert!(!is_pattern("   "));
        assert!(!is_pattern(""));
        // 1,000 patterns and any number of comments are read.
        let mut text = "# a comment\n\n".repeat(20_000);
        text.push_str(
            &(0..MAX_PATTERNS)
                .map(|n| format!("p{n}\n"))
                .collect::<String>(),
        );
        assert_eq!(refusal(&text), "");
    }

    #[test]
    fn too_many_or_too_long_patterns_are_refused_by_count_and_limit() {
        let many: String = (0..=MAX_PATTERNS).map(|n| format!("p{n}\n")).collect();
        assert_eq!(
            refusal(&many),
            "/layer/.fcignore: holds 1001 patterns, over the 1000 a .fcignore may hold; use fewer or broader patterns"
        );
        let long = format!("{}\n", "*a".repeat(MAX_PATTERN_BYTES / 2 + 1));
        let error = refusal(&long);
        assert!(
            error.contains("its 1 patterns take 32770 bytes, over the 32768 bytes")
                && error.ends_with("use fewer or broader patterns"),
            "{error}"
        );
    }

    #[test]
    fn a_link_is_not_followed_and_a_device_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(".fcignore");
        assert!(matches!(read(dir.path(), &file), Ok(IgnoreFile::Absent)));
        std::os::unix::fs::symlink("/dev/null", &file).expect("links");
        match read(dir.path(), &file) {
            Ok(IgnoreFile::Link(warning)) => assert!(
                warning.ends_with(".fcignore: is a symbolic link, so it was not followed and its patterns were not applied; make it a regular file to apply them"),
                "{warning}"
            ),
            _ => panic!("a link is skipped with a warning"),
        }
        let error = read(Path::new("/dev"), Path::new("/dev/null"))
            .err()
            .expect("refused");
        assert_eq!(
            error.to_string(),
            "/dev/null: is a device, not a regular file, so it was not read"
        );
        fs::remove_file(&file).expect("removes");
        fs::write(&file, "*.md\n").expect("writes");
        assert!(matches!(read(dir.path(), &file), Ok(IgnoreFile::Rules(_))));
    }

    #[test]
    fn a_bad_pattern_names_the_file() {
        let error = refusal("ok\npython/{a,b\n");
        assert!(error.starts_with("/layer/.fcignore: "), "{error}");
        assert!(error.contains("python/{a,b"), "{error}");
    }
}
