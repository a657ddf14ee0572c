//! What an alias needs so that a version gets `alias-weight` percent of its traffic, pure:
//! create it, update it, or leave it; and why, when the answer is not the obvious one.

use crate::fc::alias::Weights;
use crate::fc::{Alias, FunctionVersion};

/// All of an alias's traffic, in percent.
const FULL: u8 = 100;
/// How close a share FC reads back must be to the percent asked for to count as it: FC may
/// store it as a float of its own, and the inputs are whole percents.
const SHARE_TOLERANCE_PERCENT: f64 = 0.01;

/// A version that gets part of an alias's traffic, the main version the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Canary {
    pub(crate) version: FunctionVersion,
    /// 1 to 99.
    pub(crate) percent: u8,
}

/// Where an alias sends its traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Routing {
    pub(crate) main: FunctionVersion,
    pub(crate) canary: Option<Canary>,
}

impl Routing {
    /// `additionalVersionWeight` as CreateAlias and UpdateAlias take it; empty without a
    /// canary, which UpdateAlias sends as `{}` to clear one.
    pub(crate) fn weights(&self) -> Weights {
        self.canary
            .map(|canary| (canary.version, f64::from(canary.percent) / 100.0))
            .into_iter()
            .collect()
    }

    /// Whether `alias` already routes this way.
    /// Whether `alias` routes exactly so (shares compared to a hundredth of a percent).
    pub(crate) fn is(&self, alias: &Alias) -> bool {
        let wanted = self.weights();
        alias.version_id == self.main
            && alias.additional_version_weight.len() == wanted.len()
            && wanted.iter().all(|(version, share)| {
                alias
                    .additional_version_weight
                    .get(version)
                    .is_some_and(|theirs| (theirs - share).abs() * 100.0 < SHARE_TOLERANCE_PERCENT)
            })
    }
}

/// The call an alias needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AliasStep {
    Create(Routing),
    Update(Routing),
    Nothing,
}

/// The call, and what a reader of the log should know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AliasChange {
    pub(crate) step: AliasStep,
    pub(crate) note: Option<String>,
}

impl AliasChange {
    fn of(step: AliasStep) -> Self {
        Self { step, note: None }
    }

    fn noted(step: AliasStep, note: String) -> Self {
        Self {
            step,
            note: Some(note),
        }
    }
}

/// How `current` (`None`: the alias does not exist) changes so that `version` gets
/// `weight_percent` of its traffic. 100 makes it the main version and clears any canary;
/// 1 to 99 makes it the only canary beside the main version the alias has.
pub(crate) fn alias_change(
    current: Option<&Alias>,
    version: FunctionVersion,
    weight_percent: u8,
) -> AliasChange {
    let Some(current) = current else {
        let step = AliasStep::Create(Routing {
            main: version,
            canary: None,
        });
        if weight_percent >= FULL {
            return AliasChange::of(step);
        }
        return AliasChange::noted(
            step,
            format!(
                "the alias is new, so no earlier version is there to keep the other {}%: it is \
                 created on version {version} with all of its traffic",
                FULL - weight_percent.min(FULL)
            ),
        );
    };
    if weight_percent == 0 {
        return AliasChange::noted(
            AliasStep::Nothing,
            format!("a weight of 0% sends version {version} nothing: the alias is left as it is"),
        );
    }
    let wanted = if weight_percent >= FULL {
        Routing {
            main: version,
            canary: None,
        }
    } else if current.version_id == version {
        // FC refuses a canary that is the main version, and it already has the traffic the
        // canary would have had and more.
        return AliasChange::noted(
            AliasStep::Nothing,
            format!(
                "version {version} is already the alias's main version, which cannot also be its \
                 canary: the alias is left as it is"
            ),
        );
    } else {
        Routing {
            main: current.version_id,
            canary: Some(Canary {
                version,
                percent: weight_percent,
            }),
        }
    };
    if wanted.is(current) {
        return AliasChange::of(AliasStep::Nothing);
    }
    let replaced = replaced_canaries(current, &wanted);
    let step = AliasStep::Update(wanted);
    match replaced {
        Some(replaced) => AliasChange::noted(step, replaced),
        None => AliasChange::of(step),
    }
}

/// The canaries `wanted` drops from `current`, said as "the canary version 5 (10%) is
/// replaced" or "… cleared".
fn replaced_canaries(current: &Alias, wanted: &Routing) -> Option<String> {
    let dropped: Vec<String> = current
        .additional_version_weight
        .iter()
        .filter(|(version, _)| {
            wanted
                .canary
                .is_none_or(|canary| canary.version != **version)
        })
        .map(|(version, share)| format!("version {version} ({}%)", percent(*share)))
        .collect();
    if dropped.is_empty() {
        return None;
    }
    let verb = if wanted.canary.is_some() {
        "replaced"
    } else {
        "cleared"
    };
    Some(format!("the canary {} is {verb}", dropped.join(", ")))
}

/// A share as a percent with at most two decimals: 0.1 × 100 is 10.000000000000002 in floats.
fn percent(share: f64) -> f64 {
    (share * 10_000.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(number: u64) -> FunctionVersion {
        FunctionVersion::new(number).expect("positive")
    }

    fn alias(main: u64, canary: &[(u64, f64)]) -> Alias {
        Alias {
            alias_name: "prod".into(),
            version_id: v(main),
            additional_version_weight: canary.iter().map(|(n, s)| (v(*n), *s)).collect(),
            description: None,
        }
    }

    fn routing(main: u64, canary: Option<(u64, u8)>) -> Routing {
        Routing {
            main: v(main),
            canary: canary.map(|(version, percent)| Canary {
                version: v(version),
                percent,
            }),
        }
    }

    #[test]
    fn full_weight_makes_the_version_main_and_clears_the_canary() {
        let change = alias_change(Some(&alias(3, &[])), v(4), 100);
        assert_eq!(change, AliasChange::of(AliasStep::Update(routing(4, None))));
        let change = alias_change(Some(&alias(3, &[(4, 0.1)])), v(4), 100);
        assert_eq!(change.step, AliasStep::Update(routing(4, None)));
        assert_eq!(
            change.note.as_deref(),
            Some("the canary version 4 (10%) is cleared")
        );
        assert_eq!(
            alias_change(Some(&alias(4, &[])), v(4), 100),
            AliasChange::of(AliasStep::Nothing)
        );
        // On the version but with a canary beside it: the canary goes.
        let change = alias_change(Some(&alias(4, &[(2, 0.5)])), v(4), 100);
        assert_eq!(change.step, AliasStep::Update(routing(4, None)));
    }

    #[test]
    fn a_partial_weight_keeps_the_main_version_and_replaces_any_canary() {
        let change = alias_change(Some(&alias(3, &[])), v(5), 10);
        assert_eq!(
            change,
            AliasChange::of(AliasStep::Update(routing(3, Some((5, 10)))))
        );
        let change = alias_change(Some(&alias(3, &[(4, 0.2)])), v(5), 10);
        assert_eq!(change.step, AliasStep::Update(routing(3, Some((5, 10)))));
        assert_eq!(
            change.note.as_deref(),
            Some("the canary version 4 (20%) is replaced")
        );
        // Another share for the same canary is an update, with nothing dropped.
        let change = alias_change(Some(&alias(3, &[(5, 0.2)])), v(5), 10);
        assert_eq!(
            change,
            AliasChange::of(AliasStep::Update(routing(3, Some((5, 10)))))
        );
    }

    #[test]
    fn the_wanted_state_needs_nothing_even_with_float_noise() {
        let stored = f64::from(0.05_f32);
        assert_ne!(stored, 0.05);
        assert_eq!(
            alias_change(Some(&alias(3, &[(5, stored)])), v(5), 5),
            AliasChange::of(AliasStep::Nothing)
        );
        assert_eq!(
            alias_change(Some(&alias(3, &[(5, 0.055)])), v(5), 5).step,
            AliasStep::Update(routing(3, Some((5, 5))))
        );
    }

    #[test]
    fn a_canary_on_the_main_version_is_nothing_with_a_note() {
        let change = alias_change(Some(&alias(5, &[(4, 0.3)])), v(5), 10);
        assert_eq!(change.step, AliasStep::Nothing);
        assert!(
            change
                .note
                .as_deref()
                .is_some_and(|note| note.contains("already the alias's main version")),
            "{change:?}"
        );
    }

    #[test]
    fn a_missing_alias_is_created_on_the_version_saying_when_it_cannot_share() {
        assert_eq!(
            alias_change(None, v(1), 100),
            AliasChange::of(AliasStep::Create(routing(1, None)))
        );
        let change = alias_change(None, v(1), 25);
        assert_eq!(change.step, AliasStep::Create(routing(1, None)));
        assert!(
            change
                .note
                .as_deref()
                .is_some_and(|note| note.contains("the other 75%")),
            "{change:?}"
        );
    }

    #[test]
    fn weights_are_shares_of_one() {
        assert_eq!(routing(3, None).weights(), Weights::new());
        assert_eq!(
            routing(3, Some((5, 5))).weights(),
            Weights::from([(v(5), 0.05)])
        );
        assert_eq!(
            alias_change(Some(&alias(3, &[])), v(5), 0).step,
            AliasStep::Nothing
        );
    }
}
