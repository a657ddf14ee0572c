//! FC 3.0's layer API over the [`Store`]: the routes, each checked against the
//! `x-acs-action` and `x-acs-version` it must carry.

use fc_layer_action::fc::{API_VERSION, ServiceError};
use serde_json::Value;
use time::OffsetDateTime;

use crate::oss_store::OssStore;
use crate::percent;
use crate::request::ReceivedRequest;
use crate::store::Store;

/// A layer API call, by method and path.
pub(crate) enum Route<'a> {
    Create(&'a str),
    List(&'a str),
    Get(&'a str, &'a str),
    Delete(&'a str, &'a str),
    Acl(&'a str),
}

impl<'a> Route<'a> {
    fn find(method: &str, segments: &[&'a str]) -> Option<Self> {
        Some(match (method, segments) {
            ("POST", [API_VERSION, "layers", name, "versions"]) => Route::Create(name),
            ("GET", [API_VERSION, "layers", name, "versions"]) => Route::List(name),
            ("GET", [API_VERSION, "layers", name, "versions", version]) => {
                Route::Get(name, version)
            }
            ("DELETE", [API_VERSION, "layers", name, "versions", version]) => {
                Route::Delete(name, version)
            }
            ("PUT", [API_VERSION, "layers", name, "acl"]) => Route::Acl(name),
            _ => return None,
        })
    }

    /// The `x-acs-action` the route is, which faults are keyed by.
    pub(crate) fn action(&self) -> &'static str {
        match self {
            Route::Create(_) => "CreateLayerVersion",
            Route::List(_) => "ListLayerVersions",
            Route::Get(..) => "GetLayerVersion",
            Route::Delete(..) => "DeleteLayerVersion",
            Route::Acl(_) => "PutLayerACL",
        }
    }
}

/// `request`'s route, once its version and action headers agree with its path.
pub(crate) fn route<'a>(
    request: &ReceivedRequest<'_>,
    segments: &'a [String],
) -> Result<Route<'a>, ServiceError> {
    if request.header("x-acs-version") != Some(API_VERSION) {
        return Err(ServiceError::invalid_argument(format!(
            "x-acs-version must be {API_VERSION}"
        )));
    }
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let route = Route::find(request.method, &segments).ok_or_else(|| {
        ServiceError::new(
            400,
            "PathNotSupported",
            format!(
                "{} {} is not a layer API path",
                request.method, request.path
            ),
        )
    })?;
    let sent_action = request.header("x-acs-action").unwrap_or_default();
    if sent_action != route.action() {
        return Err(ServiceError::invalid_argument(format!(
            "x-acs-action {sent_action:?} does not match {} {}, which is {}",
            request.method,
            request.path,
            route.action()
        )));
    }
    Ok(route)
}

/// The path's segments, decoded, for [`route`] to match.
pub(crate) fn segments(path: &str) -> Vec<String> {
    path.split('/').skip(1).map(percent::decode).collect()
}

/// Does what `route` asks: a status and, for most calls, a JSON body.
pub(crate) fn answer(
    route: Route<'_>,
    request: &ReceivedRequest<'_>,
    store: &mut Store,
    oss: &OssStore,
    now: OffsetDateTime,
) -> Result<(u16, Option<Value>), ServiceError> {
    let query = request.query_pairs();
    match route {
        Route::Create(name) => {
            let layer = store.create_version(name, request.body, now, |bucket, key| {
                oss.object(bucket, key)
            })?;
            Ok((200, Some(layer)))
        }
        Route::List(name) => Ok((200, Some(store.list_versions(name, &query)?))),
        Route::Get(name, version) => Ok((200, Some(store.get_version(name, version)?))),
        Route::Delete(name, version) => store.delete_version(name, version).map(|()| (204, None)),
        Route::Acl(name) => store.put_acl(name, &query).map(|()| (200, None)),
    }
}
