//! The FC 3.0 layer API as data: requests built from validated values, replies parsed.
//! Nothing here touches the network; [`crate::client`] sends what this builds.

use std::fmt;

use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize, Serializer};

use crate::encode;
use crate::inputs::LayerName;

pub const API_VERSION: &str = "2023-03-30";

/// FC takes at most this much Base64 text in `code.zipFile`.
pub const MAX_INLINE_BASE64_BYTES: usize = 100 * 1024 * 1024;

/// The length of the Base64 text for `zip_len` bytes.
pub fn base64_len(zip_len: usize) -> usize {
    zip_len.div_ceil(3) * 4
}

/// One API call, ready to be signed and sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest {
    /// `x-acs-action`.
    pub action: &'static str,
    pub method: &'static str,
    /// Percent-encoded, as it goes on the wire and into the signature.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// JSON; `None` sends no body and no `content-type`.
    pub body: Option<Vec<u8>>,
}

impl ApiRequest {
    pub fn create_layer_version(
        layer_name: &LayerName,
        input: &CreateLayerVersionInput<'_>,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            action: "CreateLayerVersion",
            method: "POST",
            path: encode::path([API_VERSION, "layers", layer_name.as_str(), "versions"]),
            query: Vec::new(),
            body: Some(serde_json::to_vec(input)?),
        })
    }

    /// One page of a layer's versions; page on with the reply's `nextVersion`.
    pub fn list_layer_versions(
        layer_name: &LayerName,
        limit: u32,
        start_version: Option<i64>,
    ) -> Self {
        let mut query = vec![("limit".to_owned(), limit.to_string())];
        if let Some(start) = start_version {
            query.push(("startVersion".to_owned(), start.to_string()));
        }
        Self {
            action: "ListLayerVersions",
            method: "GET",
            path: encode::path([API_VERSION, "layers", layer_name.as_str(), "versions"]),
            query,
            body: None,
        }
    }

    pub fn get_layer_version(layer_name: &LayerName, version: i64) -> Self {
        Self::version_call("GetLayerVersion", "GET", layer_name, version)
    }

    pub fn delete_layer_version(layer_name: &LayerName, version: i64) -> Self {
        Self::version_call("DeleteLayerVersion", "DELETE", layer_name, version)
    }

    /// Makes every version of the layer public (`true`) or private.
    pub fn put_layer_acl(layer_name: &LayerName, public: bool) -> Self {
        Self {
            action: "PutLayerACL",
            method: "PUT",
            path: encode::path([API_VERSION, "layers", layer_name.as_str(), "acl"]),
            query: vec![("acl".to_owned(), if public { "1" } else { "0" }.to_owned())],
            body: None,
        }
    }

    fn version_call(
        action: &'static str,
        method: &'static str,
        layer_name: &LayerName,
        version: i64,
    ) -> Self {
        let version = version.to_string();
        Self {
            action,
            method,
            path: encode::path([
                API_VERSION,
                "layers",
                layer_name.as_str(),
                "versions",
                &version,
            ]),
            query: Vec::new(),
            body: None,
        }
    }

    /// The headers the request carries and signs before [`crate::sign::sign`] adds its own.
    pub fn headers(&self, host: &str) -> Vec<(String, String)> {
        let mut headers = vec![
            ("host".to_owned(), host.to_owned()),
            ("x-acs-action".to_owned(), self.action.to_owned()),
            ("x-acs-version".to_owned(), API_VERSION.to_owned()),
        ];
        if self.body.is_some() {
            headers.push((
                "content-type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ));
        }
        headers
    }

    /// The path with its encoded query, for the URL.
    pub fn path_and_query(&self) -> String {
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(key, value)| format!("{}={}", encode::encode(key), encode::encode(value)))
            .collect();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, query.join("&"))
        }
    }
}

/// The body of CreateLayerVersion. It borrows the zip and writes its Base64 straight into
/// the JSON, so a large layer is not held as Base64 text and again as JSON.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLayerVersionInput<'a> {
    pub code: InlineCode<'a>,
    pub compatible_runtime: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InlineCode<'a> {
    #[serde(serialize_with = "as_base64")]
    pub zip_file: &'a [u8],
    /// CRC-64/XZ as a decimal string; FC rejects the call if the zip does not match it.
    pub checksum: String,
}

fn as_base64<S: Serializer>(bytes: &&[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&Base64Display::new(bytes, &STANDARD))
}

/// The reply to CreateLayerVersion and GetLayerVersion. Only what the action reports is
/// required; the rest is kept for the log.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub layer_version_arn: String,
    pub version: i64,
    #[serde(default)]
    pub code_checksum: Option<String>,
    #[serde(default)]
    pub code_size: Option<i64>,
    #[serde(default)]
    pub layer_name: Option<String>,
    #[serde(default)]
    pub compatible_runtime: Option<Vec<String>>,
}

/// An error reply: `{"Code", "Message", "RequestId"}`, in either capitalisation.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct ServiceError {
    #[serde(skip)]
    pub status: u16,
    #[serde(rename = "Code", alias = "code", default)]
    pub code: String,
    #[serde(rename = "Message", alias = "message", default)]
    pub message: String,
    #[serde(rename = "RequestId", alias = "requestId", default)]
    pub request_id: String,
}

impl ServiceError {
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
    fn body_holds_base64_and_checksum_in_fc_field_names() {
        let runtimes = vec!["python3.10".to_owned()];
        let input = CreateLayerVersionInput {
            code: InlineCode {
                zip_file: b"PK\x05\x06",
                checksum: "42".into(),
            },
            compatible_runtime: &runtimes,
            description: Some("d\"q"),
            license: None,
        };
        let name = LayerName::parse("my-layer").expect("valid");
        let request = ApiRequest::create_layer_version(&name, &input).expect("serialises");
        assert_eq!(request.path, "/2023-03-30/layers/my-layer/versions");
        let body = String::from_utf8(request.body.expect("has a body")).expect("utf-8");
        assert_eq!(
            body,
            r#"{"code":{"zipFile":"UEsFBg==","checksum":"42"},"compatibleRuntime":["python3.10"],"description":"d\"q"}"#
        );
    }

    #[test]
    fn base64_len_rounds_up_to_whole_quads() {
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(1), 4);
        assert_eq!(base64_len(3), 4);
        assert_eq!(base64_len(4), 8);
    }

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
        let plain = ServiceError::from_reply(502, b"Bad Gateway", Some("hdr"));
        assert_eq!(
            plain.to_string(),
            "HTTP 502 UnknownError: Bad Gateway (RequestId hdr)"
        );
    }
}
