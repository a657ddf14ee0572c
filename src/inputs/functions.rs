//! The rollout's inputs: `functions` (names checked as FC checks them) and
//! `function-update-timeout`.

use std::time::Duration;

use super::error::InputError;
use super::raw::RawInputs;
use crate::fc::FunctionName;
use crate::interface::Input;

/// The most functions one step rolls out to.
pub const MAX_FUNCTIONS: usize = 50;
/// How long a function's update may stay `InProgress` unless told otherwise.
pub const DEFAULT_UPDATE_TIMEOUT: Duration = Duration::from_secs(300);
/// A job runs at most six hours; a longer wait is a typo.
const MAX_UPDATE_TIMEOUT_SECS: u64 = 6 * 60 * 60;

/// The functions to move to the version, and how long each update may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollout {
    /// In input order, each once; empty when there is no rollout.
    pub functions: Vec<FunctionName>,
    pub update_timeout: Duration,
}

impl Default for Rollout {
    fn default() -> Self {
        Self {
            functions: Vec::new(),
            update_timeout: DEFAULT_UPDATE_TIMEOUT,
        }
    }
}

pub fn parse(raw: &RawInputs, errors: &mut Vec<InputError>) -> Rollout {
    let mut rollout = Rollout::default();
    if let Some(text) = raw.text(Input::Functions) {
        let mut names: Vec<&str> = Vec::new();
        for name in text.split(|c: char| c == ',' || c.is_whitespace()) {
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
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
        for name in names {
            match FunctionName::parse(name) {
                Ok(name) => rollout.functions.push(name),
                Err(problem) => errors.push(InputError::new(Input::Functions, problem.to_string())),
            }
        }
    }
    if let Some(text) = raw.text(Input::FunctionUpdateTimeout) {
        match text.trim().parse::<u64>() {
            Ok(seconds) if (1..=MAX_UPDATE_TIMEOUT_SECS).contains(&seconds) => {
                rollout.update_timeout = Duration::from_secs(seconds);
            }
            _ => errors.push(InputError::new(
                Input::FunctionUpdateTimeout,
                format!(
                    "{text:?} is not a whole number of seconds from 1 to {MAX_UPDATE_TIMEOUT_SECS}"
                ),
            )),
        }
    }
    rollout
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
        let names: Vec<&str> = rollout.functions.iter().map(FunctionName::as_str).collect();
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
}
