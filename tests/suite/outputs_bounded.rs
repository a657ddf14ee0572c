//! The outputs within what GitHub accepts, whatever the servers say: the real binary against
//! a hostile FC whose functions each use a thousand layers, so that every function fails with
//! an error that names them all.

use crate::common;

use std::fs;
use std::io::Write;

use common::hostile::{Hostile, reply};
use common::*;

const LAYER_ARN: &str = "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1";
/// GitHub's limit on what one job's outputs may hold.
const GITHUB_OUTPUTS_LIMIT: usize = 1 << 20;

/// FC whose every function uses `layers` layers of another account, each ARN a long one.
fn functions_of_many_layers(layers: usize) -> Hostile {
    Hostile::start(true, move |request, stream| {
        let body = if request.method == "POST" {
            format!(r#"{{"layerVersionArn":"{LAYER_ARN}","version":1}}"#)
        } else if request.target.contains("/functions/") {
            let arns: Vec<String> = (0..layers)
                .map(|index| {
                    format!(
                        r#"{{"arn":"acs:fc:cn-hangzhou:999999999999:layers/someone-elses-{index:04}/versions/1"}}"#
                    )
                })
                .collect();
            format!(
                r#"{{"functionName":"f","layers":[{}],"lastUpdateStatus":"Successful"}}"#,
                arns.join(",")
            )
        } else {
            r#"{"layers":[]}"#.to_owned()
        };
        let _ = stream.write_all(&reply("200 OK", &[], body.as_bytes()));
    })
}

#[test]
fn fifty_functions_of_a_thousand_layers_keep_the_outputs_under_a_mebibyte() {
    let server = functions_of_many_layers(1000);
    let work = tempfile::tempdir().expect("tempdir");
    let outputs_path = work.path().join("github_output");
    let names: Vec<String> = (1..=50).map(|index| format!("fn-{index}")).collect();
    let functions = names.join(",");
    let output = run_action_with_sts(
        work.path(),
        &server.url,
        &outputs_path,
        &[("INPUT_FUNCTIONS", &functions)],
    );
    let log = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "every function fails: {log}");
    let text = fs::read_to_string(&outputs_path).expect("outputs written");
    assert!(
        text.len() < GITHUB_OUTPUTS_LIMIT,
        "{} bytes of outputs",
        text.len()
    );
    let outputs = parse_github_output(&text);
    let value = |name: &str| {
        outputs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("no output {name}"))
    };
    assert_eq!(value("layerVersionArn"), LAYER_ARN);
    for name in ["layerVersionArns", "versions"] {
        serde_json::from_str::<serde_json::Value>(value(name)).expect("JSON");
    }
    let functions: Vec<serde_json::Value> =
        serde_json::from_str(value("functions")).expect("functions is valid JSON");
    let listed: Vec<&str> = (functions.iter())
        .map(|function| function["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(listed, names, "every function, in input order");
    for function in &functions {
        assert_eq!(function["status"], "failed", "{function}");
        let error = function["error"].as_str().expect("an error");
        assert!(error.contains("FC allows at most 5"), "{error}");
        assert!(error.len() < 4200, "{} bytes", error.len());
        assert!(error.contains(" bytes, shortened) … "), "{error}");
        assert!(error.ends_with("/versions/1"), "its end kept: {error}");
    }
}
