//! The inputs that decide what goes into a zip made here and how it is checked: `exclude`,
//! `python-bytecode` and `check`, with the runtimes the checks hold the layer to.

use super::code::Code;
use super::error::InputError;
use super::raw::RawInputs;
use crate::interface::Input;
use crate::package::platform::Target;
use crate::package::select::{Bytecode, Exclude, Selection};
use crate::package::{CheckLevel, Options};

/// Reads the three inputs; `code` is the parsed `code` input, which `exclude` needs to be
/// a directory.
pub(crate) fn parse(
    raw: &RawInputs,
    code: Option<&Code>,
    runtimes: &[String],
    errors: &mut Vec<InputError>,
) -> Options {
    let exclude = raw
        .text(Input::Exclude)
        .and_then(|text| match Exclude::parse(text) {
            Ok(exclude) => Some(exclude),
            Err(error) => {
                errors.push(InputError::new(Input::Exclude, error.to_string()));
                None
            }
        })
        .unwrap_or_default();
    if !exclude.is_empty() {
        let not_a_directory = match code {
            Some(Code::Object { object, .. }) => Some(format!("`code: {object}` is in OSS")),
            Some(Code::Path(path))
                if path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("zip")) =>
            {
                Some(format!("`code: {}` is a zip already", path.display()))
            }
            _ => None,
        };
        if let Some(why) = not_a_directory {
            errors.push(InputError::new(
                Input::Exclude,
                format!("applies only to a directory that is zipped here, and {why}"),
            ));
        }
    }
    let bytecode = match raw.text(Input::PythonBytecode) {
        None => Bytecode::default(),
        Some(text) => Bytecode::parse(text).unwrap_or_else(|| {
            errors.push(InputError::new(
                Input::PythonBytecode,
                format!("{text:?} is not `portable`, `all` or `none`"),
            ));
            Bytecode::default()
        }),
    };
    let check = match raw.text(Input::Check) {
        None => CheckLevel::default(),
        Some(text) => CheckLevel::parse(text).unwrap_or_else(|| {
            errors.push(InputError::new(
                Input::Check,
                format!("{text:?} is not `error`, `warn` or `off`"),
            ));
            CheckLevel::default()
        }),
    };
    Options {
        selection: Selection { exclude, bytecode },
        check,
        target: Target::new(runtimes),
    }
}
