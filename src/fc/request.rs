//! Each layer API call as an [`ApiRequest`]: method, path, query and body, built from
//! validated values and ready for [`crate::sign::acs3`].

use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::{Serialize, Serializer};

use super::LayerName;
use crate::encode;
use crate::oss_names::BucketName;

pub const API_VERSION: &str = "2023-03-30";
/// STS's API version, for GetCallerIdentity.
pub const STS_API_VERSION: &str = "2015-04-01";

/// Who may use a layer's versions: the account alone, or everyone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acl {
    Private,
    Public,
}

impl Acl {
    /// The word the `acl` input takes.
    pub(crate) fn name(self) -> &'static str {
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
    /// `x-acs-version`: the API's date, FC's [`API_VERSION`] or STS's.
    pub version: &'static str,
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
            version: API_VERSION,
            method: "POST",
            path: encode::path([API_VERSION, "layers", layer_name.as_str(), "versions"]),
            query: Vec::new(),
            body: Some(Bytes::from(serde_json::to_vec(input)?)),
        })
    }

    /// CreateLayerVersion with the zip inline, read from `zip` (`zip_len` bytes) and written
    /// as Base64 straight into the body: the request holds the body and nothing else.
    /// `input.code` must be inline with an empty `zip_file`, whose place the zip takes.
    pub(crate) fn create_layer_version_from(
        layer_name: &LayerName,
        input: &CreateLayerVersionInput<'_>,
        mut zip: impl std::io::Read,
        zip_len: u64,
    ) -> std::io::Result<Self> {
        const PLACE: &[u8] = br#""zipFile":"""#;
        let json = serde_json::to_vec(input)?;
        // A JSON string cannot hold an unescaped quote, so the first match is the field.
        let at = json
            .windows(PLACE.len())
            .position(|window| window == PLACE)
            .map(|at| at + PLACE.len() - 1)
            .ok_or_else(|| std::io::Error::other("the body has no empty zipFile to fill"))?;
        let base64_len = usize::try_from(zip_len.div_ceil(3) * 4).map_err(std::io::Error::other)?;
        let mut body = Vec::with_capacity(json.len() + base64_len);
        body.extend_from_slice(&json[..at]);
        {
            let mut encoder = base64::write::EncoderWriter::new(&mut body, &STANDARD);
            std::io::copy(&mut zip, &mut encoder)?;
            encoder.finish()?;
        }
        body.extend_from_slice(&json[at..]);
        let mut request = Self::create_layer_version_body(layer_name);
        request.body = Some(Bytes::from(body));
        Ok(request)
    }

    /// CreateLayerVersion whose zip is an OSS object.
    pub(crate) fn create_layer_version_from_oss(
        layer_name: &LayerName,
        input: &CreateLayerVersionInput<'_>,
    ) -> Result<Self, serde_json::Error> {
        let mut request = Self::create_layer_version_body(layer_name);
        request.body = Some(Bytes::from(serde_json::to_vec(input)?));
        Ok(request)
    }

    fn create_layer_version_body(layer_name: &LayerName) -> Self {
        Self {
            action: "CreateLayerVersion",
            version: API_VERSION,
            method: "POST",
            path: encode::path([API_VERSION, "layers", layer_name.as_str(), "versions"]),
            query: Vec::new(),
            body: None,
        }
    }

    /// STS GetCallerIdentity: who the credentials belong to, and so the account id.
    pub(crate) fn get_caller_identity() -> Self {
        Self {
            action: "GetCallerIdentity",
            version: STS_API_VERSION,
            method: "POST",
            path: "/".to_owned(),
            query: Vec::new(),
            body: None,
        }
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
            version: API_VERSION,
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
            version: API_VERSION,
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
        let version_number = version.to_string();
        Self {
            action,
            version: API_VERSION,
            method,
            path: encode::path([
                API_VERSION,
                "layers",
                layer_name.as_str(),
                "versions",
                &version_number,
            ]),
            query: Vec::new(),
            body: None,
        }
    }

    /// The headers the request carries and signs before [`crate::sign::acs3::sign`] adds its own.
    pub(crate) fn headers(&self, host: &str) -> Vec<(String, String)> {
        let mut headers = vec![
            ("host".to_owned(), host.to_owned()),
            ("x-acs-action".to_owned(), self.action.to_owned()),
            ("x-acs-version".to_owned(), self.version.to_owned()),
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
    pub(crate) fn path_and_query(&self) -> String {
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
    pub code: Code<'a>,
    pub compatible_runtime: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<&'a str>,
}

/// Where the zip is: in the request, or in an OSS bucket of the same region.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Code<'a> {
    Inline(InlineCode<'a>),
    Oss(OssCode<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OssCode<'a> {
    pub(crate) oss_bucket_name: &'a BucketName,
    pub(crate) oss_object_name: &'a str,
    /// CRC-64/XZ of the object, when known; FC rejects the call if it does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) checksum: Option<String>,
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
            code: Code::Inline(InlineCode {
                zip_file: b"PK\x05\x06",
                checksum: "42".into(),
            }),
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

    #[test]
    fn a_body_streamed_from_a_reader_equals_the_one_built_in_memory() {
        let runtimes = vec!["nodejs20".to_owned()];
        let name = LayerName::parse("my-layer").expect("valid");
        let zip: Vec<u8> = (0..=255u8).cycle().take(10_001).collect();
        let input = |zip_file| CreateLayerVersionInput {
            code: Code::Inline(InlineCode {
                zip_file,
                checksum: "7".into(),
            }),
            compatible_runtime: &runtimes,
            description: Some(r#"has "zipFile":"" inside"#),
            license: Some("MIT"),
        };
        let in_memory = ApiRequest::create_layer_version(&name, &input(&zip)).expect("serialises");
        let streamed =
            ApiRequest::create_layer_version_from(&name, &input(&[]), &zip[..], zip.len() as u64)
                .expect("streams");
        assert_eq!(streamed, in_memory);
    }

    #[test]
    fn oss_code_names_the_object_and_sends_the_checksum_when_known() {
        let name = LayerName::parse("big").expect("valid");
        let input = CreateLayerVersionInput {
            code: Code::Oss(OssCode {
                oss_bucket_name: &BucketName::parse("bucket").expect("valid"),
                oss_object_name: "1234/layer.zip",
                checksum: None,
            }),
            compatible_runtime: &[],
            description: None,
            license: None,
        };
        let request = ApiRequest::create_layer_version_from_oss(&name, &input).expect("serialises");
        let body = String::from_utf8(request.body.expect("a body").to_vec()).expect("utf-8");
        assert_eq!(
            body,
            r#"{"code":{"ossBucketName":"bucket","ossObjectName":"1234/layer.zip"},"compatibleRuntime":[]}"#
        );
    }
}
