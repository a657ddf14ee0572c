//! What a layer holds, tallied on the packager's one pass: files and bytes, what was left
//! out and why, the largest folders, and the checks' findings. The log, the job summary
//! and `check: error` read it.

use std::collections::BTreeMap;
use std::io;

use super::inspect::{self, Finding, Severity};
use super::keep::Keep;
use super::modules;
use super::platform::Target;
use super::select::{LeftOut, Selection};

/// The `check` input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckLevel {
    /// Error-level findings stop the step before any write request.
    #[default]
    Error,
    /// Every finding is a warning.
    Warn,
    Off,
}

impl CheckLevel {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Self::Error),
            "warn" => Some(Self::Warn),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// How the packager selects and checks: the inputs `exclude`, `python-bytecode` and `check`,
/// and the runtimes the checks hold the layer to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub selection: Selection,
    pub check: CheckLevel,
    pub target: Target,
}

/// Folders are tallied this many levels deep (`python/numpy`).
const FOLDER_DEPTH: usize = 2;

/// What the layer holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    pub files: u64,
    pub(crate) unpacked_bytes: u64,
    /// Files and bytes left out, by why.
    pub left_out: BTreeMap<LeftOut, (u64, u64)>,
    /// Unpacked bytes by folder, [`FOLDER_DEPTH`] levels deep.
    folders: BTreeMap<String, u64>,
    pub(crate) findings: Vec<Finding>,
    /// Whether the checks ran (`check` is not `off`, and the zip was read).
    pub(crate) checked: bool,
    /// What the packager warns of, whatever `check` says: a `.fcignore` not followed.
    pub(crate) warnings: Vec<String>,
}

impl Contents {
    pub(crate) fn add_file(&mut self, name: &str, size: u64) {
        self.files += 1;
        self.unpacked_bytes += size;
        *self.folders.entry(folder_of(name)).or_default() += size;
    }

    /// Reads a prebuilt zip's entry to its end (which checks its CRC-32) and tallies and
    /// inspects it as the packager does a file.
    pub(crate) fn read_entry(
        &mut self,
        name: &str,
        is_file: bool,
        entry: &mut impl io::Read,
        options: &Options,
    ) -> io::Result<u64> {
        let checking = options.check != CheckLevel::Off;
        let mut keep = Keep::new(entry, checking);
        let size = io::copy(&mut keep, &mut io::sink())?;
        if is_file {
            self.add_file(name, size);
            if checking {
                self.findings
                    .extend(inspect::inspect_file(name, keep.kept(), &options.target));
            }
        }
        Ok(size)
    }

    pub(crate) fn leave_out(&mut self, reason: LeftOut, size: u64) {
        let tally = self.left_out.entry(reason).or_default();
        tally.0 += 1;
        tally.1 += size;
    }

    /// Adds the findings about the extension modules together and the layout, and puts all in the order of the paths; under
    /// `check: warn` every one is a warning.
    pub(crate) fn finish_checks<'a>(
        &mut self,
        names: impl IntoIterator<Item = &'a str>,
        options: &Options,
    ) {
        if options.check == CheckLevel::Off {
            self.findings.clear();
            return;
        }
        self.checked = true;
        let names: Vec<&str> = names.into_iter().collect();
        self.findings.extend(modules::inspect_modules(
            names.iter().copied(),
            &options.target,
        ));
        self.findings
            .extend(inspect::inspect_layout(names, &options.target));
        if options.check == CheckLevel::Warn {
            for finding in &mut self.findings {
                finding.severity = Severity::Warning;
            }
        }
        self.findings
            .sort_by(|a, b| (a.severity, &a.path).cmp(&(b.severity, &b.path)));
    }

    pub(crate) fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .count()
    }

    /// The `count` largest folders, largest first (then by name), with their bytes.
    pub(crate) fn largest_folders(&self, count: usize) -> Vec<(&str, u64)> {
        let mut folders: Vec<(&str, u64)> = self
            .folders
            .iter()
            .map(|(name, bytes)| (name.as_str(), *bytes))
            .collect();
        folders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        folders.truncate(count);
        folders
    }
}

/// The folder a file counts towards: its first [`FOLDER_DEPTH`] directories, or `.` for a
/// file at the top.
fn folder_of(name: &str) -> String {
    let parts: Vec<&str> = name.split('/').collect();
    let directories = &parts[..parts.len().saturating_sub(1)];
    if directories.is_empty() {
        ".".to_owned()
    } else {
        directories[..directories.len().min(FOLDER_DEPTH)].join("/")
    }
}

/// Bytes in human units, as the log and the summary show them: `66.6 MB`, `812 B`
/// (decimal, as `du --si` and most tools that print MB).
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units_are_decimal_with_one_place() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1000), "1.0 kB");
        assert_eq!(human_bytes(66_600_000), "66.6 MB");
        assert_eq!(human_bytes(999_960), "1.0 MB");
        assert_eq!(human_bytes(1_500_000_000), "1.5 GB");
    }

    #[test]
    fn folders_are_two_levels_deep_and_largest_first() {
        let mut contents = Contents::default();
        contents.add_file("python/numpy/core/_multiarray.so", 30);
        contents.add_file("python/numpy/__init__.py", 5);
        contents.add_file("python/six.py", 7);
        contents.add_file("README", 1);
        contents.add_file("python/pandas/a.py", 20);
        assert_eq!(
            contents.largest_folders(3),
            [("python/numpy", 35), ("python/pandas", 20), ("python", 7)]
        );
        assert_eq!(contents.folders["."], 1);
        assert_eq!((contents.files, contents.unpacked_bytes), (5, 63));
    }
}
