//! The capture file: every API request as it arrived, one JSON line each, in the format
//! `tests/sdk/conftest.py` reads for the SDK conformance tests.

use std::fs::File;
use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fc_layer_action::fc::ServiceError;
use serde_json::{Value, json};

use crate::request::ReceivedRequest;

/// Records `request` and the status it got. A capture that cannot be written fails loudly,
/// or the conformance test would check fewer requests than were sent.
pub(crate) fn record(
    file: Option<&mut File>,
    request: &ReceivedRequest<'_>,
    status: u16,
) -> Result<(), ServiceError> {
    let Some(file) = file else {
        return Ok(());
    };
    writeln!(file, "{}", line(request, status))
        .map_err(|_| ServiceError::new(500, "InternalServerError", "cannot write the capture file"))
}

fn line(request: &ReceivedRequest<'_>, status: u16) -> Value {
    json!({
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "headers": request.headers,
        "body_base64": STANDARD.encode(request.body),
        "status": status,
    })
}
