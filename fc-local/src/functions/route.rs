//! The function calls by method and path, each checked against the `x-acs-action` and
//! `x-acs-version` it must carry; faults are keyed by [`Route::action`].

use fc_layer_action::fc::{API_VERSION, ServiceError};

use crate::request::ReceivedRequest;

/// A function call: what it is, and on which function.
pub struct Route<'a> {
    pub(super) call: Call<'a>,
}

/// The calls, with the path's names (decoded).
pub(super) enum Call<'a> {
    Get(&'a str),
    Update(&'a str),
}

impl Route<'_> {
    /// The `x-acs-action` the call is.
    pub fn action(&self) -> &'static str {
        match self.call {
            Call::Get(_) => "GetFunction",
            Call::Update(_) => "UpdateFunction",
        }
    }
}

impl<'a> Call<'a> {
    fn find(method: &str, segments: &[&'a str]) -> Option<Self> {
        Some(match (method, segments) {
            ("GET", [API_VERSION, "functions", name]) => Call::Get(name),
            ("PUT", [API_VERSION, "functions", name]) => Call::Update(name),
            _ => return None,
        })
    }
}

/// The route of a function call, `None` for any other path; the action and version headers
/// must agree.
pub fn route<'a>(
    request: &ReceivedRequest<'_>,
    segments: &'a [String],
) -> Result<Option<Route<'a>>, ServiceError> {
    let segments: Vec<&'a str> = segments.iter().map(String::as_str).collect();
    let Some(call) = Call::find(request.method, &segments) else {
        return Ok(None);
    };
    let route = Route { call };
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
