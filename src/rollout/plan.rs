//! A function's new layer list, pure: this layer's version replaces the first version of
//! this layer in place, later versions of it are dropped, other layers keep their place, and
//! a function that does not use the layer gets it at the end.

use crate::fc::function::MAX_LAYERS_PER_FUNCTION;

/// The ARNs that are versions of one layer: `acs:fc:{region}:{account}:layers/{name}/versions/`
/// followed by a version number. Another account's layer of the same name, or an official
/// one, is not of the family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LayerFamily {
    prefix: String,
}

impl LayerFamily {
    /// The family of a version's ARN; `None` when it does not end in `/versions/{number}`.
    pub(crate) fn of(arn: &str) -> Option<Self> {
        let (prefix, version) = arn.rsplit_once("/versions/")?;
        if !is_version_number(version) || !prefix.contains(":layers/") {
            return None;
        }
        Some(Self {
            prefix: format!("{prefix}/versions/"),
        })
    }

    pub(crate) fn contains(&self, arn: &str) -> bool {
        arn.strip_prefix(&self.prefix)
            .is_some_and(is_version_number)
    }

    /// The ARN of `version` of this layer.
    pub(crate) fn arn(&self, version: i64) -> String {
        format!("{}{version}", self.prefix)
    }
}

fn is_version_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// A function's layer list, planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Planned {
    /// The version of this layer the function used, if any.
    pub(crate) before: Option<String>,
    pub(crate) layers: Vec<String>,
    /// Whether `layers` differs from the list the function has.
    pub(crate) changed: bool,
}

/// The new list would pass FC's limit: nothing is written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "it would have {} layers, and FC allows at most {MAX_LAYERS_PER_FUNCTION}; it uses {}",
    .current.len() + 1,
    .current.join(", ")
)]
pub(crate) struct TooManyLayers {
    current: Vec<String>,
}

/// The list a function using `current` gets to use `target` of `family` (`None`: no version
/// of the layer exists, so none is in use).
pub(crate) fn plan(
    current: &[String],
    family: Option<&LayerFamily>,
    target: &str,
) -> Result<Planned, TooManyLayers> {
    let ours = |arn: &str| family.is_some_and(|family| family.contains(arn));
    let before = current.iter().find(|arn| ours(arn)).cloned();
    let mut layers = Vec::with_capacity(current.len() + 1);
    let mut placed = false;
    for arn in current {
        if !ours(arn) {
            layers.push(arn.clone());
        } else if !placed {
            layers.push(target.to_owned());
            placed = true;
        }
    }
    if !placed {
        if current.len() >= MAX_LAYERS_PER_FUNCTION {
            return Err(TooManyLayers {
                current: current.to_vec(),
            });
        }
        layers.push(target.to_owned());
    }
    let changed = layers != current;
    Ok(Planned {
        before,
        layers,
        changed,
    })
}

/// ARNs of one layer family, `deps` in account 111, for the unit tests here and in
/// `release::in_use`.
#[cfg(test)]
pub(crate) mod arns {
    use super::LayerFamily;

    /// Version `version` of the family.
    pub(crate) fn ours(version: i64) -> String {
        format!("acs:fc:cn-hangzhou:111:layers/deps/versions/{version}")
    }

    pub(crate) fn family() -> LayerFamily {
        LayerFamily::of(&ours(7)).expect("an ARN")
    }
}

#[cfg(test)]
mod tests {
    use super::arns::{family, ours};
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    #[test]
    fn the_family_is_region_account_and_name() {
        let family = family();
        assert!(family.contains(&ours(1)));
        for other in [
            "acs:fc:cn-hangzhou:222:layers/deps/versions/1",
            "acs:fc:cn-shanghai:111:layers/deps/versions/1",
            "acs:fc:cn-hangzhou:111:layers/deps2/versions/1",
            "acs:fc:cn-hangzhou:111:layers/deps/versions/1x",
            "acs:fc:cn-hangzhou:111:layers/deps/versions/",
            "acs:fc:cn-hangzhou:official:layers/Python310/versions/2",
        ] {
            assert!(!family.contains(other), "{other}");
        }
        assert_eq!(LayerFamily::of("not an arn"), None);
    }

    #[test]
    fn replaces_in_place_keeping_order() {
        let current = strings(&["a:layers/x/versions/1", &ours(3), "b:layers/y/versions/2"]);
        let planned = plan(&current, Some(&family()), &ours(7)).expect("fits");
        assert_eq!(planned.before, Some(ours(3)));
        assert_eq!(
            planned.layers,
            strings(&["a:layers/x/versions/1", &ours(7), "b:layers/y/versions/2"])
        );
        assert!(planned.changed);
    }

    #[test]
    fn later_versions_of_the_layer_are_dropped() {
        let current = strings(&[&ours(2), "other:layers/x/versions/1", &ours(5)]);
        let planned = plan(&current, Some(&family()), &ours(7)).expect("fits");
        assert_eq!(
            planned.layers,
            strings(&[&ours(7), "other:layers/x/versions/1"])
        );
        assert_eq!(planned.before, Some(ours(2)));
    }

    #[test]
    fn appends_when_absent_and_keeps_other_accounts_layer_of_the_same_name() {
        let theirs = "acs:fc:cn-hangzhou:222:layers/deps/versions/9";
        let planned = plan(&strings(&[theirs]), Some(&family()), &ours(7)).expect("fits");
        assert_eq!(planned.layers, strings(&[theirs, &ours(7)]));
        assert_eq!(planned.before, None);
        let planned = plan(&[], Some(&family()), &ours(7)).expect("fits");
        assert_eq!(planned.layers, strings(&[&ours(7)]));
    }

    #[test]
    fn already_current_is_unchanged() {
        let current = strings(&["x:layers/a/versions/1", &ours(7)]);
        let planned = plan(&current, Some(&family()), &ours(7)).expect("fits");
        assert!(!planned.changed);
        assert_eq!(planned.layers, current);
    }

    #[test]
    fn a_duplicate_of_the_current_version_is_a_change() {
        let current = strings(&[&ours(7), &ours(7)]);
        let planned = plan(&current, Some(&family()), &ours(7)).expect("fits");
        assert!(planned.changed);
        assert_eq!(planned.layers, strings(&[&ours(7)]));
    }

    #[test]
    fn a_sixth_layer_is_refused_naming_the_five() {
        let current: Vec<String> = (1..=5)
            .map(|n| format!("o:layers/l{n}/versions/1"))
            .collect();
        let error = plan(&current, Some(&family()), &ours(7)).expect_err("too many");
        let message = error.to_string();
        assert!(message.contains("6 layers") && message.contains("o:layers/l5/versions/1"));
        // Replacing in a full list is fine.
        let mut full = current[..4].to_vec();
        full.push(ours(1));
        assert!(plan(&full, Some(&family()), &ours(7)).is_ok());
    }

    #[test]
    fn without_a_family_nothing_is_ours() {
        let planned = plan(&[ours(1)], None, "next").expect("fits");
        assert_eq!(planned.layers, strings(&[&ours(1), "next"]));
    }
}
