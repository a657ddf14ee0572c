//! The inputs as text, as GitHub hands them over: `INPUT_*` variables, before validation.

use std::collections::BTreeMap;

use super::error::InputError;
use crate::credentials::Secret;
use crate::interface::Input;

/// The inputs that are set and not blank, by [`Input`]. The secret ones are [`Secret`] from
/// the moment they are read, so that `Debug` shows every input and never a secret's value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawInputs {
    text: BTreeMap<Input, String>,
    secrets: BTreeMap<Input, Secret>,
}

impl RawInputs {
    /// Reads the `INPUT_*` variables out of `vars` (the process environment at the edge);
    /// variables that name no input are not read.
    ///
    /// GitHub names them `INPUT_LAYER-NAME`; tools that go through a shell use
    /// `INPUT_LAYER_NAME`. Both are accepted; both set to different values is an error, since
    /// either choice would silently ignore one of them.
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Self, InputError> {
        let mut seen: BTreeMap<Input, (String, String)> = BTreeMap::new();
        for (name, value) in vars {
            let Some(input) = name.strip_prefix("INPUT_").and_then(input_named) else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            if let Some((first_name, first_value)) = seen.get(&input) {
                if *first_value != value {
                    return Err(InputError::new(
                        input,
                        format!("set twice with different values, as {first_name} and {name}"),
                    ));
                }
                continue;
            }
            seen.insert(input, (name, value));
        }
        let mut raw = Self::default();
        for (input, (_, value)) in seen {
            if input.is_secret() {
                raw.secrets.insert(input, Secret::new(value));
            } else {
                raw.text.insert(input, value);
            }
        }
        Ok(raw)
    }

    /// A non-secret input's text; `None` when it is unset or blank.
    pub fn text(&self, input: Input) -> Option<&str> {
        self.text.get(&input).map(String::as_str)
    }

    /// A secret input ([`Input::is_secret`]); `None` when it is unset or blank.
    pub(crate) fn secret(&self, input: Input) -> Option<&Secret> {
        self.secrets.get(&input)
    }
}

/// The input a variable's name (less `INPUT_`) stands for, in either spelling and any case.
fn input_named(var: &str) -> Option<Input> {
    let wanted = var.replace('_', "-").to_ascii_lowercase();
    Input::ALL.into_iter().find(|input| input.name() == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_is_read_from_its_variable_and_only_secrets_are_secret() {
        let vars = Input::ALL.iter().map(|input| {
            (
                format!("INPUT_{}", input.name().to_ascii_uppercase()),
                format!("v-{input}"),
            )
        });
        let raw = RawInputs::from_vars(vars).expect("readable");
        for input in Input::ALL {
            let value = match input.is_secret() {
                true => raw.secret(input).map(Secret::expose),
                false => raw.text(input),
            };
            assert_eq!(value, Some(format!("v-{input}").as_str()), "{input}");
        }
        assert_eq!(raw.secrets.len(), 2);
        let debug = format!("{raw:?}");
        assert!(!debug.contains("v-access-key-secret"), "{debug}");
        assert!(!debug.contains("v-security-token"), "{debug}");
    }
}
