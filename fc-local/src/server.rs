//! The local service on a socket: axum hands each request to [`Service::handle`].

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use fc_layer_action::fc::ServiceError;
use fc_layer_action::fc::limits::MAX_INLINE_BASE64_BYTES;
use fc_layer_action::http::HttpReply;

use crate::config::Config;
use crate::reply::error_reply;
use crate::request::ReceivedRequest;
use crate::service::{Handled, Service};

/// Room for the largest inline layer plus the JSON around it.
const MAX_BODY_BYTES: usize = MAX_INLINE_BASE64_BYTES + 1024 * 1024;

/// The service as an axum router.
pub(crate) fn router(config: Config) -> std::io::Result<Router> {
    let service = Service::new(config)?;
    Ok(Router::new().fallback(handle).with_state(Arc::new(service)))
}

async fn handle(State(service): State<Arc<Service>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = header_pairs(&parts.headers);
    let handled = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => service.handle(&ReceivedRequest {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or_default(),
            headers: &headers,
            body: &body,
        }),
        Err(_) => Handled::Reply(error_reply(
            ServiceError::new(400, "EntityTooLarge", "the body is too large"),
            "none",
        )),
    };
    if let Some(delay) = service.delay() {
        tokio::time::sleep(delay).await;
    }
    match handled {
        Handled::Reply(reply) => into_response(reply),
        Handled::Drop => dropped_connection(),
    }
}

/// The headers as the service reads them: names in lower case (as axum gives them), values
/// as text.
pub fn header_pairs(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A reply whose body fails before its first byte: hyper closes the connection, and the
/// client sees it break after its request was applied.
pub fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("fc-local drops this reply"))
    });
    let mut response = Response::new(Body::from_stream(failing));
    response.headers_mut().insert(
        axum::http::header::CONTENT_LENGTH,
        HeaderValue::from_static("64"),
    );
    response
}

/// `reply` as axum's response: its status, its headers that HTTP allows, its body.
pub fn into_response(reply: HttpReply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
