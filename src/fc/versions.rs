//! A function's published versions on the wire: the [`FunctionVersion`] id FC writes as a
//! string of digits, PublishFunctionVersion and ListFunctionVersions as [`ApiRequest`]s, and
//! the parts of their replies that are read.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::function::FunctionName;
use super::request::{API_VERSION, ApiRequest};
use crate::encode;

/// A published version of a function: FC numbers them 1, 2, … and never reuses a number, so
/// a higher id is a later version. On the wire it is a string (`"versionId": "7"`), and the
/// key of `additionalVersionWeight`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FunctionVersion(u64);

/// A `versionId` that is not a version number, in words that follow the field's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a version id (a positive whole number without leading zeros)")]
struct InvalidVersionId(String);

impl FunctionVersion {
    /// `None` for 0, which FC never gives a version.
    #[cfg(test)]
    pub(crate) fn new(number: u64) -> Option<Self> {
        (number > 0).then_some(Self(number))
    }

    /// Digits only, no sign, no leading zero: a string FC wrote, read strictly, so that "07"
    /// and "7" cannot stand for one version in a comparison.
    fn parse(text: &str) -> Result<Self, InvalidVersionId> {
        let invalid = || InvalidVersionId(crate::outside_text::capped_owned(text));
        if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        text.parse().map(Self).map_err(|_| invalid())
    }

    #[cfg(test)]
    fn number(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FunctionVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for FunctionVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FunctionVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Borrowed when it can be, owned when the text had escapes: both are a string.
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A published version as PublishFunctionVersion and ListFunctionVersions describe it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Version {
    pub(crate) version_id: FunctionVersion,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    created_time: Option<String>,
}

/// One page of ListFunctionVersions.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VersionsPage {
    #[serde(default)]
    pub(crate) versions: Vec<Version>,
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default)]
    direction: Option<String>,
}

impl VersionsPage {
    /// The token of the next page; `None` on the last, where FC leaves it out or empty.
    pub(crate) fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref().filter(|token| !token.is_empty())
    }
}

/// PublishFunctionVersion's body: the description and nothing else.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
struct PublishVersionInput<'a> {
    description: &'a str,
}

/// The most versions ListFunctionVersions is asked for at once.
pub(crate) const MAX_VERSIONS_PER_PAGE: u32 = 100;

impl ApiRequest {
    /// `POST /2023-03-30/functions/{functionName}/versions` with `{"description": "…"}`: a
    /// snapshot of the function's LATEST, layers included.
    pub(crate) fn publish_function_version(
        name: &FunctionName,
        description: &str,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            action: "PublishFunctionVersion",
            version: API_VERSION,
            method: "POST",
            path: versions_path(name),
            query: Vec::new(),
            body: Some(Bytes::from(serde_json::to_vec(&PublishVersionInput {
                description,
            })?)),
        })
    }

    /// One page of the function's versions, newest first (`direction=BACKWARD`), so that a
    /// caller after the latest few can stop early; page on with the reply's `nextToken`.
    pub(crate) fn list_function_versions(
        name: &FunctionName,
        limit: u32,
        next_token: Option<&str>,
    ) -> Self {
        let mut query = vec![
            ("direction".to_owned(), "BACKWARD".to_owned()),
            ("limit".to_owned(), limit.to_string()),
        ];
        if let Some(token) = next_token {
            query.push(("nextToken".to_owned(), token.to_owned()));
        }
        Self {
            action: "ListFunctionVersions",
            version: API_VERSION,
            method: "GET",
            path: versions_path(name),
            query,
            body: None,
        }
    }
}

fn versions_path(name: &FunctionName) -> String {
    encode::path([API_VERSION, "functions", name.as_str(), "versions"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> FunctionName {
        FunctionName::parse("my-fn").expect("valid")
    }

    #[test]
    fn version_ids_are_digit_strings_read_strictly() {
        assert_eq!(
            FunctionVersion::parse("7").map(FunctionVersion::number),
            Ok(7)
        );
        for bad in [
            "",
            "0",
            "07",
            "-1",
            "+1",
            "1.0",
            " 1",
            "x",
            "99999999999999999999",
        ] {
            assert!(FunctionVersion::parse(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<FunctionVersion>("7").is_err());
        let seven: FunctionVersion = serde_json::from_str(r#""7""#).expect("a string");
        assert_eq!(serde_json::to_string(&seven).expect("json"), r#""7""#);
        assert_eq!(FunctionVersion::new(0), None);
    }

    #[test]
    fn publish_sends_the_description_only() {
        let request =
            ApiRequest::publish_function_version(&name(), "layer \"deps\" v3").expect("serialises");
        assert_eq!(
            (request.action, request.method, request.path.as_str()),
            (
                "PublishFunctionVersion",
                "POST",
                "/2023-03-30/functions/my-fn/versions"
            )
        );
        assert!(request.query.is_empty());
        assert_eq!(
            request.body.as_deref(),
            Some(&br#"{"description":"layer \"deps\" v3"}"#[..])
        );
    }

    #[test]
    fn the_listing_asks_newest_first_and_pages_on_the_token() {
        let first = ApiRequest::list_function_versions(&name(), 20, None);
        assert_eq!(
            (
                first.action,
                first.method,
                first.path.as_str(),
                first.body.is_none()
            ),
            (
                "ListFunctionVersions",
                "GET",
                "/2023-03-30/functions/my-fn/versions",
                true
            )
        );
        assert_eq!(
            first.path_and_query(),
            "/2023-03-30/functions/my-fn/versions?direction=BACKWARD&limit=20"
        );
        let next = ApiRequest::list_function_versions(&name(), 20, Some("a+b/="));
        assert_eq!(
            next.path_and_query(),
            "/2023-03-30/functions/my-fn/versions?direction=BACKWARD&limit=20&nextToken=a%2Bb%2F%3D"
        );
    }

    #[test]
    fn a_page_is_read_as_the_sdk_shapes_it() {
        let page: VersionsPage = serde_json::from_str(
            r#"{"versions": [
                {"versionId": "3", "description": "c", "createdTime": "2024-05-01T10:00:00Z",
                 "lastModifiedTime": "2024-05-01T10:00:00Z"},
                {"versionId": "2"}
            ], "nextToken": "2", "direction": "BACKWARD", "requestId": "r"}"#,
        )
        .expect("parses");
        let ids: Vec<u64> = page
            .versions
            .iter()
            .map(|v| v.version_id.number())
            .collect();
        assert_eq!(ids, [3, 2]);
        assert_eq!(page.versions[0].description.as_deref(), Some("c"));
        assert_eq!(page.next_token(), Some("2"));
        let last: VersionsPage =
            serde_json::from_str(r#"{"versions": [], "nextToken": ""}"#).expect("parses");
        assert_eq!(last.next_token(), None);
        for bad in [
            r#"{"versions": [{"versionId": 3}]}"#,
            r#"{"versions": [{}]}"#,
        ] {
            assert!(serde_json::from_str::<VersionsPage>(bad).is_err(), "{bad}");
        }
    }
}
