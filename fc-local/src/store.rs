//! The layers the local service holds, and what each API call does to them.

use std::collections::BTreeMap;
use std::io::{self, Cursor};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::fc::limits::{
    MAX_DESCRIPTION_CHARS, MAX_INLINE_BASE64_BYTES, MAX_OSS_ZIP_BYTES, MAX_RUNTIMES,
};
use fc_layer_action::fc::{LayerName, ServiceError};

use crate::dates::format_iso8601;

/// `CreateLayerVersionInput`, strictly: an unknown field is a client bug worth a 400.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    code: CodeBody,
    #[serde(default)]
    compatible_runtime: Vec<String>,
    description: Option<String>,
    license: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CodeBody {
    zip_file: Option<String>,
    oss_bucket_name: Option<String>,
    oss_object_name: Option<String>,
    checksum: Option<String>,
}

/// One published version, as FC describes it, plus what was in its zip.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Version {
    #[serde(flatten)]
    layer: Value,
    /// The zip's entry names and sizes, for tests that check what was published.
    files: Vec<ZipEntry>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ZipEntry {
    name: String,
    size: u64,
    unix_mode: Option<u32>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct LayerRecord {
    acl: String,
    /// Version numbers are never reused, even after a delete, as in FC.
    last_version: i64,
    versions: BTreeMap<i64, Version>,
}

pub(crate) struct Store {
    region: String,
    account_id: String,
    layers: BTreeMap<String, LayerRecord>,
}

impl Store {
    pub(crate) fn new(region: impl Into<String>, account_id: impl Into<String>) -> Self {
        Self {
            region: region.into(),
            account_id: account_id.into(),
            layers: BTreeMap::new(),
        }
    }

    /// CreateLayerVersion. `object` looks up `code.ossBucketName`/`ossObjectName` in the
    /// service's OSS.
    pub(crate) fn create_version(
        &mut self,
        layer_name: &str,
        body: &[u8],
        now: OffsetDateTime,
        object: impl Fn(&str, &str) -> Option<Vec<u8>>,
    ) -> Result<Value, ServiceError> {
        LayerName::parse(layer_name)
            .map_err(|problem| ServiceError::invalid_argument(format!("layerName {problem}")))?;
        let body: CreateBody = serde_json::from_slice(body).map_err(|error| {
            ServiceError::invalid_argument(format!(
                "the body is not a CreateLayerVersionInput: {error}"
            ))
        })?;
        let zip = code_zip(&body.code, object)?;
        let files = list_zip(&zip)?;
        let checksum = crc64_xz(&zip);
        check_fields(&body, &checksum)?;
        let record = self
            .layers
            .entry(layer_name.to_owned())
            .or_insert_with(|| LayerRecord {
                acl: "0".to_owned(),
                ..LayerRecord::default()
            });
        record.last_version += 1;
        let version = record.last_version;
        let layer = json!({
            "acl": record.acl,
            "code": {
                "location": format!("fc-local://layers/{layer_name}/versions/{version}/code.zip"),
                "repositoryType": "OSS",
            },
            "codeChecksum": checksum,
            "codeSize": zip.len(),
            "compatibleRuntime": body.compatible_runtime,
            "createTime": format_iso8601(now),
            "description": body.description.unwrap_or_default(),
            "layerName": layer_name,
            "layerVersionArn": format!(
                "acs:fc:{}:{}:layers/{layer_name}/versions/{version}",
                self.region, self.account_id
            ),
            "license": body.license.unwrap_or_default(),
            "version": version,
        });
        record.versions.insert(
            version,
            Version {
                layer: layer.clone(),
                files,
            },
        );
        Ok(layer)
    }

    pub(crate) fn account_id(&self) -> &str {
        &self.account_id
    }

    pub(crate) fn region(&self) -> &str {
        &self.region
    }

    /// Publishes `count` versions of `layer_name`, each a small zip of its own, as if earlier
    /// runs had: for tests that need history (paging, retention).
    pub(crate) fn seed(
        &mut self,
        layer_name: &str,
        count: u32,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        for number in 1..=count {
            let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let added = writer
                .start_file("seed.txt", zip::write::SimpleFileOptions::default())
                .and_then(|()| {
                    Ok(io::Write::write_all(
                        &mut writer,
                        format!("seeded {number}").as_bytes(),
                    )?)
                })
                .and_then(|()| writer.finish());
            let zip = added
                .map_err(|error| ServiceError::invalid_argument(format!("cannot seed: {error}")))?
                .into_inner();
            let body = json!({
                "code": { "zipFile": STANDARD.encode(&zip), "checksum": crc64_xz(&zip) },
                "description": format!("seeded version {number}"),
            });
            self.create_version(layer_name, body.to_string().as_bytes(), now, |_, _| None)?;
        }
        Ok(())
    }

    pub(crate) fn get_version(
        &self,
        layer_name: &str,
        version: &str,
    ) -> Result<Value, ServiceError> {
        let (record, version) = self.find(layer_name, version)?;
        record
            .versions
            .get(&version)
            .map(|found| found.layer.clone())
            .ok_or_else(|| version_not_found(layer_name, version))
    }

    pub(crate) fn delete_version(
        &mut self,
        layer_name: &str,
        version: &str,
    ) -> Result<(), ServiceError> {
        let (_, number) = self.find(layer_name, version)?;
        let record = self
            .layers
            .get_mut(layer_name)
            .ok_or_else(|| layer_not_found(layer_name))?;
        record
            .versions
            .remove(&number)
            .map(|_| ())
            .ok_or_else(|| version_not_found(layer_name, number))
    }

    /// Pages in ascending version order from `startVersion`.
    pub(crate) fn list_versions(
        &self,
        layer_name: &str,
        query: &[(String, String)],
    ) -> Result<Value, ServiceError> {
        let record = self
            .layers
            .get(layer_name)
            .ok_or_else(|| layer_not_found(layer_name))?;
        let param = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let limit = match param("limit") {
            // Small, so that paging is the rule rather than the exception.
            None => 10,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=100).contains(limit))
                .ok_or_else(|| ServiceError::invalid_argument("limit must be 1 to 100"))?,
        };
        let start = match param("startVersion") {
            None => 1,
            Some(text) => text
                .parse::<i64>()
                .map_err(|_| ServiceError::invalid_argument("startVersion must be a number"))?,
        };
        let mut page = record
            .versions
            .range(start..)
            .map(|(_, version)| version.layer.clone());
        let layers: Vec<Value> = page.by_ref().take(limit).collect();
        let mut reply = json!({ "layers": layers });
        if let Some(next) = page.next() {
            reply["nextVersion"] = next["version"].clone();
        }
        Ok(reply)
    }

    pub(crate) fn put_acl(
        &mut self,
        layer_name: &str,
        query: &[(String, String)],
    ) -> Result<(), ServiceError> {
        let acl = query
            .iter()
            .find(|(key, _)| key == "acl")
            .map(|(_, value)| value.as_str())
            .filter(|acl| matches!(*acl, "0" | "1"))
            .ok_or_else(|| ServiceError::invalid_argument("query acl must be \"0\" or \"1\""))?;
        let record = self
            .layers
            .get_mut(layer_name)
            .ok_or_else(|| layer_not_found(layer_name))?;
        record.acl = acl.to_owned();
        for version in record.versions.values_mut() {
            version.layer["acl"] = json!(acl);
        }
        Ok(())
    }

    /// Everything held, with each version's files: what `GET /_local/state` returns.
    pub(crate) fn snapshot(&self) -> Value {
        json!({ "layers": self.layers })
    }

    fn find(&self, layer_name: &str, version: &str) -> Result<(&LayerRecord, i64), ServiceError> {
        let record = self
            .layers
            .get(layer_name)
            .ok_or_else(|| layer_not_found(layer_name))?;
        let number = version.parse::<i64>().map_err(|_| {
            ServiceError::invalid_argument(format!("version {version:?} is not a number"))
        })?;
        Ok((record, number))
    }
}

/// The zip `code` carries: its Base64, or the OSS object it names, looked up by `object`.
fn code_zip(
    code: &CodeBody,
    object: impl Fn(&str, &str) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, ServiceError> {
    match (
        code.zip_file.as_deref(),
        code.oss_bucket_name.as_deref(),
        code.oss_object_name.as_deref(),
    ) {
        (Some(base64), None, None) => {
            if base64.len() > MAX_INLINE_BASE64_BYTES {
                return Err(ServiceError::new(
                    400,
                    "EntityTooLarge",
                    format!(
                        "code.zipFile is {} bytes of Base64; the limit is {MAX_INLINE_BASE64_BYTES}",
                        base64.len()
                    ),
                ));
            }
            STANDARD.decode(base64).map_err(|error| {
                ServiceError::invalid_argument(format!("code.zipFile is not Base64: {error}"))
            })
        }
        (None, Some(bucket), Some(key)) => {
            let zip = object(bucket, key).ok_or_else(|| {
                ServiceError::invalid_argument(format!("oss://{bucket}/{key} does not exist"))
            })?;
            if zip.len() as u64 > MAX_OSS_ZIP_BYTES {
                return Err(ServiceError::new(
                    400,
                    "EntityTooLarge",
                    format!("oss://{bucket}/{key} is over {MAX_OSS_ZIP_BYTES} bytes"),
                ));
            }
            Ok(zip)
        }
        _ => Err(ServiceError::invalid_argument(
            "code needs either zipFile, or ossBucketName and ossObjectName",
        )),
    }
}

/// What FC checks of a CreateLayerVersionInput besides its code: the checksum claimed
/// against the zip's (`checksum`), the number of runtimes and the description's length.
fn check_fields(body: &CreateBody, checksum: &str) -> Result<(), ServiceError> {
    if let Some(claimed) = &body.code.checksum
        && *claimed != checksum
    {
        return Err(ServiceError::invalid_argument(format!(
            "code.checksum {claimed} does not match the zip's CRC-64/XZ {checksum}"
        )));
    }
    if body.compatible_runtime.len() > MAX_RUNTIMES {
        return Err(ServiceError::invalid_argument(format!(
            "compatibleRuntime holds more than {MAX_RUNTIMES} entries"
        )));
    }
    if body
        .description
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(ServiceError::invalid_argument(format!(
            "description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(())
}

fn list_zip(zip: &[u8]) -> Result<Vec<ZipEntry>, ServiceError> {
    let invalid = |error: zip::result::ZipError| {
        ServiceError::invalid_argument(format!("code.zipFile is not a valid zip: {error}"))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(invalid)?;
    let mut files = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(invalid)?;
        let name = entry.name().map_err(invalid)?.into_owned();
        // Reading an entry to its end checks its CRC-32, so a corrupt zip is refused here.
        io::copy(&mut entry, &mut io::sink()).map_err(|error| {
            ServiceError::invalid_argument(format!("code.zipFile entry {name}: {error}"))
        })?;
        files.push(ZipEntry {
            name,
            size: entry.size(),
            unix_mode: entry.unix_mode(),
        });
    }
    Ok(files)
}

fn layer_not_found(layer_name: &str) -> ServiceError {
    ServiceError::new(
        404,
        "LayerNotFound",
        format!("layer {layer_name} does not exist"),
    )
}

fn version_not_found(layer_name: &str, version: i64) -> ServiceError {
    ServiceError::new(
        404,
        "LayerVersionNotFound",
        format!("layer {layer_name} has no version {version}"),
    )
}
