//! The alias calls' rules, one test each: CreateAlias, GetAlias and UpdateAlias, their
//! checks and error codes, and the aliases the command line seeds.

use serde_json::{Value, json};

use super::test_support::{Fixture, fixture, seed};
use super::{AliasSeed, FunctionsConfig, VersionSeed, view};

fn versions(count: usize) -> Vec<VersionSeed> {
    (1..=count)
        .map(|n| VersionSeed {
            function: "api".to_owned(),
            layers: vec![format!("acs:fc:cn-hangzhou:official:layers/L/versions/{n}")],
        })
        .collect()
}

/// `api` with three versions, no alias.
fn three() -> Fixture {
    fixture(FunctionsConfig {
        seeds: vec![seed("api", &[])],
        version_seeds: versions(3),
        strict_update: true,
        ..FunctionsConfig::default()
    })
}

fn create(fixture: &mut Fixture, body: Value) -> Result<Value, (u16, String)> {
    fixture
        .call("CreateAlias", "POST", "/api/aliases", &body.to_string())
        .map_err(|error| (error.status, error.code))
}

fn update(fixture: &mut Fixture, alias: &str, body: Value) -> Result<Value, (u16, String)> {
    let rest = format!("/api/aliases/{alias}");
    fixture
        .call("UpdateAlias", "PUT", &rest, &body.to_string())
        .map_err(|error| (error.status, error.code))
}

fn invalid() -> Result<Value, (u16, String)> {
    Err((400, "InvalidArgument".to_owned()))
}

#[test]
fn an_alias_is_created_and_read_back() {
    let mut fixture = three();
    let body = json!({"aliasName": "prod", "versionId": "2", "description": "live",
        "additionalVersionWeight": {"3": 0.1}});
    let created = create(&mut fixture, body).expect("created");
    assert_eq!(created["aliasName"], "prod");
    assert_eq!(created["versionId"], "2");
    assert_eq!(created["additionalVersionWeight"], json!({"3": 0.1}));
    assert_eq!(created["description"], "live");
    assert_eq!(created["createdTime"], created["lastModifiedTime"]);
    let read = fixture.ok("GetAlias", "GET", "/api/aliases/prod", "");
    assert_eq!(read, created);
    let plain = create(&mut fixture, json!({"aliasName": "dev", "versionId": "1"})).unwrap();
    assert_eq!(plain["additionalVersionWeight"], json!({}));
}

#[test]
fn get_alias_answers_404_for_a_missing_alias_or_function() {
    let mut fixture = three();
    let refused = fixture.refused("GetAlias", "GET", "/api/aliases/prod", "");
    assert_eq!(refused, (404, "AliasNotFound".to_owned()));
    let refused = fixture.refused("GetAlias", "GET", "/nope/aliases/prod", "");
    assert_eq!(refused, (404, "FunctionNotFound".to_owned()));
}

#[test]
fn create_alias_refuses_a_taken_name_and_missing_versions() {
    let mut fixture = three();
    create(&mut fixture, json!({"aliasName": "prod", "versionId": "1"})).expect("created");
    let again = create(&mut fixture, json!({"aliasName": "prod", "versionId": "2"}));
    assert_eq!(again, Err((409, "AliasAlreadyExists".to_owned())));
    let missing = Err((404, "VersionNotFound".to_owned()));
    assert_eq!(
        create(&mut fixture, json!({"aliasName": "a", "versionId": "4"})),
        missing
    );
    let canary = json!({"aliasName": "b", "versionId": "1", "additionalVersionWeight": {"9": 0.5}});
    assert_eq!(create(&mut fixture, canary), missing);
    let body = json!({"aliasName": "c", "versionId": "1"}).to_string();
    let refused = fixture.refused("CreateAlias", "POST", "/nope/aliases", &body);
    assert_eq!(refused, (404, "FunctionNotFound".to_owned()));
}

#[test]
fn create_alias_checks_the_name_and_the_required_fields() {
    let mut fixture = three();
    let long = "a".repeat(129);
    for name in [
        "",
        "1prod",
        "-prod",
        "LATEST",
        "pr.od",
        "pr od",
        long.as_str(),
    ] {
        let body = json!({"aliasName": name, "versionId": "1"});
        assert_eq!(create(&mut fixture, body), invalid(), "{name:?}");
    }
    for name in ["prod", "Prod_2", "p-1", "_x", &"a".repeat(128)] {
        let body = json!({"aliasName": name, "versionId": "1"});
        assert!(create(&mut fixture, body).is_ok(), "{name:?}");
    }
    assert_eq!(create(&mut fixture, json!({"versionId": "1"})), invalid());
    assert_eq!(create(&mut fixture, json!({"aliasName": "x"})), invalid());
    assert_eq!(
        create(&mut fixture, json!({"aliasName": "x", "versionId": 1})),
        invalid()
    );
    let strict = json!({"aliasName": "x", "versionId": "1", "routingConfig": {}});
    assert_eq!(create(&mut fixture, strict), invalid());
}

#[test]
fn a_canary_is_one_other_version_with_a_share_between_0_and_1() {
    let mut fixture = three();
    let with = |weights: Value| {
        let mut body = json!({"aliasName": "prod", "versionId": "1"});
        body["additionalVersionWeight"] = weights;
        body
    };
    for weights in [
        json!({"2": 0.0}),
        json!({"2": 1.0}),
        json!({"2": 1.5}),
        json!({"2": -0.1}),
        json!({"2": "0.1"}),
        json!({"1": 0.1}),
        json!({"2": 0.1, "3": 0.1}),
        json!([0.1]),
    ] {
        assert_eq!(
            create(&mut fixture, with(weights.clone())),
            invalid(),
            "{weights}"
        );
    }
    let created = create(&mut fixture, with(json!({"2": 0.999}))).expect("created");
    assert_eq!(created["additionalVersionWeight"], json!({"2": 0.999}));
}

#[test]
fn update_alias_changes_what_is_sent_and_keeps_the_rest() {
    let mut fixture = three();
    let body = json!({"aliasName": "prod", "versionId": "1", "description": "d",
        "additionalVersionWeight": {"2": 0.2}});
    create(&mut fixture, body).expect("created");
    let moved = update(
        &mut fixture,
        "prod",
        json!({"versionId": "2",
        "additionalVersionWeight": {"3": 0.3}}),
    )
    .expect("updated");
    assert_eq!(moved["versionId"], "2");
    assert_eq!(moved["additionalVersionWeight"], json!({"3": 0.3}));
    assert_eq!(moved["description"], "d");
    let kept = update(&mut fixture, "prod", json!({"description": "e"})).expect("updated");
    assert_eq!(kept["additionalVersionWeight"], json!({"3": 0.3}));
    let kept = update(
        &mut fixture,
        "prod",
        json!({"additionalVersionWeight": null}),
    )
    .unwrap();
    assert_eq!(kept["additionalVersionWeight"], json!({"3": 0.3}));
    assert_eq!(kept["description"], "e");
    let cleared = update(&mut fixture, "prod", json!({"additionalVersionWeight": {}})).unwrap();
    assert_eq!(cleared["additionalVersionWeight"], json!({}));
    assert_eq!(
        fixture.ok("GetAlias", "GET", "/api/aliases/prod", ""),
        cleared
    );
}

#[test]
fn update_alias_refuses_what_create_alias_refuses() {
    let mut fixture = three();
    let body =
        json!({"aliasName": "prod", "versionId": "1", "additionalVersionWeight": {"2": 0.5}});
    create(&mut fixture, body).expect("created");
    let missing = Err((404, "AliasNotFound".to_owned()));
    assert_eq!(
        update(&mut fixture, "staging", json!({"versionId": "1"})),
        missing
    );
    let no_version = Err((404, "VersionNotFound".to_owned()));
    assert_eq!(
        update(&mut fixture, "prod", json!({"versionId": "7"})),
        no_version
    );
    // Moving the main version onto the canary's leaves two routes to one version.
    assert_eq!(
        update(&mut fixture, "prod", json!({"versionId": "2"})),
        invalid()
    );
    let weights = json!({"additionalVersionWeight": {"3": 1}});
    assert_eq!(update(&mut fixture, "prod", weights), invalid());
    assert_eq!(
        update(&mut fixture, "prod", json!({"aliasName": "x"})),
        invalid()
    );
    let refused = fixture.refused("UpdateAlias", "PUT", "/nope/aliases/prod", "{}");
    assert_eq!(refused, (404, "FunctionNotFound".to_owned()));
    let unchanged = fixture.ok("GetAlias", "GET", "/api/aliases/prod", "");
    assert_eq!(
        (
            unchanged["versionId"].as_str(),
            &unchanged["additionalVersionWeight"]
        ),
        (Some("1"), &json!({"2": 0.5}))
    );
}

#[test]
fn aliases_are_seeded_with_their_canary_and_checked() {
    let config = FunctionsConfig {
        seeds: vec![seed("api", &[])],
        version_seeds: versions(3),
        alias_seeds: vec![AliasSeed::parse("api:prod:2:3=0.1").expect("an alias")],
        ..FunctionsConfig::default()
    };
    let mut fixture = fixture(config.clone());
    let state = json!({ "functions": fixture.functions.snapshot() });
    let prod = &view::aliases_in(&state, "api")["prod"];
    assert_eq!(prod.version_id, "2");
    assert_eq!(prod.additional_version_weight.get("3"), Some(&0.1));
    let by_alias = fixture.ok("GetFunction", "GET", "/api?qualifier=prod", "");
    assert_eq!(
        by_alias["layers"][0]["arn"],
        "acs:fc:cn-hangzhou:official:layers/L/versions/2"
    );
    assert_eq!(config.check(), Ok(()));
    for bad in [
        "api:prod:4",
        "api:prod:2:2=0.1",
        "api:prod:2:3=1",
        "nope:prod:1",
        "api:9x:1",
    ] {
        let mut config = config.clone();
        config.alias_seeds = vec![AliasSeed::parse(bad).expect("parses")];
        assert!(config.check().is_err(), "{bad}");
    }
    let mut config = config.clone();
    config.version_seeds[0].function = "nope".to_owned();
    let error = config.check().unwrap_err();
    assert!(error.contains("--function-version"), "{error}");
}
