//! A layer name FC accepts: a letter, then letters, digits, `_` or `-`; at most 128 in all.

use std::fmt;

use super::limits::MAX_LAYER_NAME_CHARS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerName(String);

/// Why a name is not valid, in words that follow the input's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayerNameError {
    #[error("{name:?} must start with a letter")]
    First { name: String },
    #[error("{name:?} may hold only letters, digits, `_` and `-`, not {bad:?}")]
    Character { name: String, bad: char },
    #[error("is {length} characters long; the most is {MAX_LAYER_NAME_CHARS}")]
    Length { length: usize },
}

impl LayerName {
    pub fn parse(name: &str) -> Result<Self, LayerNameError> {
        let mut chars = name.chars();
        if !chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic())
        {
            return Err(LayerNameError::First {
                name: name.to_owned(),
            });
        }
        if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
            return Err(LayerNameError::Character {
                name: name.to_owned(),
                bad,
            });
        }
        if name.len() > MAX_LAYER_NAME_CHARS {
            return Err(LayerNameError::Length { length: name.len() });
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
