//! ListFunctions: the functions in name order, a page at a time, filtered by name prefix
//! and by FC version; each with the subset of fields FC documents it lists (no `state` nor
//! `lastUpdateStatus*`, which only GetFunction gives).

use fc_layer_action::fc::ServiceError;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::record::{FunctionRecord, Records, layer_values, settle};
use super::wire::{limit, param};
use crate::store::Store;

/// The fields GetFunction gives and ListFunctions does not.
const NOT_LISTED: &[&str] = &["state", "stateReason", "stateReasonCode"];

/// ListFunctions over `query`: `limit` (1 to 100, 20 by default), `nextToken` (the name of
/// the first function of the page), `prefix`, `fcVersion` (`v3`, `v2`, or empty for both).
/// `without_layers` is the fault that leaves `layers` out of every function.
pub(super) fn list(
    records: &mut Records,
    query: &[(String, String)],
    without_layers: bool,
    store: &Store,
    now: Instant,
) -> Result<Value, ServiceError> {
    // `Some(true)` lists FC 2.0 functions only, `Some(false)` FC 3.0 ones only.
    let fc2 = match param(query, "fcVersion") {
        None | Some("") => None,
        Some("v3") => Some(false),
        Some("v2") => Some(true),
        Some(other) => {
            return Err(ServiceError::invalid_argument(format!(
                "fcVersion must be v3 or v2, not {other:?}"
            )));
        }
    };
    let limit = limit(query)?;
    let prefix = param(query, "prefix").unwrap_or_default();
    let start = param(query, "nextToken").unwrap_or_default().to_owned();
    let mut functions = Vec::new();
    let mut next_token = None;
    for (name, record) in records.range_mut(start..) {
        if !name.starts_with(prefix) || fc2.is_some_and(|fc2| record.fc2 != fc2) {
            continue;
        }
        if functions.len() == limit {
            next_token = Some(name.clone());
            break;
        }
        settle(record, now);
        functions.push(listed(record, without_layers, store));
    }
    let mut reply = json!({ "functions": functions });
    if let Some(token) = next_token {
        reply["nextToken"] = json!(token);
    }
    Ok(reply)
}

fn listed(record: &FunctionRecord, without_layers: bool, store: &Store) -> Value {
    let mut settings = record.settings.clone();
    settings.retain(|key, _| !NOT_LISTED.contains(&key.as_str()));
    let mut value = Value::Object(settings);
    if !without_layers && let Some(layers) = layer_values(&record.layers, store) {
        value["layers"] = layers;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::super::FunctionsConfig;
    use super::super::test_support::{Fixture, fixture, seed, with};
    use serde_json::Value;

    fn names(page: &Value) -> Vec<&str> {
        page["functions"]
            .as_array()
            .expect("functions")
            .iter()
            .map(|function| function["functionName"].as_str().expect("a name"))
            .collect()
    }

    fn list(fixture: &mut Fixture, query: &str) -> Value {
        fixture.ok("ListFunctions", "GET", &format!("?{query}"), "")
    }

    #[test]
    fn functions_are_listed_in_name_order_a_page_at_a_time() {
        let mut fixture = with(&["c", "a", "e", "b", "d"]);
        let first = list(&mut fixture, "limit=2");
        assert_eq!(names(&first), ["a", "b"]);
        let token = first["nextToken"].as_str().expect("a next page").to_owned();
        let second = list(&mut fixture, &format!("limit=2&nextToken={token}"));
        assert_eq!(names(&second), ["c", "d"]);
        let token = second["nextToken"]
            .as_str()
            .expect("a next page")
            .to_owned();
        let last = list(&mut fixture, &format!("limit=2&nextToken={token}"));
        assert_eq!(names(&last), ["e"]);
        assert!(last.get("nextToken").is_none(), "{last}");
        let all = list(&mut fixture, "");
        assert_eq!(names(&all), ["a", "b", "c", "d", "e"]);
        assert!(all.get("nextToken").is_none());
    }

    #[test]
    fn the_default_page_is_20_and_limit_is_1_to_100() {
        let names: Vec<String> = (0..25).map(|n| format!("f{n:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut fixture = with(&names);
        let page = list(&mut fixture, "");
        assert_eq!(page["functions"].as_array().map(Vec::len), Some(20));
        assert_eq!(page["nextToken"], "f20");
        for bad in ["0", "101", "x"] {
            let refused = fixture.refused("ListFunctions", "GET", &format!("?limit={bad}"), "");
            assert_eq!(refused, (400, "InvalidArgument".to_owned()));
        }
    }

    #[test]
    fn prefix_keeps_the_names_that_start_with_it_across_pages() {
        let mut fixture = with(&["api-a", "api-b", "api-c", "job", "ap"]);
        let page = list(&mut fixture, "prefix=api-&limit=2");
        assert_eq!(names(&page), ["api-a", "api-b"]);
        let next = list(&mut fixture, "prefix=api-&limit=2&nextToken=api-c");
        assert_eq!(names(&next), ["api-c"]);
        assert!(next.get("nextToken").is_none());
    }

    #[test]
    fn fc_version_v3_lists_fc3_functions_only_and_empty_lists_both() {
        let mut fixture = fixture(FunctionsConfig {
            seeds: vec![seed("new", &[])],
            fc2_seeds: vec![seed("old", &[])],
            ..FunctionsConfig::default()
        });
        assert_eq!(names(&list(&mut fixture, "fcVersion=v3")), ["new"]);
        assert_eq!(names(&list(&mut fixture, "fcVersion=v2")), ["old"]);
        assert_eq!(names(&list(&mut fixture, "fcVersion=")), ["new", "old"]);
        assert_eq!(names(&list(&mut fixture, "")), ["new", "old"]);
        let refused = fixture.refused("ListFunctions", "GET", "?fcVersion=v4", "");
        assert_eq!(refused, (400, "InvalidArgument".to_owned()));
    }

    #[test]
    fn listed_functions_carry_layers_but_not_their_state() {
        let mut fixture = with(&["api"]);
        let page = list(&mut fixture, "");
        let api = &page["functions"][0];
        assert_eq!(
            api["layers"][0]["arn"],
            "acs:fc:cn-hangzhou:official:layers/api/versions/1"
        );
        assert_eq!(api["runtime"], "python3.10");
        for absent in ["state", "lastUpdateStatus"] {
            assert!(api.get(absent).is_none(), "{absent}: {api}");
        }
    }

    #[test]
    fn the_fault_lists_functions_without_layers() {
        let mut fixture = fixture(FunctionsConfig {
            seeds: vec![seed(
                "api",
                &["acs:fc:cn-hangzhou:official:layers/x/versions/1"],
            )],
            list_without_layers: true,
            ..FunctionsConfig::default()
        });
        let page = list(&mut fixture, "");
        assert!(page["functions"][0].get("layers").is_none(), "{page}");
        let api = fixture.ok("GetFunction", "GET", "/api", "");
        assert_eq!(api["layers"].as_array().map(Vec::len), Some(1));
    }
}
