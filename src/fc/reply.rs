//! What the layer API answers: a [`Layer`] on success, a [`ServiceError`] otherwise. The
//! client parses these and the local service writes them, so there is one wire type each.

use std::fmt;
use std::time::Duration;

use crate::outside_text::capped_owned;
use serde::{Deserialize, Serialize};

use super::LayerName;

/// A layer version as CreateLayerVersion, GetLayerVersion and ListLayerVersions describe
/// it; only what the action reports or compares is read.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub layer_version_arn: String,
    pub(crate) version: i64,
    #[serde(default)]
    pub(crate) code_checksum: Option<String>,
    #[serde(default)]
    pub(crate) code_size: Option<i64>,
    #[serde(default)]
    pub(crate) compatible_runtime: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) license: Option<String>,
}

/// One page of ListLayerVersions; the next starts at `next_version`, absent on the last.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LayerVersionsPage {
    #[serde(default)]
    pub(crate) layers: Vec<Layer>,
    #[serde(default)]
    pub(crate) next_version: Option<i64>,
}

/// How a [`Layer`] in a reply departs from what the API documents. The message says what is
/// wrong without repeating the value, which may hold anything.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InvalidLayer {
    #[error("version is {0}, not a version number")]
    Version(i64),
    #[error("layerVersionArn is empty")]
    EmptyArn,
    #[error("layerVersionArn holds control characters")]
    ControlInArn,
    #[error("layerVersionArn does not end with `:{tail}`")]
    ArnTail { tail: String },
    #[error("codeChecksum is not a decimal number")]
    Checksum,
    #[error("codeSize is negative")]
    Size,
}

impl Layer {
    /// Checks that this reply describes a version of `layer_name` the way the API documents
    /// it, so that nothing malformed reaches the log or the outputs.
    pub(crate) fn check(&self, layer_name: &LayerName) -> Result<(), InvalidLayer> {
        if self.version < 1 {
            return Err(InvalidLayer::Version(self.version));
        }
        let arn = &self.layer_version_arn;
        if arn.is_empty() {
            return Err(InvalidLayer::EmptyArn);
        }
        if arn.chars().any(char::is_control) {
            return Err(InvalidLayer::ControlInArn);
        }
        let tail = format!("layers/{layer_name}/versions/{}", self.version);
        if !arn.ends_with(&format!(":{tail}")) {
            return Err(InvalidLayer::ArnTail { tail });
        }
        if let Some(checksum) = &self.code_checksum
            && (checksum.is_empty() || !checksum.bytes().all(|byte| byte.is_ascii_digit()))
        {
            return Err(InvalidLayer::Checksum);
        }
        if self.code_size.is_some_and(|size| size < 0) {
            return Err(InvalidLayer::Size);
        }
        Ok(())
    }
}

/// An error reply: `{"Code", "Message", "RequestId"}`, read in either capitalisation and
/// written in FC's.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status; not part of the body.
    #[serde(skip)]
    pub status: u16,
    /// FC 2.0 (the temporary bucket's lender) names them `ErrorCode` and `ErrorMessage`.
    #[serde(rename = "Code", alias = "code", alias = "ErrorCode", default)]
    pub code: String,
    #[serde(rename = "Message", alias = "message", alias = "ErrorMessage", default)]
    pub message: String,
    #[serde(rename = "RequestId", alias = "requestId", default)]
    pub request_id: String,
    /// How long the service asked the client to wait (`x-acs-retry-after`, `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl ServiceError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            request_id: String::new(),
            retry_after: None,
        }
    }

    /// 400 `InvalidArgument`, FC's answer to a malformed request.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }

    /// Parses an error body; a body that is not the documented JSON still yields an error
    /// that carries the status and the start of the text.
    pub fn from_reply(status: u16, body: &[u8], request_id_header: Option<&str>) -> Self {
        let mut error = serde_json::from_slice::<ServiceError>(body).unwrap_or_else(|_| {
            let text = String::from_utf8_lossy(body);
            ServiceError {
                message: text.chars().take(300).collect(),
                ..ServiceError::default()
            }
        });
        error.status = status;
        if error.request_id.is_empty() {
            error.request_id = request_id_header.unwrap_or_default().to_owned();
        }
        for text in [&mut error.code, &mut error.message, &mut error.request_id] {
            *text = capped_owned(std::mem::take(text));
        }
        error
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = if self.code.is_empty() {
            "UnknownError"
        } else {
            &self.code
        };
        write!(f, "HTTP {} {code}: {}", self.status, self.message.trim())?;
        if !self.request_id.is_empty() {
            write!(f, " (RequestId {})", self.request_id)?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_error_accepts_both_casings_and_plain_text() {
        let upper = ServiceError::from_reply(
            403,
            br#"{"Code":"SignatureNotMatch","Message":"m","RequestId":"r1"}"#,
            None,
        );
        assert_eq!(
            upper.to_string(),
            "HTTP 403 SignatureNotMatch: m (RequestId r1)"
        );
        let lower = ServiceError::from_reply(
            404,
            br#"{"code":"LayerNotFound","message":"gone","requestId":"r2"}"#,
            None,
        );
        assert_eq!(lower.code, "LayerNotFound");
        assert_eq!(lower.request_id, "r2");
        let fc2 = ServiceError::from_reply(
            503,
            br#"{"ErrorCode":"ServiceUnavailable","ErrorMessage":"try later"}"#,
            Some("r3"),
        );
        assert_eq!(
            fc2.to_string(),
            "HTTP 503 ServiceUnavailable: try later (RequestId r3)"
        );
        let plain = ServiceError::from_reply(502, b"Bad Gateway", Some("hdr"));
        assert_eq!(
            plain.to_string(),
            "HTTP 502 UnknownError: Bad Gateway (RequestId hdr)"
        );
    }

    fn layer(arn: &str, version: i64) -> Layer {
        Layer {
            layer_version_arn: arn.to_owned(),
            version,
            code_checksum: Some("123".to_owned()),
            code_size: Some(5),
            ..Layer::default()
        }
    }

    #[test]
    fn a_layer_must_describe_the_version_of_the_layer_asked_for() {
        let name = LayerName::parse("my-layer").expect("valid");
        let good = "acs:fc:cn-hangzhou:123:layers/my-layer/versions/3";
        assert_eq!(layer(good, 3).check(&name), Ok(()));
        for (arn, version) in [
            ("", 3),
            (good, 0),
            (good, -5),
            (good, 4),
            ("acs:fc:cn-hangzhou:123:layers/other/versions/3", 3),
            ("acs:fc:x:1:layers/not-my-layer/versions/3", 3),
            ("acs:fc:x\n::stop-commands::y:layers/my-layer/versions/3", 3),
        ] {
            assert!(
                layer(arn, version).check(&name).is_err(),
                "{arn:?} {version}"
            );
        }
        let mut bad_checksum = layer(good, 3);
        bad_checksum.code_checksum = Some("12\r\n::error::x".to_owned());
        assert!(bad_checksum.check(&name).is_err());
    }

    #[test]
    fn what_the_service_writes_the_client_reads_back() {
        let mut sent = ServiceError::new(409, "ConcurrentUpdateError", "busy");
        sent.request_id = "r3".into();
        let body = serde_json::to_vec(&sent).expect("serialises");
        assert_eq!(
            String::from_utf8_lossy(&body),
            r#"{"Code":"ConcurrentUpdateError","Message":"busy","RequestId":"r3"}"#
        );
        assert_eq!(ServiceError::from_reply(409, &body, None), sent);
    }
}
