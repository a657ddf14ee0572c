//! One version per change, as decisions over a layer's versions: whether the newest one
//! already is what this run would publish ([`decide`]), which version a run whose create
//! reply was lost may adopt as its own, and which versions `keep-versions` deletes
//! ([`doomed`]). Pure: the versions come in as values, listed by the pipeline.

use std::collections::BTreeSet;

use crate::fc::Layer;

/// What this run would publish, compared field by field with the newest version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wanted<'a> {
    /// CRC-64/XZ of the zip, FC's `codeChecksum`.
    pub(crate) checksum: &'a str,
    pub(crate) runtimes: &'a [String],
    pub(crate) description: Option<&'a str>,
    pub(crate) license: Option<&'a str>,
}

/// Whether the newest version already is what this run would publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Nothing like it exists; `reason` says why, for the log and the summary.
    Publish { reason: String },
    /// The newest version holds the same zip and settings.
    Reuse(Layer),
}

/// The newest version: the highest number, whatever order the pages listed them in.
fn newest(versions: &[Layer]) -> Option<&Layer> {
    versions.iter().max_by_key(|layer| layer.version)
}

/// The highest version number listed, 0 when there are none: the baseline that a version
/// this run creates is newer than. `None` when the versions could not be listed.
pub(crate) fn highest(before: Option<&[Layer]>) -> Option<i64> {
    before.map(|versions| newest(versions).map_or(0, |layer| layer.version))
}

/// What differs between `existing` and `wanted`, by input name; empty when nothing does.
/// Runtimes compare as sets; an unset description or license equals an empty one, as FC
/// stores it.
fn differences(existing: &Layer, wanted: &Wanted<'_>) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if existing.code_checksum.as_deref() != Some(wanted.checksum) {
        changed.push("code");
    }
    let theirs: BTreeSet<&str> = existing
        .compatible_runtime
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let ours: BTreeSet<&str> = wanted.runtimes.iter().map(String::as_str).collect();
    if theirs != ours {
        changed.push("compatible-runtimes");
    }
    if existing.description.as_deref().unwrap_or_default() != wanted.description.unwrap_or_default()
    {
        changed.push("description");
    }
    if existing.license.as_deref().unwrap_or_default() != wanted.license.unwrap_or_default() {
        changed.push("license");
    }
    changed
}

/// Reuse the newest of `before` when `skip_unchanged` is on and nothing differs from
/// `wanted`. `wanted` is `None` when the zip's CRC-64 is unknown (an OSS object that OSS gave
/// none for), `before` when the versions could not be listed.
pub(crate) fn decide(
    wanted: Option<&Wanted<'_>>,
    before: Option<&[Layer]>,
    skip_unchanged: bool,
) -> Decision {
    let Some(wanted) = wanted else {
        return Decision::Publish {
            reason: "the object's CRC-64 is unknown, so it cannot be compared".to_owned(),
        };
    };
    let Some(latest) = before.and_then(newest) else {
        let reason = match before {
            Some(_) => "the layer has no versions yet",
            None => "its versions could not be listed",
        };
        return Decision::Publish {
            reason: reason.to_owned(),
        };
    };
    if !skip_unchanged {
        return Decision::Publish {
            reason: "skip-unchanged is off".to_owned(),
        };
    }
    let changed = differences(latest, wanted);
    if changed.is_empty() {
        return Decision::Reuse(latest.clone());
    }
    Decision::Publish {
        reason: format!(
            "{} changed since version {}",
            changed.join(", "),
            latest.version
        ),
    }
}

/// After a create whose outcome is unknown: the versions that may be the one this run
/// made, newer than every version seen before the create and with this zip, newest first.
/// More than one means another run published the same zip meanwhile; which is whose cannot
/// be told, and the newest is taken: it is the one the other run's `keep-versions` keeps.
pub(crate) fn adoptable<'a>(
    after: &'a [Layer],
    checksum: &str,
    highest_before: i64,
) -> Vec<&'a Layer> {
    let mut found: Vec<&Layer> = after
        .iter()
        .filter(|layer| {
            layer.version > highest_before && layer.code_checksum.as_deref() == Some(checksum)
        })
        .collect();
    found.sort_by_key(|layer| std::cmp::Reverse(layer.version));
    found
}

/// The versions `keep-versions: keep` deletes: all but the `keep` highest, never `output`.
/// `keep == 0` keeps everything. Ascending.
fn deletions(versions: &[i64], keep: u32, output: i64) -> Vec<i64> {
    if keep == 0 {
        return Vec::new();
    }
    let mut sorted: Vec<i64> = versions.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    let mut doomed: Vec<i64> = sorted
        .into_iter()
        .skip(keep as usize)
        .filter(|version| *version != output)
        .collect();
    doomed.sort_unstable();
    doomed
}

/// What keep-versions deletes once `output` is the version output: [`deletions`] among the
/// versions listed `before` (none when they could not be listed) and `output` itself.
pub(crate) fn doomed(before: Option<&[Layer]>, output: i64, keep: u32) -> Vec<i64> {
    let mut numbers: Vec<i64> = before
        .unwrap_or_default()
        .iter()
        .map(|layer| layer.version)
        .collect();
    numbers.push(output);
    deletions(&numbers, keep, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(version: i64, checksum: &str) -> Layer {
        Layer {
            layer_version_arn: format!("acs:fc:r:1:layers/l/versions/{version}"),
            version,
            code_checksum: Some(checksum.to_owned()),
            compatible_runtime: Some(vec!["python3.10".into(), "python3.9".into()]),
            description: Some(String::new()),
            license: None,
            ..Layer::default()
        }
    }

    #[test]
    fn the_newest_is_the_highest_number_in_any_order() {
        let versions = [layer(3, "a"), layer(45, "b"), layer(12, "c")];
        assert_eq!(newest(&versions).map(|l| l.version), Some(45));
        assert_eq!(newest(&[]), None);
        assert_eq!(highest(Some(&versions)), Some(45));
        assert_eq!(highest(Some(&[])), Some(0));
        assert_eq!(highest(None), None);
    }

    #[test]
    fn unchanged_means_same_zip_runtime_set_description_and_license() {
        let runtimes = vec!["python3.9".to_owned(), "python3.10".to_owned()];
        let wanted = Wanted {
            checksum: "a",
            runtimes: &runtimes,
            description: None,
            license: Some(""),
        };
        let existing = layer(1, "a");
        assert!(differences(&existing, &wanted).is_empty());
        let other = Wanted {
            checksum: "b",
            runtimes: &runtimes[..1],
            description: Some("new"),
            license: Some("MIT"),
        };
        assert_eq!(
            differences(&existing, &other),
            ["code", "compatible-runtimes", "description", "license"]
        );
        let mut no_checksum = existing.clone();
        no_checksum.code_checksum = None;
        assert_eq!(differences(&no_checksum, &wanted), ["code"]);
    }

    #[test]
    fn a_run_adopts_only_a_newer_version_with_its_own_zip() {
        let after = [
            layer(4, "mine"),
            layer(5, "other"),
            layer(6, "mine"),
            layer(7, "mine"),
        ];
        let versions = |found: Vec<&Layer>| found.iter().map(|l| l.version).collect::<Vec<_>>();
        assert_eq!(versions(adoptable(&after, "mine", 5)), [7, 6]);
        assert_eq!(versions(adoptable(&after, "mine", 6)), [7]);
        assert!(adoptable(&after, "mine", 7).is_empty());
        assert!(adoptable(&after, "absent", 0).is_empty());
    }

    #[test]
    fn keep_deletes_all_but_the_highest_and_never_the_output() {
        assert_eq!(deletions(&[1, 2, 3, 4, 5], 2, 5), [1, 2, 3]);
        assert_eq!(deletions(&[5, 1, 4, 2, 3], 2, 2), [1, 3]);
        assert_eq!(deletions(&[1, 2], 0, 2), Vec::<i64>::new());
        assert_eq!(deletions(&[1, 2], 5, 2), Vec::<i64>::new());
        assert_eq!(deletions(&[1, 2, 3], 1, 3), [1, 2]);
    }

    fn publish(reason: &str) -> Decision {
        Decision::Publish {
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn decide_publishes_unless_the_newest_version_is_the_same_and_skipping_is_on() {
        let runtimes = vec!["python3.9".to_owned(), "python3.10".to_owned()];
        let same = Wanted {
            checksum: "a",
            runtimes: &runtimes,
            description: None,
            license: None,
        };
        let versions = [layer(3, "a"), layer(1, "old"), layer(2, "a")];
        assert_eq!(
            decide(None, Some(&versions), true),
            publish("the object's CRC-64 is unknown, so it cannot be compared")
        );
        assert_eq!(
            decide(Some(&same), None, true),
            publish("its versions could not be listed")
        );
        assert_eq!(
            decide(Some(&same), Some(&[]), true),
            publish("the layer has no versions yet")
        );
        assert_eq!(
            decide(Some(&same), Some(&versions), false),
            publish("skip-unchanged is off")
        );
        assert_eq!(
            decide(Some(&same), Some(&versions), true),
            Decision::Reuse(layer(3, "a"))
        );
        let changed = Wanted {
            checksum: "b",
            description: Some("new"),
            ..same
        };
        assert_eq!(
            decide(Some(&changed), Some(&versions), true),
            publish("code, description changed since version 3")
        );
    }

    #[test]
    fn doomed_counts_the_listed_versions_and_the_output() {
        let versions = [layer(1, "a"), layer(3, "c"), layer(2, "b")];
        assert_eq!(doomed(None, 4, 1), Vec::<i64>::new());
        assert_eq!(doomed(Some(&[]), 1, 1), Vec::<i64>::new());
        assert_eq!(doomed(Some(&versions), 4, 0), Vec::<i64>::new());
        assert_eq!(doomed(Some(&versions), 4, 2), [1, 2]);
        // A reused version is both listed and the output: counted once, and kept.
        assert_eq!(doomed(Some(&versions), 3, 2), [1]);
        // The output survives even when it is not among the `keep` highest.
        assert_eq!(doomed(Some(&versions), 2, 1), [1]);
    }
}
