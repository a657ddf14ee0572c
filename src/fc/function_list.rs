//! ListFunctions as an [`ApiRequest`], and the part of its pages that is read: each
//! function's name and layers, for `functions: '*'`.

use serde::Deserialize;

use super::function::{FunctionLayer, FunctionName, FunctionNameError};
use super::request::{API_VERSION, ApiRequest};
use crate::encode;

/// The most functions ListFunctions returns at once.
pub(crate) const MAX_FUNCTIONS_PER_PAGE: u32 = 100;
/// `fcVersion` asking for FC 3.0 functions only; without it FC lists 2.0 ones as well.
pub(crate) const FC_VERSION_3: &str = "v3";

/// One function of a page; every other field is left alone.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListedFunction {
    function_name: String,
    /// FC leaves the field out for a function without layers.
    #[serde(default)]
    pub(crate) layers: Option<Vec<FunctionLayer>>,
}

impl ListedFunction {
    /// The name, checked as an input's would be: FC's own listing gives valid names, and a
    /// name that is not cannot be put in a path safely.
    pub(crate) fn name(&self) -> Result<FunctionName, FunctionNameError> {
        FunctionName::parse(&self.function_name)
    }

    /// The layers' ARNs, in the function's order.
    pub(crate) fn layer_arns(&self) -> Vec<String> {
        super::function::arns_of(self.layers.as_deref())
    }
}

/// One page of ListFunctions.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FunctionsPage {
    #[serde(default)]
    pub(crate) functions: Vec<ListedFunction>,
    #[serde(default)]
    next_token: Option<String>,
}

impl FunctionsPage {
    /// The token of the next page; `None` on the last, where FC leaves it out or empty.
    pub(crate) fn next_token(&self) -> Option<&str> {
        self.next_token.as_deref().filter(|token| !token.is_empty())
    }
}

impl ApiRequest {
    /// `GET /2023-03-30/functions`: one page of the region's functions, `limit` at most
    /// [`MAX_FUNCTIONS_PER_PAGE`]; `fc_version` [`FC_VERSION_3`] for FC 3.0's only.
    pub(crate) fn list_functions(
        limit: u32,
        next_token: Option<&str>,
        fc_version: Option<&str>,
    ) -> Self {
        let mut query = vec![("limit".to_owned(), limit.to_string())];
        if let Some(token) = next_token {
            query.push(("nextToken".to_owned(), token.to_owned()));
        }
        if let Some(version) = fc_version {
            query.push(("fcVersion".to_owned(), version.to_owned()));
        }
        Self {
            action: "ListFunctions",
            version: API_VERSION,
            method: "GET",
            path: encode::path([API_VERSION, "functions"]),
            query,
            body: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_pages_on_the_token_and_filters_on_the_version_when_asked() {
        let first = ApiRequest::list_functions(100, None, Some(FC_VERSION_3));
        assert_eq!(
            (
                first.action,
                first.method,
                first.path.as_str(),
                first.body.is_none()
            ),
            ("ListFunctions", "GET", "/2023-03-30/functions", true)
        );
        assert_eq!(
            first.path_and_query(),
            "/2023-03-30/functions?limit=100&fcVersion=v3"
        );
        let next = ApiRequest::list_functions(50, Some("tok en"), None);
        assert_eq!(
            next.path_and_query(),
            "/2023-03-30/functions?limit=50&nextToken=tok%20en"
        );
    }

    #[test]
    fn a_page_is_read_as_the_sdk_shapes_it() {
        let page: FunctionsPage = serde_json::from_str(
            r#"{"functions": [
                {"functionName": "api", "runtime": "python3.10", "functionArn": "acs:fc:…",
                 "layers": [{"arn": "acs:fc:r:1:layers/a/versions/2", "size": 10,
                             "codeChecksum": "1"}]},
                {"functionName": "bare", "layers": null},
                {"functionName": "none"}
            ], "nextToken": "abc", "requestId": "r"}"#,
        )
        .expect("parses");
        let arns: Vec<Vec<String>> = page
            .functions
            .iter()
            .map(ListedFunction::layer_arns)
            .collect();
        assert_eq!(
            arns,
            [
                vec!["acs:fc:r:1:layers/a/versions/2".to_owned()],
                vec![],
                vec![]
            ]
        );
        assert_eq!(
            page.functions[0].name().map(|n| n.to_string()),
            Ok("api".into())
        );
        assert_eq!(page.next_token(), Some("abc"));
        let last: FunctionsPage = serde_json::from_str(r#"{"functions": []}"#).expect("parses");
        assert_eq!((last.functions.len(), last.next_token()), (0, None));
        let nameless = r#"{"functions": [{"layers": []}]}"#;
        assert!(serde_json::from_str::<FunctionsPage>(nameless).is_err());
        let odd = ListedFunction {
            function_name: "a/b".into(),
            layers: None,
        };
        assert!(odd.name().is_err());
    }
}
