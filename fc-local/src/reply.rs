//! The JSON replies of FC 3.0, FC 2.0 and STS, each carrying its request id.

use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::HttpReply;
use serde_json::Value;

pub(crate) fn json_reply(status: u16, value: &Value, request_id: &str) -> HttpReply {
    with_request_id(
        HttpReply {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        },
        request_id,
    )
}

/// `error` as FC writes it, with `x-acs-retry-after` when it asks the client to wait.
pub(crate) fn error_reply(mut error: ServiceError, request_id: &str) -> HttpReply {
    error.request_id = request_id.to_owned();
    let body = serde_json::to_value(&error).unwrap_or_default();
    let mut reply = json_reply(error.status, &body, request_id);
    if let Some(wait) = error.retry_after {
        reply
            .headers
            .push(("x-acs-retry-after".to_owned(), wait.as_millis().to_string()));
    }
    reply
}

/// A reply with no body (a 204 to a delete, a 200 to an ACL change).
pub(crate) fn empty_reply(status: u16, request_id: &str) -> HttpReply {
    with_request_id(
        HttpReply {
            status,
            ..HttpReply::default()
        },
        request_id,
    )
}

fn with_request_id(mut reply: HttpReply, request_id: &str) -> HttpReply {
    reply
        .headers
        .push(("x-acs-request-id".to_owned(), request_id.to_owned()));
    reply
}
