//! CHANGELOG.md's section for a tag becomes the GitHub release's notes: release.yml runs
//! `.github/scripts/changelog-section.sh` on it. The script runs here on the real
//! CHANGELOG, and on it as it will be once its `Unreleased` section is released.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::workspace;

fn changelog() -> String {
    std::fs::read_to_string(workspace().join("CHANGELOG.md")).expect("CHANGELOG.md")
}

fn section_script(tag: &str, changelog: &Path) -> Output {
    Command::new("bash")
        .arg(workspace().join(".github/scripts/changelog-section.sh"))
        .arg(tag)
        .arg(changelog)
        .output()
        .expect("bash runs")
}

/// The notes the script printed; fails the test when it failed.
fn notes(tag: &str, changelog: &Path) -> String {
    let output = section_script(tag, changelog);
    assert!(
        output.status.success(),
        "{tag}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The body under `## [name]`, read here independently of the script: up to the next
/// `## ` heading, blank lines trimmed, with the final newline the script prints.
fn body_of(changelog: &str, name: &str) -> String {
    let heading = format!("## [{name}]");
    let start = changelog
        .lines()
        .position(|line| line == heading || line.starts_with(&format!("{heading} - ")))
        .unwrap_or_else(|| panic!("CHANGELOG has {heading}"));
    let body: Vec<&str> = changelog
        .lines()
        .skip(start + 1)
        .take_while(|line| !line.starts_with("## "))
        .collect();
    format!("{}\n", body.join("\n").trim_matches('\n'))
}

/// Versions of the headings `## [X.Y.Z] - date`.
fn released_versions(changelog: &str) -> Vec<String> {
    changelog
        .lines()
        .filter_map(|line| line.strip_prefix("## ["))
        .filter_map(|rest| rest.split_once("] - "))
        .map(|(version, _)| version.to_owned())
        .collect()
}

#[test]
fn every_section_of_the_real_changelog_is_read_whole() {
    let path = workspace().join("CHANGELOG.md");
    let text = changelog();
    let unreleased = notes("Unreleased", &path);
    assert_eq!(unreleased, body_of(&text, "Unreleased"));
    assert!(unreleased.starts_with("### "), "{unreleased}");
    for version in released_versions(&text) {
        let body = notes(&format!("v{version}"), &path);
        assert!(body.starts_with("### "), "v{version}: {body}");
        assert_eq!(body, body_of(&text, &version));
    }
}

#[test]
fn at_the_first_release_the_tag_gets_what_was_unreleased() {
    let text = changelog();
    let unreleased = body_of(&text, "Unreleased");
    // What a release commit does: the section renamed, an empty one opened above it, and
    // a link definition at the end, which is not part of the notes.
    let released = format!(
        "{}\n[0.1.0]: https://example.invalid/v0.1.0\n",
        text.replacen(
            "\n## [Unreleased]\n",
            "\n## [Unreleased]\n\n## [0.1.0] - 2026-12-07\n",
            1
        )
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("CHANGELOG.md");
    std::fs::write(&path, &released).expect("written");
    assert_eq!(notes("v0.1.0", &path), unreleased);
    // An empty section, a version not there, or only a prefix of one: no notes, a failure
    // naming the tag and the file.
    for tag in ["Unreleased", "v0.2.0", "v0.1"] {
        let output = section_script(tag, &path);
        assert_eq!(output.status.code(), Some(1), "{tag}");
        assert!(output.stdout.is_empty(), "{tag}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(tag), "{said}");
        assert!(said.contains(&path.display().to_string()), "{said}");
    }
}

#[test]
fn a_section_ends_at_the_next_version() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("CHANGELOG.md");
    let text = "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-12-08\n\n### Fixed\n\n\
                - two\n\n## [1.0.0] - 2026-12-01\n\n### Added\n\n- one\n";
    std::fs::write(&path, text).expect("written");
    assert_eq!(notes("v1.1.0", &path), "### Fixed\n\n- two\n");
    assert_eq!(notes("v1.0.0", &path), "### Added\n\n- one\n");
    assert_eq!(released_versions(text), ["1.1.0", "1.0.0"]);
}
