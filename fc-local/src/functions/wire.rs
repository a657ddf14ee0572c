//! What the function calls share on the wire: query parameters, page sizes, version
//! numbers, JSON bodies held to the fields their API has, and the not-found errors.

use fc_layer_action::fc::ServiceError;
use serde_json::{Map, Value};

/// The page size when `limit` is not sent: FC 2.0's documented default; FC 3.0 documents
/// none.
pub(super) const DEFAULT_LIMIT: usize = 20;
/// The largest `limit` FC 3.0 documents.
pub(super) const MAX_LIMIT: usize = 100;

/// The query parameter `name`, decoded, if sent.
pub(super) fn param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `limit`: 1 to 100, [`DEFAULT_LIMIT`] when absent; anything else is 400 `InvalidArgument`.
pub(super) fn limit(query: &[(String, String)]) -> Result<usize, ServiceError> {
    let Some(text) = param(query, "limit") else {
        return Ok(DEFAULT_LIMIT);
    };
    text.parse::<usize>()
        .ok()
        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
        .ok_or_else(|| {
            ServiceError::invalid_argument(format!("limit must be 1 to {MAX_LIMIT}, not {text:?}"))
        })
}

/// A version number as FC writes it: digits, no leading zero, from 1.
pub(super) fn version_number(text: &str) -> Option<u64> {
    let number: u64 = text.parse().ok()?;
    (number > 0 && number.to_string() == text).then_some(number)
}

/// A body that must be a JSON object; an empty body reads as `{}` (the SDK sends none when
/// no field is set). Fields outside `known` are refused in strict mode, as a test's proof
/// that nothing else is sent, and ignored otherwise.
pub(super) fn object_body(
    body: &[u8],
    action: &str,
    known: &[&str],
    strict: bool,
) -> Result<Map<String, Value>, ServiceError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let mut object: Map<String, Value> = serde_json::from_slice(body).map_err(|error| {
        ServiceError::invalid_argument(format!("the body is not a JSON object: {error}"))
    })?;
    let others: Vec<String> = object
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .cloned()
        .collect();
    if strict && !others.is_empty() {
        return Err(ServiceError::invalid_argument(format!(
            "strict mode: {action} takes only {}, not {}",
            known.join(", "),
            others.join(", ")
        )));
    }
    object.retain(|key, _| known.contains(&key.as_str()));
    Ok(object)
}

/// A string field of a body; `null` reads as absent.
pub(super) fn string_field(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, ServiceError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ServiceError::invalid_argument(format!(
            "{field} must be a string"
        ))),
    }
}

/// 404 `VersionNotFound`.
pub(super) fn version_not_found(function: &str, version: &str) -> ServiceError {
    ServiceError::new(
        404,
        "VersionNotFound",
        format!("version {version} of function {function} does not exist"),
    )
}

/// 404 `AliasNotFound`.
pub(super) fn alias_not_found(function: &str, alias: &str) -> ServiceError {
    ServiceError::new(
        404,
        "AliasNotFound",
        format!("alias {alias} of function {function} does not exist"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn limit_is_1_to_100_and_20_when_absent() {
        assert_eq!(limit(&[]).unwrap(), 20);
        assert_eq!(limit(&query(&[("limit", "1")])).unwrap(), 1);
        assert_eq!(limit(&query(&[("limit", "100")])).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            let error = limit(&query(&[("limit", bad)])).unwrap_err();
            assert_eq!(
                (error.status, error.code.as_str()),
                (400, "InvalidArgument")
            );
        }
    }

    #[test]
    fn version_numbers_are_written_as_fc_writes_them() {
        assert_eq!(version_number("1"), Some(1));
        assert_eq!(version_number("12"), Some(12));
        for bad in ["0", "01", "+1", "-1", "", "LATEST", "1.0"] {
            assert_eq!(version_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn strict_bodies_refuse_unknown_fields_and_others_ignore_them() {
        let body = br#"{"description": "d", "extra": 1}"#;
        let error =
            object_body(body, "PublishFunctionVersion", &["description"], true).unwrap_err();
        assert_eq!(error.code, "InvalidArgument");
        assert!(error.message.contains("extra"), "{}", error.message);
        let lenient = object_body(body, "PublishFunctionVersion", &["description"], false);
        assert_eq!(lenient.unwrap().len(), 1);
        assert!(object_body(b"", "X", &[], true).unwrap().is_empty());
        assert!(object_body(b"[]", "X", &[], false).is_err());
    }

    #[test]
    fn string_fields_are_strings_or_absent() {
        let body: Map<String, Value> =
            serde_json::from_str(r#"{"a": "x", "b": null, "c": 3}"#).unwrap();
        assert_eq!(string_field(&body, "a").unwrap().as_deref(), Some("x"));
        assert_eq!(string_field(&body, "b").unwrap(), None);
        assert_eq!(string_field(&body, "z").unwrap(), None);
        assert!(string_field(&body, "c").is_err());
    }
}
