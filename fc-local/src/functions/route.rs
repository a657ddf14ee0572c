//! The function calls by method and path, each checked against the `x-acs-action` and
//! `x-acs-version` it must carry; faults are keyed by [`Route::action`].

use fc_layer_action::fc::{API_VERSION, ServiceError};

use crate::request::ReceivedRequest;

/// A function call: what it is, on which function, and its query.
pub(crate) struct Route<'a> {
    pub(super) call: Call<'a>,
    pub(super) query: Vec<(String, String)>,
}

/// The calls, with the path's names (decoded): the function's, then the alias's.
pub(super) enum Call<'a> {
    List,
    Get(&'a str),
    Update(&'a str),
    Publish(&'a str),
    ListVersions(&'a str),
    GetAlias(&'a str, &'a str),
    CreateAlias(&'a str),
    UpdateAlias(&'a str, &'a str),
}

impl Route<'_> {
    /// The `x-acs-action` the call is.
    pub(crate) fn action(&self) -> &'static str {
        match self.call {
            Call::List => "ListFunctions",
            Call::Get(_) => "GetFunction",
            Call::Update(_) => "UpdateFunction",
            Call::Publish(_) => "PublishFunctionVersion",
            Call::ListVersions(_) => "ListFunctionVersions",
            Call::GetAlias(..) => "GetAlias",
            Call::CreateAlias(_) => "CreateAlias",
            Call::UpdateAlias(..) => "UpdateAlias",
        }
    }
}

impl<'a> Call<'a> {
    fn find(method: &str, segments: &[&'a str]) -> Option<Self> {
        Some(match (method, segments) {
            ("GET", [API_VERSION, "functions"]) => Call::List,
            ("GET", [API_VERSION, "functions", name]) => Call::Get(name),
            ("PUT", [API_VERSION, "functions", name]) => Call::Update(name),
            ("POST", [API_VERSION, "functions", name, "versions"]) => Call::Publish(name),
            ("GET", [API_VERSION, "functions", name, "versions"]) => Call::ListVersions(name),
            ("POST", [API_VERSION, "functions", name, "aliases"]) => Call::CreateAlias(name),
            ("GET", [API_VERSION, "functions", name, "aliases", alias]) => {
                Call::GetAlias(name, alias)
            }
            ("PUT", [API_VERSION, "functions", name, "aliases", alias]) => {
                Call::UpdateAlias(name, alias)
            }
            _ => return None,
        })
    }
}

/// The route of a function call, `None` for any other path; the action and version headers
/// must agree.
pub(crate) fn route<'a>(
    request: &ReceivedRequest<'_>,
    segments: &'a [String],
) -> Result<Option<Route<'a>>, ServiceError> {
    let segments: Vec<&'a str> = segments.iter().map(String::as_str).collect();
    let Some(call) = Call::find(request.method, &segments) else {
        return Ok(None);
    };
    let route = Route {
        call,
        query: request.query_pairs(),
    };
    if request.header("x-acs-version") != Some(API_VERSION) {
        return Err(ServiceError::invalid_argument(format!(
            "x-acs-version must be {API_VERSION}"
        )));
    }
    let sent = request.header("x-acs-action").unwrap_or_default();
    if sent != route.action() {
        return Err(ServiceError::invalid_argument(format!(
            "x-acs-action {sent:?} does not match {} {}, which is {}",
            request.method,
            request.path,
            route.action()
        )));
    }
    Ok(Some(route))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fc3::segments;

    fn action(method: &str, path: &str) -> Option<&'static str> {
        let segments = segments(path);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let call = Call::find(method, &segments)?;
        Some(
            Route {
                call,
                query: Vec::new(),
            }
            .action(),
        )
    }

    fn routed(headers: &[(String, String)]) -> Result<Option<&'static str>, ServiceError> {
        let segments = segments("/2023-03-30/functions/api/aliases");
        let request = ReceivedRequest {
            method: "POST",
            path: "/2023-03-30/functions/api/aliases",
            query: "",
            headers,
            body: b"",
        };
        route(&request, &segments).map(|route| route.map(|route| route.action()))
    }

    #[test]
    fn each_call_is_its_method_and_path() {
        let fns = "/2023-03-30/functions";
        assert_eq!(action("GET", fns), Some("ListFunctions"));
        assert_eq!(action("GET", &format!("{fns}/api")), Some("GetFunction"));
        assert_eq!(action("PUT", &format!("{fns}/api")), Some("UpdateFunction"));
        let versions = format!("{fns}/api/versions");
        assert_eq!(action("POST", &versions), Some("PublishFunctionVersion"));
        assert_eq!(action("GET", &versions), Some("ListFunctionVersions"));
        let aliases = format!("{fns}/api/aliases");
        assert_eq!(action("POST", &aliases), Some("CreateAlias"));
        assert_eq!(action("GET", &format!("{aliases}/prod")), Some("GetAlias"));
        assert_eq!(
            action("PUT", &format!("{aliases}/prod")),
            Some("UpdateAlias")
        );
        assert_eq!(action("DELETE", &format!("{fns}/api")), None);
        assert_eq!(action("GET", "/2023-03-30/layers/x/versions"), None);
    }

    #[test]
    fn the_action_and_version_headers_must_agree_with_the_path() {
        let header = |name: &str, value: &str| (name.to_owned(), value.to_owned());
        let good = [
            header("x-acs-version", API_VERSION),
            header("x-acs-action", "CreateAlias"),
        ];
        assert_eq!(routed(&good).unwrap(), Some("CreateAlias"));
        let wrong_action = [
            header("x-acs-version", API_VERSION),
            header("x-acs-action", "UpdateAlias"),
        ];
        let no_version = [header("x-acs-action", "CreateAlias")];
        for headers in [&wrong_action[..], &no_version[..]] {
            let error = routed(headers).expect_err("refused");
            assert_eq!(
                (error.status, error.code.as_str()),
                (400, "InvalidArgument")
            );
        }
    }
}
