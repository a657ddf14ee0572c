//! Published versions: PublishFunctionVersion snapshots LATEST, ListFunctionVersions pages
//! through them, and GetFunction's `qualifier` reads one (by number, or through an alias).

use fc_layer_action::fc::ServiceError;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tokio::time::Instant;

use super::record::{FunctionRecord, VersionRecord, settle};
use super::wire::{
    alias_not_found, limit, object_body, param, string_field, version_not_found, version_number,
};

/// PublishFunctionVersion: LATEST's settings and layers, as they are now, become the next
/// version, unless nothing changed since the newest one.
pub(super) fn publish(
    record: &mut FunctionRecord,
    function: &str,
    body: &[u8],
    strict: bool,
    instant: Instant,
    now: OffsetDateTime,
) -> Result<Value, ServiceError> {
    let body = object_body(body, "PublishFunctionVersion", &["description"], strict)?;
    let description = string_field(&body, "description")?.unwrap_or_default();
    settle(record, instant);
    if unchanged(record) {
        return Err(ServiceError::new(
            400,
            "VersionPublishError",
            format!(
                "can not publish version for function '{function}', detail: \
                 'No changes were made since last publish'"
            ),
        ));
    }
    let id = snapshot(record, description, now);
    let version = record
        .versions
        .get(&id)
        .ok_or_else(|| ServiceError::new(500, "InternalError", "the version just published"))?;
    Ok(version_value(id, version))
}

/// LATEST as a new version, numbered after every number used before; its number.
pub(super) fn snapshot(
    record: &mut FunctionRecord,
    description: String,
    now: OffsetDateTime,
) -> u64 {
    let id = record.next_version;
    record.next_version += 1;
    let version = VersionRecord {
        settings: record.settings.clone(),
        layers: record.layers.clone(),
        description,
        created: crate::dates::format_iso8601(now),
    };
    record.versions.insert(id, version);
    id
}

/// Whether LATEST's configuration (all but when it was last modified) and layers are the
/// newest version's.
fn unchanged(record: &FunctionRecord) -> bool {
    let Some((_, newest)) = record.versions.last_key_value() else {
        return false;
    };
    let configuration = |settings: &Map<String, Value>| {
        let mut settings = settings.clone();
        settings.remove("lastModifiedTime");
        settings
    };
    newest.layers == record.layers
        && configuration(&newest.settings) == configuration(&record.settings)
}

/// A `Version` as the API writes it.
pub(super) fn version_value(id: u64, version: &VersionRecord) -> Value {
    json!({
        "versionId": id.to_string(),
        "description": version.description,
        "createdTime": version.created,
        "lastModifiedTime": version.created,
    })
}

/// ListFunctionVersions: `direction` `BACKWARD` (newest first, the default, as FC 2.0
/// documents it) or `FORWARD`; `limit`; `nextToken`, the number of the first version of
/// the page, as FC documents the token ("the ID of the next version").
pub(super) fn list(
    record: &FunctionRecord,
    query: &[(String, String)],
) -> Result<Value, ServiceError> {
    let forward = match param(query, "direction") {
        None | Some("BACKWARD") => false,
        Some("FORWARD") => true,
        Some(other) => {
            return Err(ServiceError::invalid_argument(format!(
                "direction must be FORWARD or BACKWARD, not {other:?}"
            )));
        }
    };
    let limit = limit(query)?;
    let start = match param(query, "nextToken").filter(|token| !token.is_empty()) {
        None => None,
        Some(token) => Some(version_number(token).ok_or_else(|| {
            ServiceError::invalid_argument(format!("nextToken {token:?} is not a version id"))
        })?),
    };
    let mut page: Box<dyn Iterator<Item = (&u64, &VersionRecord)>> = match (forward, start) {
        (true, None) => Box::new(record.versions.iter()),
        (true, Some(start)) => Box::new(record.versions.range(start..)),
        (false, None) => Box::new(record.versions.iter().rev()),
        (false, Some(start)) => Box::new(record.versions.range(..=start).rev()),
    };
    let versions: Vec<Value> = page
        .by_ref()
        .take(limit)
        .map(|(id, version)| version_value(*id, version))
        .collect();
    let direction = if forward { "FORWARD" } else { "BACKWARD" };
    let mut reply = json!({ "versions": versions, "direction": direction });
    if let Some((next, _)) = page.next() {
        reply["nextToken"] = json!(next.to_string());
    }
    Ok(reply)
}

/// What GetFunction's `qualifier` names: `None` for LATEST (no qualifier, or `LATEST`), a
/// version by its number (404 `VersionNotFound`), or an alias's main version (404
/// `AliasNotFound`).
pub(super) fn resolve<'r>(
    record: &'r FunctionRecord,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Option<&'r VersionRecord>, ServiceError> {
    let qualifier = match qualifier {
        None | Some("") | Some("LATEST") => return Ok(None),
        Some(qualifier) => qualifier,
    };
    let id = if qualifier.bytes().all(|byte| byte.is_ascii_digit()) {
        version_number(qualifier).ok_or_else(|| version_not_found(function, qualifier))?
    } else {
        let alias = record
            .aliases
            .get(qualifier)
            .ok_or_else(|| alias_not_found(function, qualifier))?;
        alias.version_id
    };
    record
        .versions
        .get(&id)
        .map(Some)
        .ok_or_else(|| version_not_found(function, qualifier))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Fixture, fixture, seed, with};
    use super::super::{AliasSeed, FunctionsConfig, VersionSeed, view};
    use serde_json::Value;

    const A: &str = "acs:fc:cn-hangzhou:official:layers/A/versions/1";
    const B: &str = "acs:fc:cn-hangzhou:official:layers/B/versions/1";

    fn layers_of(function: &Value) -> Vec<&str> {
        let layers = function["layers"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        layers
            .iter()
            .map(|layer| layer["arn"].as_str().expect("an arn"))
            .collect()
    }

    fn get(fixture: &mut Fixture, rest: &str) -> Value {
        fixture.ok("GetFunction", "GET", rest, "")
    }

    #[test]
    fn publishing_numbers_versions_from_1_and_snapshots_latest() {
        let mut fixture = with(&["api"]);
        fixture.set_layers("api", &[A]);
        let rest = "/api/versions";
        let one = fixture.ok(
            "PublishFunctionVersion",
            "POST",
            rest,
            r#"{"description": "one"}"#,
        );
        assert_eq!(one["versionId"], "1");
        assert_eq!(one["description"], "one");
        assert_eq!(one["createdTime"], one["lastModifiedTime"]);
        fixture.set_layers("api", &[B]);
        assert_eq!(fixture.publish("api"), "2");
        fixture.set_layers("api", &[A, B]);
        // The versions keep what LATEST was: a version never changes.
        assert_eq!(layers_of(&get(&mut fixture, "/api?qualifier=1")), [A]);
        assert_eq!(layers_of(&get(&mut fixture, "/api?qualifier=2")), [B]);
        assert_eq!(layers_of(&get(&mut fixture, "/api")), [A, B]);
        assert_eq!(
            layers_of(&get(&mut fixture, "/api?qualifier=LATEST")),
            [A, B]
        );
        assert_eq!(fixture.publish("api"), "3");
        let state = serde_json::json!({ "functions": fixture.functions.snapshot() });
        let ids: Vec<String> = view::versions_in(&state, "api")
            .into_iter()
            .map(|v| v.version_id)
            .collect();
        assert_eq!(ids, ["1", "2", "3"]);
    }

    #[test]
    fn publishing_with_nothing_changed_is_refused_until_something_changes() {
        let mut fixture = with(&["api"]);
        assert_eq!(fixture.publish("api"), "1");
        let refused = fixture.refused("PublishFunctionVersion", "POST", "/api/versions", "{}");
        assert_eq!(refused, (400, "VersionPublishError".to_owned()));
        let error = fixture
            .call("PublishFunctionVersion", "POST", "/api/versions", "")
            .unwrap_err();
        assert!(
            error
                .message
                .contains("No changes were made since last publish")
        );
        fixture.set_layers("api", &[B]);
        assert_eq!(fixture.publish("api"), "2");
        // An update back to what the newest version holds is no change either.
        fixture.set_layers("api", &[B]);
        let refused = fixture.refused("PublishFunctionVersion", "POST", "/api/versions", "{}");
        assert_eq!(refused.1, "VersionPublishError");
    }

    #[test]
    fn a_publish_body_is_a_description_only_in_strict_mode() {
        let mut fixture = with(&["api"]);
        let body = r#"{"description": "d", "layers": []}"#;
        let refused = fixture.refused("PublishFunctionVersion", "POST", "/api/versions", body);
        assert_eq!(refused, (400, "InvalidArgument".to_owned()));
        let refused = fixture.refused(
            "PublishFunctionVersion",
            "POST",
            "/api/versions",
            r#"{"description": 1}"#,
        );
        assert_eq!(refused, (400, "InvalidArgument".to_owned()));
        let mut lenient = fixture_lenient();
        let version = lenient.ok("PublishFunctionVersion", "POST", "/api/versions", body);
        assert_eq!(
            (
                version["versionId"].as_str(),
                version["description"].as_str()
            ),
            (Some("1"), Some("d"))
        );
        let refused = lenient.refused("PublishFunctionVersion", "POST", "/nope/versions", "{}");
        assert_eq!(refused, (404, "FunctionNotFound".to_owned()));
    }

    fn fixture_lenient() -> Fixture {
        fixture(FunctionsConfig {
            seeds: vec![seed("api", &[])],
            ..FunctionsConfig::default()
        })
    }

    fn seeded(versions: usize) -> Fixture {
        fixture(FunctionsConfig {
            seeds: vec![seed("api", &[A])],
            version_seeds: (1..=versions)
                .map(|n| VersionSeed {
                    function: "api".to_owned(),
                    layers: vec![format!("acs:fc:cn-hangzhou:official:layers/L/versions/{n}")],
                })
                .collect(),
            alias_seeds: vec![AliasSeed::parse("api:prod:2").expect("an alias")],
            ..FunctionsConfig::default()
        })
    }

    fn ids(page: &Value) -> Vec<&str> {
        let versions = page["versions"].as_array().expect("versions");
        versions
            .iter()
            .map(|version| version["versionId"].as_str().expect("an id"))
            .collect()
    }

    #[test]
    fn versions_are_listed_newest_first_by_default_a_page_at_a_time() {
        let mut fixture = seeded(5);
        let list = |fixture: &mut Fixture, query: &str| {
            fixture.ok(
                "ListFunctionVersions",
                "GET",
                &format!("/api/versions?{query}"),
                "",
            )
        };
        let page = list(&mut fixture, "limit=2");
        assert_eq!(
            (ids(&page), &page["direction"], &page["nextToken"]),
            (vec!["5", "4"], &"BACKWARD".into(), &"3".into())
        );
        let page = list(&mut fixture, "limit=2&nextToken=3");
        assert_eq!(ids(&page), ["3", "2"]);
        let page = list(&mut fixture, "limit=2&nextToken=1");
        assert_eq!(ids(&page), ["1"]);
        assert!(page.get("nextToken").is_none());
        let page = list(&mut fixture, "direction=FORWARD&limit=3");
        assert_eq!(
            (ids(&page), &page["nextToken"]),
            (vec!["1", "2", "3"], &"4".into())
        );
        let page = list(&mut fixture, "direction=FORWARD&nextToken=4");
        assert_eq!(
            (ids(&page), &page["direction"]),
            (vec!["4", "5"], &"FORWARD".into())
        );
        assert!(page.get("nextToken").is_none());
        for bad in ["direction=UP", "limit=0", "limit=101", "nextToken=x"] {
            let refused = fixture.refused(
                "ListFunctionVersions",
                "GET",
                &format!("/api/versions?{bad}"),
                "",
            );
            assert_eq!(refused, (400, "InvalidArgument".to_owned()), "{bad}");
        }
        let refused = fixture.refused("ListFunctionVersions", "GET", "/nope/versions", "");
        assert_eq!(refused, (404, "FunctionNotFound".to_owned()));
    }

    #[test]
    fn seeded_versions_follow_on_and_leave_latest_as_seeded() {
        let mut fixture = seeded(2);
        assert_eq!(layers_of(&get(&mut fixture, "/api")), [A]);
        let two = get(&mut fixture, "/api?qualifier=2");
        assert_eq!(
            layers_of(&two),
            ["acs:fc:cn-hangzhou:official:layers/L/versions/2"]
        );
        assert_eq!(two["lastUpdateStatus"], "Successful");
        assert_eq!(fixture.publish("api"), "3");
    }

    #[test]
    fn a_qualifier_is_a_version_or_an_alias_s_main_version() {
        let mut fixture = seeded(2);
        let by_alias = get(&mut fixture, "/api?qualifier=prod");
        assert_eq!(
            layers_of(&by_alias),
            ["acs:fc:cn-hangzhou:official:layers/L/versions/2"]
        );
        for (qualifier, code) in [
            ("3", "VersionNotFound"),
            ("01", "VersionNotFound"),
            ("staging", "AliasNotFound"),
        ] {
            let refused = fixture.refused(
                "GetFunction",
                "GET",
                &format!("/api?qualifier={qualifier}"),
                "",
            );
            assert_eq!(refused, (404, code.to_owned()), "{qualifier}");
        }
        let refused = fixture.refused("GetFunction", "GET", "/nope?qualifier=1", "");
        assert_eq!(refused, (404, "FunctionNotFound".to_owned()));
    }
}
