//! The rollout's inputs: `functions` (names checked as FC checks them, or `*`),
//! `function-update-timeout`, and the alias moved on each function (`alias`,
//! `alias-weight`, read in `alias.rs`).

use std::time::Duration;

use super::alias;
use super::error::InputError;
use super::raw::RawInputs;
use crate::fc::{AliasName, FunctionName};
use crate::interface::Input;

/// The most functions one step rolls out to.
pub(crate) const MAX_FUNCTIONS: usize = 50;
/// How long a function's update may stay `InProgress` unless told otherwise.
const DEFAULT_UPDATE_TIMEOUT: Duration = Duration::from_secs(300);
/// A job runs at most six hours; a longer wait is a typo.
const MAX_UPDATE_TIMEOUT_SECS: u64 = 6 * 60 * 60;
/// `functions: '*'`.
const ALL_USING_THE_LAYER: &str = "*";

/// Which functions the rollout moves to the version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Functions {
    /// No rollout.
    #[default]
    None,
    /// In input order, each once, never empty.
    Named(Vec<FunctionName>),
    /// `*`: every function of the region whose LATEST uses a version of this layer, found by
    /// listing them; none may be named beside it.
    AllUsingTheLayer,
}

impl Functions {
    /// The functions named; empty for `None` and for `*`, whose functions are only known once
    /// the region's are listed.
    pub fn named(&self) -> &[FunctionName] {
        match self {
            Functions::Named(names) => names,
            Functions::None | Functions::AllUsingTheLayer => &[],
        }
    }

    /// Whether there is no rollout at all.
    pub fn is_empty(&self) -> bool {
        matches!(self, Functions::None)
    }
}

/// The functions to move to the version, how long each update may take, and the alias
/// moved on each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollout {
    pub functions: Functions,
    pub(crate) update_timeout: Duration,
    /// `alias`: set only with `functions`.
    pub alias: Option<AliasName>,
    /// `alias-weight`: the percent of the alias's traffic for the new version, 1 to 100.
    pub alias_weight: u8,
}

impl Default for Rollout {
    fn default() -> Self {
        Self {
            functions: Functions::None,
            update_timeout: DEFAULT_UPDATE_TIMEOUT,
            alias: None,
            alias_weight: alias::FULL_WEIGHT,
        }
    }
}

pub(super) fn parse(raw: &RawInputs, errors: &mut Vec<InputError>) -> Rollout {
    let functions = raw
        .text(Input::Functions)
        .map_or(Functions::None, |text| parse_functions(text, errors));
    let mut update_timeout = DEFAULT_UPDATE_TIMEOUT;
    if let Some(text) = raw.text(Input::FunctionUpdateTimeout) {
        match text.trim().parse::<u64>() {
            Ok(seconds) if (1..=MAX_UPDATE_TIMEOUT_SECS).contains(&seconds) => {
                update_timeout = Duration::from_secs(seconds);
            }
            _ => errors.push(InputError::new(
                Input::FunctionUpdateTimeout,
                format!(
                    "{text:?} is not a whole number of seconds from 1 to {MAX_UPDATE_TIMEOUT_SECS}"
                ),
            )),
        }
    }
    // `functions` given but invalid still counts as given: the alias is not blamed for it.
    let alias = alias::parse(raw, raw.text(Input::Functions).is_some(), errors);
    Rollout {
        functions,
        update_timeout,
        alias: alias.alias,
        alias_weight: alias.weight,
    }
}

fn parse_functions(text: &str, errors: &mut Vec<InputError>) -> Functions {
    let mut names: Vec<&str> = Vec::new();
    for name in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    if names.contains(&ALL_USING_THE_LAYER) {
        if names.len() > 1 {
            let others: Vec<&str> = names
                .into_iter()
                .filter(|name| *name != ALL_USING_THE_LAYER)
                .collect();
            errors.push(InputError::new(
                Input::Functions,
                format!(
                    "`*` already means every function using the layer; it cannot be mixed with names ({})",
                    others.join(", ")
                ),
            ));
            return Functions::None;
        }
        return Functions::AllUsingTheLayer;
    }
    if names.len() > MAX_FUNCTIONS {
        errors.push(InputError::new(
            Input::Functions,
            format!(
                "names {} functions; the most is {MAX_FUNCTIONS}",
                names.len()
            ),
        ));
    }
    let mut functions = Vec::with_capacity(names.len());
    for name in names {
        match FunctionName::parse(name) {
            Ok(name) => functions.push(name),
            Err(problem) => errors.push(InputError::new(Input::Functions, problem.to_string())),
        }
    }
    if functions.is_empty() {
        return Functions::None;
    }
    Functions::Named(functions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(vars: &[(&str, &str)]) -> (Rollout, Vec<InputError>) {
        let raw = RawInputs::from_vars(
            vars.iter()
                .map(|(name, value)| (name.to_string(), value.to_string())),
        )
        .expect("raw");
        let mut errors = Vec::new();
        (parse(&raw, &mut errors), errors)
    }

    #[test]
    fn names_split_on_commas_spaces_and_lines_each_kept_once_in_order() {
        let (rollout, errors) = parsed(&[("INPUT_FUNCTIONS", "b, a\n  c,b\r\n")]);
        assert_eq!(errors, []);
        let names: Vec<&str> = rollout
            .functions
            .named()
            .iter()
            .map(FunctionName::as_str)
            .collect();
        assert_eq!(names, ["b", "a", "c"]);
        assert_eq!(rollout.update_timeout, DEFAULT_UPDATE_TIMEOUT);
    }

    #[test]
    fn the_timeout_is_a_positive_whole_number_of_seconds() {
        let (rollout, errors) = parsed(&[("INPUT_FUNCTION-UPDATE-TIMEOUT", " 45 ")]);
        assert_eq!(
            (rollout.update_timeout, errors),
            (Duration::from_secs(45), vec![])
        );
        for bad in ["0", "-1", "1.5", "5m", "99999999"] {
            let (_, errors) = parsed(&[("INPUT_FUNCTION-UPDATE-TIMEOUT", bad)]);
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].input, Input::FunctionUpdateTimeout);
        }
    }

    #[test]
    fn fifty_names_are_fine_and_fifty_one_are_not() {
        let names = |count: usize| {
            (0..count)
                .map(|n| format!("f{n}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(parsed(&[("INPUT_FUNCTIONS", &names(50))]).1, []);
        let (_, errors) = parsed(&[("INPUT_FUNCTIONS", &names(51))]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .starts_with("input `functions`: names 51")
        );
    }

    fn inputs_at_fault(vars: &[(&str, &str)]) -> Vec<Input> {
        parsed(vars).1.iter().map(|error| error.input).collect()
    }

    #[test]
    fn a_star_alone_means_every_function_using_the_layer() {
        for text in ["*", " * ", "*,*\n"] {
            let (rollout, errors) = parsed(&[("INPUT_FUNCTIONS", text)]);
            assert_eq!(
                (rollout.functions, errors),
                (Functions::AllUsingTheLayer, vec![]),
                "{text:?}"
            );
        }
        let (rollout, errors) = parsed(&[("INPUT_FUNCTIONS", "api, *")]);
        assert_eq!(rollout.functions, Functions::None);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].input, Input::Functions);
        assert!(
            errors[0].problem.contains("mixed with names (api)"),
            "{}",
            errors[0]
        );
        assert_eq!(
            inputs_at_fault(&[("INPUT_FUNCTIONS", "*api")]),
            [Input::Functions]
        );
    }

    #[test]
    fn an_alias_is_checked_and_needs_functions() {
        let (rollout, errors) = parsed(&[("INPUT_FUNCTIONS", "api"), ("INPUT_ALIAS", " prod ")]);
        assert_eq!(errors, []);
        assert_eq!(rollout.alias.as_ref().map(AliasName::as_str), Some("prod"));
        assert_eq!(rollout.alias_weight, 100);
        let (rollout, errors) = parsed(&[("INPUT_FUNCTIONS", "*"), ("INPUT_ALIAS", "prod")]);
        assert_eq!(
            (rollout.functions, errors),
            (Functions::AllUsingTheLayer, vec![])
        );
        for bad in ["LATEST", "1st", "-x", "a.b", &"a".repeat(129)] {
            let vars = [("INPUT_FUNCTIONS", "api"), ("INPUT_ALIAS", bad)];
            assert_eq!(inputs_at_fault(&vars), [Input::Alias], "{bad:?}");
        }
        let (_, errors) = parsed(&[("INPUT_ALIAS", "prod")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].input, Input::Alias);
        assert!(errors[0].problem.starts_with("needs `functions`"));
    }

    #[test]
    fn the_weight_is_a_whole_percent_from_1_to_100_for_an_alias() {
        let with = |weight: &str| {
            parsed(&[
                ("INPUT_FUNCTIONS", "api"),
                ("INPUT_ALIAS", "prod"),
                ("INPUT_ALIAS-WEIGHT", weight),
            ])
        };
        for (text, weight) in [("1", 1), (" 25 ", 25), ("100", 100)] {
            let (rollout, errors) = with(text);
            assert_eq!((rollout.alias_weight, errors), (weight, vec![]), "{text:?}");
        }
        for bad in ["0", "101", "abc", "-5", "12.5", "10%", "256"] {
            let (_, errors) = with(bad);
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert_eq!(errors[0].input, Input::AliasWeight, "{bad:?}");
        }
        // GitHub passes the default, 100, when the input is not given: not an error.
        assert_eq!(parsed(&[("INPUT_ALIAS-WEIGHT", "100")]).1, []);
        assert_eq!(
            inputs_at_fault(&[("INPUT_ALIAS-WEIGHT", "10")]),
            [Input::AliasWeight]
        );
    }
}
