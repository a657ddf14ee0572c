//! A layer name FC accepts: a letter, then letters, digits, `_` or `-`; at most 128 in all.

use std::fmt;

use super::limits::MAX_LAYER_NAME_CHARS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerName(String);

impl LayerName {
    /// The problem, in words that follow the input's name, when `name` is not valid.
    pub fn parse(name: &str) -> Result<Self, String> {
        let mut chars = name.chars();
        if !chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
        {
            return Err(format!("{name:?} must start with a letter"));
        }
        if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
            return Err(format!(
                "{name:?} may hold only letters, digits, `_` and `-`, not {bad:?}"
            ));
        }
        if name.len() > MAX_LAYER_NAME_CHARS {
            return Err(format!(
                "is {} characters long; the most is {MAX_LAYER_NAME_CHARS}",
                name.len()
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
