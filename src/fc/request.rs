//! Each layer API call as an [`ApiRequest`]: method, path, query and body, built from
//! validated values and ready for [`crate::sign::acs3`].

use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::{Serialize, Serializer};

use super::LayerName;
use crate::encode;

pub const API_VERSION: &str = "2023-03-30";

/// Who may use a layer's versions: the account alone, or everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acl {
    Private,
    Public,
}

impl Acl {
    /// The word the `acl` input takes.
    pub fn name(self) -> &'static str {
        match self {
            Acl::Private => "private",
            Acl::Public => "public",
        }
    }
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
    /// JSON; `None` sends no body and no `content-type`. Shared, so that a retry re-sends
    /// the same bytes without a copy.
    pub body: Option<Bytes>,
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
            body: Some(Bytes::from(serde_json::to_vec(input)?)),
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

    /// Makes every version of the layer public or private.
    pub fn put_layer_acl(layer_name: &LayerName, acl: Acl) -> Self {
        let value = match acl {
            Acl::Private => "0",
            Acl::Public => "1",
        };
        Self {
            action: "PutLayerACL",
            method: "PUT",
            path: encode::path([API_VERSION, "layers", layer_name.as_str(), "acl"]),
            query: vec![("acl".to_owned(), value.to_owned())],
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

    /// The headers the request carries and signs before [`crate::sign::acs3::sign`] adds its own.
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
        let body = String::from_utf8(request.body.expect("has a body").to_vec()).expect("utf-8");
        assert_eq!(
            body,
            r#"{"code":{"zipFile":"UEsFBg==","checksum":"42"},"compatibleRuntime":["python3.10"],"description":"d\"q"}"#
        );
    }
}
