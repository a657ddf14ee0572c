//! The job summary's "What is inside" section: files and bytes, the zip, what was left out,
//! the largest folders, the checks' findings and each fix once. Every name from the tree
//! goes through the summary's escaping (`code`, `cell`).

use crate::redact::Redactor;
use std::fmt::Write;

use super::{cell, code};
use crate::package::contents::{Contents, human_bytes};
use crate::package::fix::Fix;
use crate::package::inspect::Severity;

/// The folders listed, largest first.
const FOLDERS_SHOWN: usize = 10;
/// The findings listed; the rest are counted.
const FINDINGS_SHOWN: usize = 20;

/// The section, for a zip of `zip_bytes` (when known).
pub(crate) fn section(contents: &Contents, zip_bytes: Option<u64>, redactor: &Redactor) -> String {
    let mut text = String::from("#### What is inside\n\n");
    text.push_str(&overview(contents, zip_bytes, redactor));
    text.push_str(&largest_folders(contents, redactor));
    text.push_str(&findings(contents, redactor));
    text
}

/// The table of files, bytes, the zip, what was left out and how the checks went.
fn overview(contents: &Contents, zip_bytes: Option<u64>, redactor: &Redactor) -> String {
    let mut text = String::from("| | |\n|---|---|\n");
    let mut row = |label: &str, value: String| {
        let _ = writeln!(text, "| {label} | {value} |");
    };
    row(
        "Files",
        format!(
            "{}, {} unpacked ({} bytes)",
            contents.files,
            human_bytes(contents.unpacked_bytes),
            contents.unpacked_bytes
        ),
    );
    if let Some(zip) = zip_bytes {
        let ratio = match contents.unpacked_bytes {
            0 => String::new(),
            unpacked => format!(", {:.0}% of unpacked", zip as f64 * 100.0 / unpacked as f64),
        };
        row("Zip", format!("{} ({zip} bytes){ratio}", human_bytes(zip)));
    }
    let left_out = if contents.left_out.is_empty() {
        "nothing".to_owned()
    } else {
        contents
            .left_out
            .iter()
            .map(|(reason, (files, bytes))| {
                format!(
                    "{} {files} files, {}",
                    code(redactor, reason.label()),
                    human_bytes(*bytes)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    row("Left out", left_out);
    let checks = if !contents.checked {
        "not run".to_owned()
    } else {
        let errors = contents.errors();
        let warnings = contents.findings.len() - errors;
        format!("{errors} error(s), {warnings} warning(s)")
    };
    row("Checks", checks);
    text.push('\n');
    text
}

/// The largest folders with their share of the unpacked bytes; nothing for an empty tree.
fn largest_folders(contents: &Contents, redactor: &Redactor) -> String {
    let mut text = String::new();
    let folders = contents.largest_folders(FOLDERS_SHOWN);
    if !folders.is_empty() {
        text.push_str("| Largest folders | Unpacked | Share |\n|---|---:|---:|\n");
        for (folder, bytes) in folders {
            let share = match contents.unpacked_bytes {
                0 => 0.0,
                total => bytes as f64 * 100.0 / total as f64,
            };
            let _ = writeln!(
                text,
                "| {} | {} | {share:.1}% |",
                code(redactor, folder),
                human_bytes(bytes)
            );
        }
        text.push('\n');
    }
    text
}

/// The checks' findings, the first [`FINDINGS_SHOWN`] listed and the rest counted.
fn findings(contents: &Contents, redactor: &Redactor) -> String {
    let mut text = String::new();
    if !contents.findings.is_empty() {
        for finding in contents.findings.iter().take(FINDINGS_SHOWN) {
            let level = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let _ = writeln!(
                text,
                "- **{level}** {}: {}",
                code(redactor, &finding.path),
                cell(redactor, &finding.message)
            );
        }
        if contents.findings.len() > FINDINGS_SHOWN {
            let _ = writeln!(
                text,
                "- and {} more (in the log)",
                contents.findings.len() - FINDINGS_SHOWN
            );
        }
        text.push('\n');
    }
    text.push_str(&fixes(contents, redactor));
    text
}

/// Each fix once, however many findings it fixes, in the order of the first of them.
fn fixes(contents: &Contents, redactor: &Redactor) -> String {
    let mut fixes: Vec<(&Fix, usize)> = Vec::new();
    for fix in contents
        .findings
        .iter()
        .filter_map(|finding| finding.fix.as_ref())
    {
        match fixes.iter_mut().find(|(seen, _)| *seen == fix) {
            Some((_, count)) => *count += 1,
            None => fixes.push((fix, 1)),
        }
    }
    let mut text = String::new();
    if fixes.is_empty() {
        return text;
    }
    text.push_str("To fix:\n\n");
    for (fix, count) in fixes {
        let _ = write!(
            text,
            "- {} ({count} finding{})",
            cell(redactor, &fix.advice),
            if count == 1 { "" } else { "s" }
        );
        match &fix.command {
            Some(command) => {
                let _ = writeln!(text, ":\n\n  {}\n", code(redactor, command));
            }
            None => text.push('\n'),
        }
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::inspect::Finding;
    use crate::package::select::LeftOut;

    #[test]
    fn names_from_the_tree_cannot_break_the_table() {
        let mut contents = Contents::default();
        contents.add_file("python/a|b`c/x.py", 2_000_000);
        contents.add_file("python/numpy/core.so", 6_000_000);
        contents.leave_out(LeftOut::Bytecode, 1_500);
        contents.checked = true;
        contents.findings = (0..25)
            .map(|index| Finding {
                severity: Severity::Warning,
                path: format!("python/<b>{index}|</b>"),
                message: "is *odd*".to_owned(),
                fix: Some(Fix {
                    advice: format!("do <{}>", index % 2),
                    command: (index % 2 == 0).then(|| "run `it` | more".to_owned()),
                }),
            })
            .collect();
        let text = section(&contents, Some(3_000_000), &Redactor::default());
        assert!(
            text.contains("| Files | 2, 8.0 MB unpacked (8000000 bytes) |"),
            "{text}"
        );
        assert!(
            text.contains("| Zip | 3.0 MB (3000000 bytes), 38% of unpacked |"),
            "{text}"
        );
        assert!(
            text.contains("` python-bytecode ` 1 files, 1.5 kB"),
            "{text}"
        );
        assert!(
            text.contains("| ` python/numpy ` | 6.0 MB | 75.0% |"),
            "{text}"
        );
        assert!(
            text.contains("| `` python/a\\|b`c `` | 2.0 MB | 25.0% |"),
            "{text}"
        );
        assert!(
            text.contains("- **warning** ` python/<b>0\\|</b> `: is \\*odd\\*"),
            "{text}"
        );
        assert!(text.contains("- and 5 more (in the log)"), "{text}");
        // Each fix once, with the findings it fixes, the 5 not listed too.
        assert!(
            text.contains("- do \\<0\\> (13 findings):\n\n  `` run `it` \\| more ``\n"),
            "{text}"
        );
        assert!(text.contains("- do \\<1\\> (12 findings)\n"), "{text}");
        assert_eq!(text.matches("run `it`").count(), 1, "{text}");
        assert!(
            text.contains("| Checks | 0 error(s), 25 warning(s) |"),
            "{text}"
        );
    }
}
