//! A problem with one input, and the two ways the parsers record one: a required input
//! missing, and a value its type refused.

use std::fmt::Display;

use crate::interface::Input;

/// A problem with one input, which a user fixes under `with:`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("input `{input}`: {problem}")]
pub struct InputError {
    pub input: Input,
    pub problem: String,
}

impl InputError {
    pub(super) fn new(input: Input, problem: impl Into<String>) -> Self {
        Self {
            input,
            problem: problem.into(),
        }
    }
}

/// `value`, or `None` with "is required" recorded against `input`.
pub(super) fn required<'a>(
    input: Input,
    value: Option<&'a str>,
    errors: &mut Vec<InputError>,
) -> Option<&'a str> {
    if value.is_none() {
        errors.push(InputError::new(input, "is required"));
    }
    value
}

/// The value, or `None` with the problem recorded against `input`.
pub(super) fn check<T, E: Display>(
    input: Input,
    result: Result<T, E>,
    errors: &mut Vec<InputError>,
) -> Option<T> {
    result
        .map_err(|problem| errors.push(InputError::new(input, problem.to_string())))
        .ok()
}
