//! The function calls as the service makes them (routed from method, path and headers),
//! for the unit tests of each call.

use fc_layer_action::fc::{API_VERSION, ServiceError};
use serde_json::Value;
use time::OffsetDateTime;

use super::{FunctionSeed, Functions, FunctionsConfig, route};
use crate::fc3::segments;
use crate::request::ReceivedRequest;
use crate::store::Store;

pub(super) const ACCOUNT: &str = "1234567890123456";

pub(super) struct Fixture {
    pub(crate) functions: Functions,
    store: Store,
}

pub(super) fn seed(name: &str, layers: &[&str]) -> FunctionSeed {
    FunctionSeed {
        name: name.to_owned(),
        layers: layers.iter().map(|layer| layer.to_string()).collect(),
    }
}

pub(super) fn fixture(config: FunctionsConfig) -> Fixture {
    Fixture {
        functions: Functions::new(config, "cn-hangzhou", ACCOUNT).expect("the seeds hold"),
        store: Store::new("cn-hangzhou", ACCOUNT),
    }
}

/// Functions `names`, FC 3.0, each with one layer named after it.
pub(super) fn with(names: &[&str]) -> Fixture {
    fixture(FunctionsConfig {
        seeds: names
            .iter()
            .map(|name| {
                seed(
                    name,
                    &[&format!(
                        "acs:fc:cn-hangzhou:official:layers/{name}/versions/1"
                    )],
                )
            })
            .collect(),
        strict_update: true,
        ..FunctionsConfig::default()
    })
}

impl Fixture {
    /// `action` as `METHOD /2023-03-30/functions{rest}` (`rest` may carry `?query`).
    pub(crate) fn call(
        &mut self,
        action: &str,
        method: &str,
        rest: &str,
        body: &str,
    ) -> Result<Value, ServiceError> {
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = format!("/{API_VERSION}/functions{rest}");
        let headers = vec![
            ("x-acs-version".to_owned(), API_VERSION.to_owned()),
            ("x-acs-action".to_owned(), action.to_owned()),
        ];
        let request = ReceivedRequest {
            method,
            path: &path,
            query,
            headers: &headers,
            body: body.as_bytes(),
        };
        let segments = segments(&path);
        let route = route(&request, &segments)?.expect("a function call");
        let now = OffsetDateTime::now_utc();
        let (status, value) = self
            .functions
            .answer(route, body.as_bytes(), &self.store, now)?;
        assert_eq!(status, 200);
        Ok(value.expect("a JSON reply"))
    }

    pub(crate) fn ok(&mut self, action: &str, method: &str, rest: &str, body: &str) -> Value {
        self.call(action, method, rest, body)
            .unwrap_or_else(|error| panic!("{action} {rest}: {error:?}"))
    }

    /// The error's status and code.
    pub(crate) fn refused(
        &mut self,
        action: &str,
        method: &str,
        rest: &str,
        body: &str,
    ) -> (u16, String) {
        match self.call(action, method, rest, body) {
            Ok(value) => panic!("{action} {rest} answered {value}"),
            Err(error) => (error.status, error.code),
        }
    }

    /// UpdateFunction setting `layers`.
    pub(crate) fn set_layers(&mut self, function: &str, layers: &[&str]) {
        let body = serde_json::json!({ "layers": layers }).to_string();
        self.ok("UpdateFunction", "PUT", &format!("/{function}"), &body);
    }

    /// PublishFunctionVersion; the new version's id.
    pub(crate) fn publish(&mut self, function: &str) -> String {
        let rest = format!("/{function}/versions");
        let version = self.ok(
            "PublishFunctionVersion",
            "POST",
            &rest,
            r#"{"description": "t"}"#,
        );
        version["versionId"].as_str().expect("versionId").to_owned()
    }
}
