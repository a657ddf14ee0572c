//! What goes wrong with an OSS call, and how OSS's error document is read into it.

use super::xml;
use crate::http::{HttpReply, TransportError};
use crate::outside_text::capped_owned;

#[derive(Debug, thiserror::Error)]
pub enum OssError {
    #[error("OSS {operation} failed: HTTP {status} {code}: {message}{}", request_id_suffix(.request_id))]
    Service {
        operation: &'static str,
        status: u16,
        code: String,
        message: String,
        request_id: String,
    },
    #[error("OSS {operation}: {source}")]
    Transport {
        operation: &'static str,
        source: TransportError,
    },
    #[error("OSS {operation}: the reply is not what OSS documents: {problem}")]
    InvalidReply {
        operation: &'static str,
        problem: String,
    },
    #[error(
        "OSS {operation}: OSS did not confirm the checksum: its reply has no x-oss-hash-crc64ecma, so the object cannot be trusted to hold what was sent"
    )]
    ChecksumMissing { operation: &'static str },
    #[error("OSS {operation}: cannot build the request's URL: {source}")]
    Url {
        operation: &'static str,
        source: url::ParseError,
    },
    #[error(
        "OSS {operation}: OSS computed CRC-64 {theirs} but the data sent has {ours}; it was damaged on the way"
    )]
    ChecksumMismatch {
        operation: &'static str,
        ours: String,
        theirs: String,
    },
}

fn request_id_suffix(request_id: &str) -> String {
    if request_id.is_empty() {
        String::new()
    } else {
        format!(" (RequestId {request_id})")
    }
}

impl OssError {
    /// Whether trying again could succeed: the network, 5xx, throttling.
    fn is_retryable(&self) -> bool {
        match self {
            OssError::Transport { source, .. } => source.is_transient(),
            OssError::Service { status, code, .. } => {
                *status >= 500
                    || *status == 429
                    || code == "SlowDown"
                    || code.starts_with("Throttling")
            }
            OssError::InvalidReply { .. }
            | OssError::ChecksumMissing { .. }
            | OssError::Url { .. } => false,
            // A part damaged on the way may well arrive whole the next time.
            OssError::ChecksumMismatch { .. } => true,
        }
    }
}

impl crate::backoff::Transient for OssError {
    fn is_retryable(&self) -> bool {
        OssError::is_retryable(self)
    }
    fn outcome_unknown(&self) -> bool {
        self.may_have_applied()
    }
}

impl OssError {
    /// Whether the call may have taken effect although it failed: the request went out and
    /// no clear refusal came back.
    fn may_have_applied(&self) -> bool {
        match self {
            OssError::Transport { source, .. } => source.request_may_have_arrived(),
            OssError::Service { status, .. } => *status >= 500,
            OssError::InvalidReply { .. }
            | OssError::ChecksumMismatch { .. }
            | OssError::ChecksumMissing { .. } => true,
            OssError::Url { .. } => false,
        }
    }
}

/// The reply of a 2xx answer, or the error OSS's reply describes.
pub(super) fn accepted(operation: &'static str, reply: HttpReply) -> Result<HttpReply, OssError> {
    let text = String::from_utf8_lossy(&reply.body);
    // A 2xx whose body is OSS's `<Error>` document did not succeed, whatever its status.
    if reply.is_success() && !text.contains("<Error>") {
        return Ok(reply);
    }
    let field = |tag| capped_owned(xml::element(&text, tag).unwrap_or_default());
    let mut code = field("Code");
    if code.is_empty() {
        code = if (300..400).contains(&reply.status) {
            "Redirect".to_owned()
        } else {
            "UnknownError".to_owned()
        };
    }
    let mut message = field("Message");
    if (300..400).contains(&reply.status) {
        message = "OSS does not redirect these calls, so the redirect was not followed".to_owned();
    }
    let request_id = match field("RequestId") {
        id if id.is_empty() => capped_owned(reply.header("x-oss-request-id").unwrap_or_default()),
        id => id,
    };
    Err(OssError::Service {
        operation,
        status: reply.status,
        code,
        message,
        request_id,
    })
}
