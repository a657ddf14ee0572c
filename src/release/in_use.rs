//! Which versions of the layer functions still run, pure: each version's users, said the way
//! the log says them, and `keep-versions` held back from deleting any of them.

use std::collections::BTreeMap;
use std::fmt;

use crate::fc::{AliasName, FunctionName, FunctionVersion, Layer};
use crate::lifecycle::doomed;
use crate::rollout::LayerFamily;

/// Which configuration of a function uses the layers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// What the function runs when called without a qualifier.
    Latest,
    /// The main or canary version an alias routes to.
    Alias {
        name: AliasName,
        version: FunctionVersion,
    },
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Latest => f.write_str(crate::fc::alias::LATEST),
            Place::Alias { name, version } => write!(f, "alias {name} → version {version}"),
        }
    }
}

/// One configuration of one function, and the layers it uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) function: FunctionName,
    pub(crate) place: Place,
    pub(crate) layers: Vec<String>,
}

/// The versions of the layer (of `family`) the usages hold, each with its users, e.g.
/// `api (LATEST)` and `worker (alias prod → version 7)`, each once, in the usages' order.
pub(crate) fn in_use(usages: &[Usage], family: &LayerFamily) -> BTreeMap<i64, Vec<String>> {
    let mut users: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for usage in usages {
        let user = format!("{} ({})", usage.function, usage.place);
        for version in usage
            .layers
            .iter()
            .filter_map(|arn| version_in(arn, family))
        {
            let list = users.entry(version).or_default();
            if !list.contains(&user) {
                list.push(user.clone());
            }
        }
    }
    users
}

/// The version number of `arn` when it is a version of `family`.
fn version_in(arn: &str, family: &LayerFamily) -> Option<i64> {
    if !family.contains(arn) {
        return None;
    }
    arn.rsplit_once("/versions/")?.1.parse().ok()
}

/// What `keep-versions` deletes once versions in use are spared, and what it spared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Spared {
    /// Ascending.
    pub(crate) delete: Vec<i64>,
    /// Versions `keep-versions` alone would have deleted, each with its users.
    pub(crate) kept: BTreeMap<i64, Vec<String>>,
}

impl Spared {
    /// One line per version kept: `kept 3: used by api (LATEST), worker (alias prod →
    /// version 7)`.
    pub(crate) fn notes(&self) -> Vec<String> {
        self.kept
            .iter()
            .map(|(version, users)| format!("kept {version}: used by {}", users.join(", ")))
            .collect()
    }
}

/// [`doomed`], but never a version in `in_use`: deleting it would leave a function that
/// runs it unable to be updated, and an alias unable to be rolled back to it.
pub(crate) fn doomed_unless_in_use(
    before: Option<&[Layer]>,
    output: i64,
    keep: u32,
    in_use: &BTreeMap<i64, Vec<String>>,
) -> Spared {
    let mut spared = Spared::default();
    for version in doomed(before, output, keep) {
        match in_use.get(&version) {
            Some(users) => {
                spared.kept.insert(version, users.clone());
            }
            None => spared.delete.push(version),
        }
    }
    spared
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::plan::arns::{family, ours};

    fn usage(function: &str, place: Place, layers: &[String]) -> Usage {
        Usage {
            function: FunctionName::parse(function).expect("valid"),
            place,
            layers: layers.to_vec(),
        }
    }

    fn on_alias(name: &str, version: u64) -> Place {
        Place::Alias {
            name: AliasName::parse(name).expect("valid"),
            version: FunctionVersion::new(version).expect("positive"),
        }
    }

    fn layer(version: i64) -> Layer {
        Layer {
            layer_version_arn: ours(version),
            version,
            ..Layer::default()
        }
    }

    fn sample() -> BTreeMap<i64, Vec<String>> {
        let theirs = "acs:fc:cn-hangzhou:222:layers/deps/versions/2".to_owned();
        in_use(
            &[
                usage(
                    "api",
                    Place::Latest,
                    &[ours(3), "x:layers/a/versions/1".into()],
                ),
                usage("worker", on_alias("prod", 7), &[ours(3)]),
                usage("worker", Place::Latest, &[ours(5), ours(5)]),
                usage("other", Place::Latest, &[theirs]),
            ],
            &family(),
        )
    }

    #[test]
    fn each_version_of_the_family_lists_its_users_once() {
        assert_eq!(
            sample(),
            BTreeMap::from([
                (
                    3,
                    vec![
                        "api (LATEST)".to_owned(),
                        "worker (alias prod → version 7)".to_owned()
                    ]
                ),
                (5, vec!["worker (LATEST)".to_owned()]),
            ])
        );
    }

    #[test]
    fn keep_versions_never_deletes_a_version_in_use_and_says_why() {
        let before: Vec<Layer> = (1..=5).map(layer).collect();
        let spared = doomed_unless_in_use(Some(&before), 6, 2, &sample());
        assert_eq!(spared.delete, [1, 2, 4]);
        assert_eq!(
            spared.notes(),
            ["kept 3: used by api (LATEST), worker (alias prod → version 7)"]
        );
        // A version in use that keep-versions keeps anyway (5 above, 3 here) is not reported.
        let spared = doomed_unless_in_use(Some(&before), 6, 4, &sample());
        assert_eq!((&spared.delete[..], spared.notes()), (&[1, 2][..], vec![]));
        assert_eq!(
            doomed_unless_in_use(Some(&before), 6, 0, &sample()),
            Spared::default()
        );
    }
}
