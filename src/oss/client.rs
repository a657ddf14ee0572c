//! The OSS calls an upload needs, signed with OSS V4 and sent through the shared transport:
//! HeadObject, PutObject and the multipart calls. Each reply's CRC-64 is returned for the
//! caller to compare with its own.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bytes::Bytes;

use super::error::{OssError, accepted};
use super::location::OssLocation;
use super::xml;
use crate::clock::Clock;
use crate::cloud::Region;
use crate::credentials::Credentials;
use crate::fc::limits::MAX_OSS_ZIP_BYTES;
use crate::http::{HttpReply, HttpRequest, Transport};
use crate::oss_names::BucketName;
use crate::outside_text::capped_owned;
use crate::sign::Request;
use crate::sign::oss_v4::{self, SigningParams};

/// The longest multipart upload id taken from OSS; real ones are 32 hex digits.
const MAX_UPLOAD_ID_BYTES: usize = 256;

/// The CRC-64 OSS computed for what it stored: a reply that holds none, or not a decimal
/// CRC-64, has not confirmed that the object is what was sent.
fn confirmed_crc64(operation: &'static str, reply: &HttpReply) -> Result<String, OssError> {
    match reply.header("x-oss-hash-crc64ecma") {
        Some(text) if is_crc64(text) => Ok(text.to_owned()),
        Some(text) => Err(OssError::InvalidReply {
            operation,
            problem: format!(
                "x-oss-hash-crc64ecma {:?} is not a CRC-64 in decimal digits",
                capped_owned(text)
            ),
        }),
        None => Err(OssError::ChecksumMissing { operation }),
    }
}

/// Whether `text` is a CRC-64 as OSS writes it: an unsigned 64-bit number in decimal.
fn is_crc64(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && text.parse::<u64>().is_ok()
}

/// What HeadObject tells of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: Option<u64>,
    pub crc64: Option<String>,
}

/// One OSS endpoint, as one identity, in one signing region.
pub struct OssClient<T> {
    pub transport: T,
    pub location: OssLocation,
    pub credentials: Credentials,
    /// The region the signature is scoped to, e.g. `cn-hangzhou`.
    pub region: Region,
    /// What each request is dated with: the system's clock in the action, a fixed one in tests.
    pub clock: Arc<dyn Clock>,
}

/// One call, described: [`OssClient::call`] adds `host` and the signature and sends it.
struct OssCall<'a> {
    /// The operation's name in OSS's API, for errors.
    operation: &'static str,
    method: &'static str,
    bucket: &'a BucketName,
    /// Not encoded.
    key: &'a str,
    /// Not encoded; an empty value goes as a bare name (`?uploads`).
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Bytes,
    /// Counts the body's bytes as the connection takes them.
    progress: Option<Arc<AtomicU64>>,
}

impl<'a> OssCall<'a> {
    /// `operation` on `bucket`/`key` with no query, headers or body.
    fn new(
        operation: &'static str,
        method: &'static str,
        bucket: &'a BucketName,
        key: &'a str,
    ) -> Self {
        Self {
            operation,
            method,
            bucket,
            key,
            query: Vec::new(),
            headers: Vec::new(),
            body: Bytes::new(),
            progress: None,
        }
    }

    fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    fn content_type(mut self, value: &str) -> Self {
        self.headers
            .push(("content-type".to_owned(), value.to_owned()));
        self
    }

    fn body(mut self, body: Bytes, progress: Option<Arc<AtomicU64>>) -> Self {
        self.body = body;
        self.progress = progress;
        self
    }
}

impl<T: Transport> OssClient<T> {
    /// HeadObject; `None` when there is no such object. The size, when given, must be a
    /// number no larger than FC takes, and the CRC-64 decimal digits, or the reply is refused
    /// naming the object: both are passed on to FC.
    pub async fn head(
        &self,
        bucket: &BucketName,
        key: &str,
    ) -> Result<Option<ObjectInfo>, OssError> {
        let operation = "HeadObject";
        let reply = match self
            .call(OssCall::new(operation, "HEAD", bucket, key))
            .await
        {
            Ok(reply) => reply,
            Err(OssError::Service { status: 404, .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let invalid = |problem: String| OssError::InvalidReply {
            operation,
            problem: format!("for oss://{bucket}/{}: {problem}", capped_owned(key)),
        };
        let size = match reply.header("content-length") {
            None => None,
            Some(text) => match text.parse::<u64>() {
                Ok(size) if size <= MAX_OSS_ZIP_BYTES => Some(size),
                Ok(size) => {
                    return Err(invalid(format!(
                        "its size {size} is over the {MAX_OSS_ZIP_BYTES} bytes FC takes"
                    )));
                }
                Err(_) => {
                    return Err(invalid(format!(
                        "Content-Length {:?} is not a number",
                        capped_owned(text)
                    )));
                }
            },
        };
        let crc64 = match reply.header("x-oss-hash-crc64ecma") {
            None => None,
            Some(text) if is_crc64(text) => Some(text.to_owned()),
            Some(text) => {
                return Err(invalid(format!(
                    "x-oss-hash-crc64ecma {:?} is not a CRC-64 in decimal digits",
                    capped_owned(text)
                )));
            }
        };
        Ok(Some(ObjectInfo { size, crc64 }))
    }

    /// PutObject; returns the CRC-64 OSS computed, which a reply must hold.
    pub async fn put(
        &self,
        bucket: &BucketName,
        key: &str,
        body: Bytes,
        progress: Option<Arc<AtomicU64>>,
    ) -> Result<String, OssError> {
        let call = OssCall::new("PutObject", "PUT", bucket, key)
            .content_type("application/zip")
            .body(body, progress);
        let reply = self.call(call).await?;
        confirmed_crc64("PutObject", &reply)
    }

    /// InitiateMultipartUpload; returns the upload id.
    pub async fn initiate(&self, bucket: &BucketName, key: &str) -> Result<String, OssError> {
        let operation = "InitiateMultipartUpload";
        let call = OssCall::new(operation, "POST", bucket, key)
            .query("uploads", "")
            .content_type("application/zip");
        let reply = self.call(call).await?;
        let body = String::from_utf8_lossy(&reply.body);
        // The id is sent back in every later call and printed if the upload fails: one
        // that is long or not printable is refused rather than echoed.
        xml::element(&body, "UploadId")
            .filter(|id| {
                !id.is_empty()
                    && id.len() <= MAX_UPLOAD_ID_BYTES
                    && id.bytes().all(|byte| byte.is_ascii_graphic())
            })
            .ok_or_else(|| OssError::InvalidReply {
                operation,
                problem: format!("no UploadId of 1 to {MAX_UPLOAD_ID_BYTES} printable characters"),
            })
    }

    /// UploadPart; returns the part's ETag and the CRC-64 OSS computed.
    pub async fn upload_part(
        &self,
        bucket: &BucketName,
        key: &str,
        upload_id: &str,
        number: u32,
        body: Bytes,
        progress: Option<Arc<AtomicU64>>,
    ) -> Result<(String, Option<String>), OssError> {
        let operation = "UploadPart";
        let call = OssCall::new(operation, "PUT", bucket, key)
            .query("partNumber", &number.to_string())
            .query("uploadId", upload_id)
            .body(body, progress);
        let reply = self.call(call).await?;
        let etag = reply
            .header("etag")
            .ok_or_else(|| OssError::InvalidReply {
                operation,
                problem: "no ETag".to_owned(),
            })?
            .to_owned();
        Ok((
            etag,
            reply.header("x-oss-hash-crc64ecma").map(str::to_owned),
        ))
    }

    /// CompleteMultipartUpload with `parts` as (number, ETag) in order; returns the CRC-64
    /// OSS computed for the whole object.
    pub async fn complete(
        &self,
        bucket: &BucketName,
        key: &str,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<String, OssError> {
        let mut body = String::from("<CompleteMultipartUpload>");
        for (number, etag) in parts {
            body.push_str(&format!(
                "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
                xml::escape(etag)
            ));
        }
        body.push_str("</CompleteMultipartUpload>");
        let call = OssCall::new("CompleteMultipartUpload", "POST", bucket, key)
            .query("uploadId", upload_id)
            .content_type("application/xml")
            .body(Bytes::from(body), None);
        let reply = self.call(call).await?;
        confirmed_crc64("CompleteMultipartUpload", &reply)
    }

    /// AbortMultipartUpload: frees the parts uploaded so far.
    pub(crate) async fn abort(
        &self,
        bucket: &BucketName,
        key: &str,
        upload_id: &str,
    ) -> Result<(), OssError> {
        let call = OssCall::new("AbortMultipartUpload", "DELETE", bucket, key)
            .query("uploadId", upload_id);
        self.call(call).await.map(|_| ())
    }

    /// Signs and sends `call`; the reply of a 2xx answer, or OSS's error.
    async fn call(&self, call: OssCall<'_>) -> Result<HttpReply, OssError> {
        let OssCall {
            operation,
            method,
            bucket,
            key,
            query,
            mut headers,
            body,
            progress,
        } = call;
        headers.push(("host".to_owned(), self.location.host(bucket)));
        let mut url = self
            .location
            .url(bucket, key)
            .map_err(|source| OssError::Url { operation, source })?;
        let signed = oss_v4::sign(
            &Request {
                method,
                path: &oss_v4::resource(bucket.as_str(), key),
                query: &query,
                headers: &headers,
                body: &body,
            },
            &SigningParams {
                credentials: &self.credentials,
                region: self.region.as_str(),
                time: self.clock.now(),
                additional_headers: &[],
            },
        );
        headers.extend(signed.headers);
        if !query.is_empty() {
            url.set_query(Some(&query_string(&query)));
        }
        let reply = self
            .transport
            .send(HttpRequest {
                method,
                url: url.into(),
                headers,
                body,
                progress,
            })
            .await
            .map_err(|source| OssError::Transport { operation, source })?;
        accepted(operation, reply)
    }
}

/// `query` as the URL carries it: each name and value percent-encoded, an empty value as a
/// bare name (`?uploads`).
fn query_string(query: &[(String, String)]) -> String {
    let pairs: Vec<String> = query
        .iter()
        .map(|(name, value)| {
            let name = crate::encode::encode(name);
            if value.is_empty() {
                name
            } else {
                format!("{name}={}", crate::encode::encode(value))
            }
        })
        .collect();
    pairs.join("&")
}
