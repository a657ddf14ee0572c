//! `alias` and `alias-weight`: which alias of each function in `functions` moves to the new
//! version, and with how much of its traffic.

use super::error::InputError;
use super::raw::RawInputs;
use crate::fc::AliasName;
use crate::interface::Input;

/// All of the alias's traffic: the new version becomes its main version.
pub(crate) const FULL_WEIGHT: u8 = 100;

/// `alias` and `alias-weight`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct AliasInputs {
    pub(super) alias: Option<AliasName>,
    /// 1 to 100.
    pub(super) weight: u8,
}

/// Reads both inputs; `has_functions` is whether `functions` names any (or `*`), since an
/// alias is moved on those functions and on no others.
pub(super) fn parse(
    raw: &RawInputs,
    has_functions: bool,
    errors: &mut Vec<InputError>,
) -> AliasInputs {
    let alias = raw
        .text(Input::Alias)
        .and_then(|text| match AliasName::parse(text.trim()) {
            Ok(alias) => Some(alias),
            Err(problem) => {
                errors.push(InputError::new(Input::Alias, problem.to_string()));
                None
            }
        });
    if raw.text(Input::Alias).is_some() && !has_functions {
        errors.push(InputError::new(
            Input::Alias,
            "needs `functions`: the alias is moved on the functions it names",
        ));
    }
    let weight = match raw.text(Input::AliasWeight) {
        None => FULL_WEIGHT,
        Some(text) => match text.trim().parse::<u8>() {
            Ok(weight) if (1..=FULL_WEIGHT).contains(&weight) => weight,
            _ => {
                errors.push(InputError::new(
                    Input::AliasWeight,
                    format!("{text:?} is not a whole number of percent from 1 to {FULL_WEIGHT}"),
                ));
                FULL_WEIGHT
            }
        },
    };
    // A canary weight with no alias to put it on would be dropped without a word, and the
    // functions' LATEST moved outright: the opposite of what a canary asks for.
    if weight != FULL_WEIGHT && raw.text(Input::Alias).is_none() {
        errors.push(InputError::new(
            Input::AliasWeight,
            "is the share of `alias`'s traffic, and `alias` is not set",
        ));
    }
    AliasInputs { alias, weight }
}
