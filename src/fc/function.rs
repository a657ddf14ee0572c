//! FC 3.0's function calls the rollout needs, as data: the function names FC accepts,
//! GetFunction and UpdateFunction as [`ApiRequest`]s, and the part of a `Function` reply
//! that is read (its layers and the state of its last update).

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::request::{API_VERSION, ApiRequest};
use crate::encode;

/// FC's limit on a function name's length.
const MAX_FUNCTION_NAME_CHARS: usize = 64;
/// The most layers FC lets one function use.
pub const MAX_LAYERS_PER_FUNCTION: usize = 5;

/// A function name FC accepts: 1 to 64 letters, digits, `_` or `-`, not starting with a
/// digit or `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionName(String);

/// Why a name is not valid, in words that follow the input's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FunctionNameError {
    #[error("{name:?} must start with a letter or `_`")]
    First { name: String },
    #[error("{name:?} may hold only letters, digits, `_` and `-`, not {bad:?}")]
    Character { name: String, bad: char },
    #[error("{name:?} is {length} characters long; the most is {MAX_FUNCTION_NAME_CHARS}")]
    Length { name: String, length: usize },
}

impl FunctionName {
    pub fn parse(name: &str) -> Result<Self, FunctionNameError> {
        let owned = || name.to_owned();
        if !name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        {
            return Err(FunctionNameError::First { name: owned() });
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(FunctionNameError::Character { name: owned(), bad });
        }
        if name.len() > MAX_FUNCTION_NAME_CHARS {
            return Err(FunctionNameError::Length {
                name: owned(),
                length: name.len(),
            });
        }
        Ok(Self(name.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One of a function's layers as GetFunction lists it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) struct FunctionLayer {
    arn: String,
    #[serde(default)]
    size: Option<i64>,
}

/// Where a function's last change stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UpdateStatus {
    Successful,
    Failed,
    InProgress,
}

/// The part of GetFunction's `Function` the rollout reads; every other field is left alone.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Function {
    #[serde(default)]
    function_name: Option<String>,
    /// FC leaves the field out for a function without layers.
    #[serde(default)]
    layers: Option<Vec<FunctionLayer>>,
    #[serde(default)]
    last_update_status: Option<String>,
    #[serde(default)]
    pub(crate) last_update_status_reason: Option<String>,
}

/// The ARNs of `layers`, in the function's order; none when the reply left them out.
pub(crate) fn arns_of(layers: Option<&[FunctionLayer]>) -> Vec<String> {
    layers
        .into_iter()
        .flatten()
        .map(|layer| layer.arn.clone())
        .collect()
}

impl Function {
    /// The layers' ARNs, in the function's order.
    pub(crate) fn layer_arns(&self) -> Vec<String> {
        arns_of(self.layers.as_deref())
    }

    /// `lastUpdateStatus`; a function never updated has none, which counts as done.
    pub(crate) fn update_status(&self) -> Result<UpdateStatus, String> {
        match self.last_update_status.as_deref() {
            None | Some("") | Some("Successful") => Ok(UpdateStatus::Successful),
            Some("Failed") => Ok(UpdateStatus::Failed),
            Some("InProgress") => Ok(UpdateStatus::InProgress),
            Some(other) => Err(format!(
                "lastUpdateStatus is {other:?}, not Successful, Failed or InProgress"
            )),
        }
    }
}

/// UpdateFunction's body as the rollout sends it: the layers and nothing else, so that no
/// other setting of the function is touched.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
struct UpdateLayersInput<'a> {
    layers: &'a [String],
}

impl ApiRequest {
    /// `GET /2023-03-30/functions/{functionName}`.
    pub(crate) fn get_function(name: &FunctionName) -> Self {
        Self {
            action: "GetFunction",
            version: API_VERSION,
            method: "GET",
            path: encode::path([API_VERSION, "functions", name.as_str()]),
            query: Vec::new(),
            body: None,
        }
    }

    /// `PUT /2023-03-30/functions/{functionName}` with `{"layers": [...]}` only.
    pub fn update_function_layers(
        name: &FunctionName,
        layers: &[String],
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            action: "UpdateFunction",
            version: API_VERSION,
            method: "PUT",
            path: encode::path([API_VERSION, "functions", name.as_str()]),
            query: Vec::new(),
            body: Some(Bytes::from(serde_json::to_vec(&UpdateLayersInput {
                layers,
            })?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_follow_fc_rules() {
        for good in ["a", "_private", "my-func_2", &"f".repeat(64)] {
            assert!(FunctionName::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "-abc", "a.b", "a b", "ü", &"f".repeat(65)] {
            assert!(FunctionName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_update_body_holds_the_layers_only() {
        let name = FunctionName::parse("fn").expect("valid");
        let request =
            ApiRequest::update_function_layers(&name, &["acs:fc:r:1:layers/a/versions/2".into()])
                .expect("serialises");
        assert_eq!(request.path, "/2023-03-30/functions/fn");
        assert_eq!(
            request.body.as_deref(),
            Some(&br#"{"layers":["acs:fc:r:1:layers/a/versions/2"]}"#[..])
        );
    }

    #[test]
    fn statuses_are_read_strictly() {
        let with = |status: &str| Function {
            last_update_status: Some(status.to_owned()),
            ..Function::default()
        };
        assert_eq!(
            with("InProgress").update_status(),
            Ok(UpdateStatus::InProgress)
        );
        assert_eq!(with("Failed").update_status(), Ok(UpdateStatus::Failed));
        assert!(with("Pending").update_status().is_err());
    }
}
