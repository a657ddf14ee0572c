//! Which function version an alias should point at, pure: one it already routes to whose
//! layers are the wanted list, or a new one; after a publish whose reply was lost, which new
//! version is this run's; and which functions `functions: '*'` takes.

use std::fmt;

use crate::fc::{Alias, FunctionVersion};
use crate::rollout::LayerFamily;

/// The part a version plays in an alias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Main,
    Canary,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Main => "main",
            Role::Canary => "canary",
        })
    }
}

/// Publish a new version of the function, or point the alias at one it already routes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VersionChoice {
    /// `version` already has exactly the wanted layers: a new version would be a copy.
    Reuse {
        version: FunctionVersion,
        role: Role,
    },
    /// `reason` says why none will do, for the log.
    Publish { reason: String },
}

/// The alias's main version, then its canary, whose layers equal `wanted` exactly (order
/// matters: FC stacks layers in list order, so another order is another function). A
/// version whose layers `layers_of` does not know is not reused: it was not read.
pub(crate) fn choose_version<'a>(
    alias: Option<&Alias>,
    layers_of: impl Fn(FunctionVersion) -> Option<&'a [String]>,
    wanted: &[String],
) -> VersionChoice {
    let Some(alias) = alias else {
        return VersionChoice::Publish {
            reason: "the alias does not exist yet".to_owned(),
        };
    };
    let candidates = std::iter::once((alias.version_id, Role::Main)).chain(
        alias
            .additional_version_weight
            .keys()
            .map(|version| (*version, Role::Canary)),
    );
    let mut why_not = Vec::new();
    for (version, role) in candidates {
        match layers_of(version) {
            Some(layers) if layers == wanted => return VersionChoice::Reuse { version, role },
            Some(_) => why_not.push(format!("version {version} ({role}) has other layers")),
            None => why_not.push(format!(
                "the layers of version {version} ({role}) are unknown"
            )),
        }
    }
    VersionChoice::Publish {
        reason: why_not.join("; "),
    }
}

/// After a PublishFunctionVersion whose outcome is unknown: the version this run made, if
/// it made one. It is newer than every version listed before the publish
/// (`highest_before`; `None` when the function had none) and has the wanted layers. Two
/// such versions mean another run published the same layers meanwhile; which is whose
/// cannot be told, so one is taken, the newest, as `lifecycle::adoptable` does, and never
/// both. A caller that could not list the versions before cannot tell new from old, and
/// must not call this.
pub(crate) fn adoptable(
    versions_after: &[(FunctionVersion, Vec<String>)],
    highest_before: Option<FunctionVersion>,
    wanted: &[String],
) -> Option<FunctionVersion> {
    versions_after
        .iter()
        .filter(|(version, layers)| Some(*version) > highest_before && layers == wanted)
        .map(|(version, _)| *version)
        .max()
}

/// Whether a function with these layers uses a version of the layer: `functions: '*'`
/// takes it. Another account's layer of the same name is not of the family.
pub(crate) fn uses_layer(function_layers: &[String], family: &LayerFamily) -> bool {
    function_layers.iter().any(|arn| family.contains(arn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn v(number: u64) -> FunctionVersion {
        FunctionVersion::new(number).expect("positive")
    }

    fn layers(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    fn alias(main: u64, canary: Option<u64>) -> Alias {
        Alias {
            alias_name: "prod".into(),
            version_id: v(main),
            additional_version_weight: canary.map(|c| (v(c), 0.1)).into_iter().collect(),
            description: None,
        }
    }

    fn known(versions: &[(u64, Vec<String>)]) -> BTreeMap<FunctionVersion, Vec<String>> {
        versions.iter().map(|(n, l)| (v(*n), l.clone())).collect()
    }

    #[test]
    fn the_main_or_the_canary_with_exactly_the_wanted_layers_is_reused() {
        let wanted = layers(&["a/1", "ours/7"]);
        let table = known(&[
            (3, layers(&["a/1", "ours/6"])),
            (4, wanted.clone()),
            (5, layers(&["ours/7", "a/1"])),
        ]);
        let of = |version| table.get(&version).map(Vec::as_slice);
        assert_eq!(
            choose_version(Some(&alias(4, Some(3))), of, &wanted),
            VersionChoice::Reuse {
                version: v(4),
                role: Role::Main
            }
        );
        assert_eq!(
            choose_version(Some(&alias(3, Some(4))), of, &wanted),
            VersionChoice::Reuse {
                version: v(4),
                role: Role::Canary
            }
        );
        // Same layers in another order are another function.
        assert_eq!(
            choose_version(Some(&alias(5, None)), of, &wanted),
            VersionChoice::Publish {
                reason: "version 5 (main) has other layers".into()
            }
        );
        assert_eq!(
            choose_version(Some(&alias(3, Some(9))), of, &wanted),
            VersionChoice::Publish {
                reason: "version 3 (main) has other layers; the layers of version 9 (canary) are unknown".into()
            }
        );
        assert_eq!(
            choose_version(None, of, &wanted),
            VersionChoice::Publish {
                reason: "the alias does not exist yet".into()
            }
        );
    }

    #[test]
    fn only_a_version_newer_than_all_before_with_the_wanted_layers_is_adopted() {
        let wanted = layers(&["ours/7"]);
        let after = [
            (v(4), wanted.clone()),
            (v(5), layers(&["ours/6"])),
            (v(6), wanted.clone()),
            (v(7), wanted.clone()),
        ];
        assert_eq!(adoptable(&after, Some(v(5)), &wanted), Some(v(7)));
        assert_eq!(adoptable(&after, Some(v(6)), &wanted), Some(v(7)));
        assert_eq!(adoptable(&after, Some(v(7)), &wanted), None);
        assert_eq!(adoptable(&after[..2], Some(v(4)), &wanted), None);
        assert_eq!(adoptable(&after[..1], None, &wanted), Some(v(4)));
        assert_eq!(adoptable(&[], None, &wanted), None);
    }

    #[test]
    fn a_function_uses_the_layer_through_any_version_of_its_family_only() {
        let family =
            LayerFamily::of("acs:fc:cn-hangzhou:111:layers/deps/versions/3").expect("an ARN");
        assert!(uses_layer(
            &layers(&[
                "x:layers/a/versions/1",
                "acs:fc:cn-hangzhou:111:layers/deps/versions/1"
            ]),
            &family
        ));
        assert!(!uses_layer(
            &layers(&["acs:fc:cn-hangzhou:222:layers/deps/versions/3"]),
            &family
        ));
        assert!(!uses_layer(&[], &family));
    }
}
