//! A function's aliases on the wire: the [`AliasName`]s FC accepts, GetAlias, CreateAlias and
//! UpdateAlias as [`ApiRequest`]s, and the [`Alias`] they answer with, read strictly on the
//! fields a plan reads.

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize};

use super::function::FunctionName;
use super::request::{API_VERSION, ApiRequest};
use super::versions::FunctionVersion;
use crate::encode;

/// FC's limit on an alias name's length.
const MAX_ALIAS_NAME_CHARS: usize = 128;
/// The name FC keeps for the function's unpublished configuration.
pub(crate) const LATEST: &str = "LATEST";

/// An alias name FC accepts: 1 to 128 letters, digits, `_` or `-`, not starting with a digit
/// or `-`, and not `LATEST`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AliasName(String);

/// Why a name is not valid, in words that follow the input's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AliasNameError {
    #[error("{name:?} must start with a letter or `_`")]
    First { name: String },
    #[error("{name:?} may hold only letters, digits, `_` and `-`, not {bad:?}")]
    Character { name: String, bad: char },
    #[error("{name:?} is {length} characters long; the most is {MAX_ALIAS_NAME_CHARS}")]
    Length { name: String, length: usize },
    #[error("`LATEST` is FC's name for the unpublished configuration, not an alias")]
    Latest,
}

impl AliasName {
    pub(crate) fn parse(name: &str) -> Result<Self, AliasNameError> {
        let owned = || name.to_owned();
        if name == LATEST {
            return Err(AliasNameError::Latest);
        }
        if !name
            .chars()
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        {
            return Err(AliasNameError::First { name: owned() });
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(AliasNameError::Character { name: owned(), bad });
        }
        if name.len() > MAX_ALIAS_NAME_CHARS {
            return Err(AliasNameError::Length {
                name: owned(),
                length: name.len(),
            });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AliasName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The share of an alias's traffic each extra version gets, between 0 and 1 exclusive; the
/// main version gets the rest.
pub(crate) type Weights = BTreeMap<FunctionVersion, f64>;

/// An alias as GetAlias, CreateAlias and UpdateAlias describe it; other fields are left alone.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Alias {
    pub(crate) alias_name: String,
    /// The main version.
    pub(crate) version_id: FunctionVersion,
    /// The canary, if any (FC's documentation says at most one); `null`, absent and `{}` all
    /// mean none.
    #[serde(default, deserialize_with = "shares")]
    pub(crate) additional_version_weight: Weights,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

/// `additionalVersionWeight`, each share strictly between 0 and 1: anything else is not a
/// canary this action can reason about, and is refused rather than guessed at.
fn shares<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Weights, D::Error> {
    let weights = Option::<Weights>::deserialize(deserializer)?.unwrap_or_default();
    if let Some((version, share)) = weights
        .iter()
        .find(|(_, share)| !(**share > 0.0 && **share < 1.0))
    {
        return Err(serde::de::Error::custom(format!(
            "additionalVersionWeight gives version {version} {share}, not a share between 0 and 1"
        )));
    }
    Ok(weights)
}

/// CreateAlias's body. No `additionalVersionWeight` unless there is a canary: FC needs only
/// the name and the version.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct CreateAliasInput<'a> {
    alias_name: &'a str,
    version_id: FunctionVersion,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    additional_version_weight: &'a Weights,
}

/// UpdateAlias's body. `additionalVersionWeight` always goes, `{}` included: left out, FC
/// would keep the canary it has, and moving the main version must clear it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct UpdateAliasInput<'a> {
    version_id: FunctionVersion,
    additional_version_weight: &'a Weights,
}

impl ApiRequest {
    /// `GET /2023-03-30/functions/{functionName}/aliases/{aliasName}`.
    pub(crate) fn get_alias(function: &FunctionName, alias: &AliasName) -> Self {
        Self {
            action: "GetAlias",
            version: API_VERSION,
            method: "GET",
            path: alias_path(function, alias),
            query: Vec::new(),
            body: None,
        }
    }

    /// `POST /2023-03-30/functions/{functionName}/aliases`: `alias` on `version`, with
    /// `canary` (a version and its share) when there is one.
    pub(crate) fn create_alias(
        function: &FunctionName,
        alias: &AliasName,
        version: FunctionVersion,
        canary: &Weights,
    ) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(&CreateAliasInput {
            alias_name: alias.as_str(),
            version_id: version,
            additional_version_weight: canary,
        })?;
        Ok(Self {
            action: "CreateAlias",
            version: API_VERSION,
            method: "POST",
            path: encode::path([API_VERSION, "functions", function.as_str(), "aliases"]),
            query: Vec::new(),
            body: Some(Bytes::from(body)),
        })
    }

    /// `PUT /2023-03-30/functions/{functionName}/aliases/{aliasName}`: the main version and
    /// the whole canary map, `{}` clearing it.
    pub(crate) fn update_alias(
        function: &FunctionName,
        alias: &AliasName,
        version: FunctionVersion,
        canary: &Weights,
    ) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(&UpdateAliasInput {
            version_id: version,
            additional_version_weight: canary,
        })?;
        Ok(Self {
            action: "UpdateAlias",
            version: API_VERSION,
            method: "PUT",
            path: alias_path(function, alias),
            query: Vec::new(),
            body: Some(Bytes::from(body)),
        })
    }
}

fn alias_path(function: &FunctionName, alias: &AliasName) -> String {
    encode::path([
        API_VERSION,
        "functions",
        function.as_str(),
        "aliases",
        alias.as_str(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function() -> FunctionName {
        FunctionName::parse("api").expect("valid")
    }

    fn alias() -> AliasName {
        AliasName::parse("prod").expect("valid")
    }

    fn version(number: u64) -> FunctionVersion {
        FunctionVersion::new(number).expect("positive")
    }

    fn body(request: &ApiRequest) -> &str {
        std::str::from_utf8(request.body.as_deref().expect("a body")).expect("utf-8")
    }

    #[test]
    fn alias_names_follow_fc_rules() {
        for good in [
            "a",
            "_x",
            "prod",
            "blue-green_2",
            "Latest",
            &"a".repeat(128),
        ] {
            assert!(AliasName::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "1a", "-a", "a.b", "a b", "é", &"a".repeat(129)] {
            assert!(AliasName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(AliasName::parse("LATEST"), Err(AliasNameError::Latest));
    }

    #[test]
    fn get_alias_is_a_get_of_the_alias_path() {
        let request = ApiRequest::get_alias(&function(), &alias());
        assert_eq!(
            (request.action, request.method, request.path.as_str()),
            ("GetAlias", "GET", "/2023-03-30/functions/api/aliases/prod")
        );
        assert!(request.query.is_empty() && request.body.is_none());
        assert!(
            request
                .headers("h")
                .contains(&("x-acs-action".to_owned(), "GetAlias".to_owned()))
        );
    }

    #[test]
    fn create_sends_the_canary_only_when_there_is_one() {
        let request = ApiRequest::create_alias(&function(), &alias(), version(3), &Weights::new())
            .expect("serialises");
        assert_eq!(
            (request.action, request.method, request.path.as_str()),
            ("CreateAlias", "POST", "/2023-03-30/functions/api/aliases")
        );
        assert!(request.query.is_empty());
        assert_eq!(body(&request), r#"{"aliasName":"prod","versionId":"3"}"#);
        let canary = Weights::from([(version(4), 0.05)]);
        let request = ApiRequest::create_alias(&function(), &alias(), version(3), &canary)
            .expect("serialises");
        assert_eq!(
            body(&request),
            r#"{"aliasName":"prod","versionId":"3","additionalVersionWeight":{"4":0.05}}"#
        );
    }

    #[test]
    fn update_always_sends_the_canary_map_so_that_empty_clears_it() {
        let request = ApiRequest::update_alias(&function(), &alias(), version(7), &Weights::new())
            .expect("serialises");
        assert_eq!(
            (request.action, request.method, request.path.as_str()),
            (
                "UpdateAlias",
                "PUT",
                "/2023-03-30/functions/api/aliases/prod"
            )
        );
        assert_eq!(
            body(&request),
            r#"{"versionId":"7","additionalVersionWeight":{}}"#
        );
        let canary = Weights::from([(version(8), 0.3)]);
        let request = ApiRequest::update_alias(&function(), &alias(), version(7), &canary)
            .expect("serialises");
        assert_eq!(
            body(&request),
            r#"{"versionId":"7","additionalVersionWeight":{"8":0.3}}"#
        );
    }

    #[test]
    fn an_alias_is_read_as_the_sdk_shapes_it() {
        let alias: Alias = serde_json::from_str(
            r#"{"aliasName": "prod", "versionId": "7", "additionalVersionWeight": {"8": 0.05},
                "description": "", "createdTime": "2024-05-01T10:00:00Z",
                "lastModifiedTime": "2024-05-02T10:00:00Z", "requestId": "r"}"#,
        )
        .expect("parses");
        assert_eq!(alias.version_id, version(7));
        assert_eq!(
            alias.additional_version_weight,
            Weights::from([(version(8), 0.05)])
        );
        for none in [
            "",
            r#", "additionalVersionWeight": null"#,
            r#", "additionalVersionWeight": {}"#,
        ] {
            let text = format!(r#"{{"aliasName": "a", "versionId": "1"{none}}}"#);
            let alias: Alias = serde_json::from_str(&text).expect("parses");
            assert!(alias.additional_version_weight.is_empty(), "{text}");
        }
    }

    #[test]
    fn a_malformed_alias_is_refused() {
        for bad in [
            r#"{"aliasName": "a", "versionId": 7}"#,
            r#"{"aliasName": "a", "versionId": "LATEST"}"#,
            r#"{"aliasName": "a"}"#,
            r#"{"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": 0}}"#,
            r#"{"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": 1}}"#,
            r#"{"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"2": 5}}"#,
            r#"{"aliasName": "a", "versionId": "1", "additionalVersionWeight": {"x": 0.5}}"#,
        ] {
            assert!(serde_json::from_str::<Alias>(bad).is_err(), "{bad}");
        }
    }
}
