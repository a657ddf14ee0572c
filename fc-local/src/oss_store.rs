//! An in-memory OSS for the local service: PutObject, HeadObject and the multipart calls,
//! each reply with `x-oss-hash-crc64ecma`, errors in OSS's XML. Requests arrive path-style
//! (`/{bucket}/{key}`), as the action sends them to a full-URL `oss-endpoint`. Pure: the
//! signature is checked by the caller ([`crate::oss`]).

use std::collections::{BTreeMap, HashMap};

use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::http::HttpReply;
use fc_layer_action::oss::xml;

use crate::percent;

/// Every part but the last must be at least this big, as in OSS.
const MIN_PART_BYTES: usize = 100 * 1024;

#[derive(Default)]
pub(crate) struct OssStore {
    objects: BTreeMap<(String, String), Vec<u8>>,
    uploads: HashMap<String, Upload>,
    next_upload: u64,
}

struct Upload {
    bucket: String,
    key: String,
    parts: BTreeMap<u32, Vec<u8>>,
}

/// An OSS error reply's parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OssFault {
    status: u16,
    code: &'static str,
    message: String,
}

impl OssFault {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// The XML body OSS writes, with `request_id`.
    pub(crate) fn reply(&self, request_id: &str) -> HttpReply {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
            self.code,
            xml::escape(&self.message),
            xml::escape(request_id)
        );
        HttpReply {
            status: self.status,
            headers: vec![
                ("content-type".to_owned(), "application/xml".to_owned()),
                ("x-oss-request-id".to_owned(), request_id.to_owned()),
            ],
            body: body.into_bytes(),
        }
    }
}

/// `/{bucket}/{key}` split; the key decoded.
pub(crate) fn split_path(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix('/')?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    Some((
        percent::decode(bucket),
        key.split('/')
            .map(percent::decode)
            .collect::<Vec<_>>()
            .join("/"),
    ))
}

fn with_crc(mut reply: HttpReply, data: &[u8]) -> HttpReply {
    let crc = crc64_xz(data);
    reply
        .headers
        .push(("etag".to_owned(), format!("\"{crc:0>20}\"")));
    reply.headers.push(("x-oss-hash-crc64ecma".to_owned(), crc));
    reply
}

fn ok() -> HttpReply {
    HttpReply {
        status: 200,
        ..HttpReply::default()
    }
}

impl OssStore {
    /// The object's bytes, for CreateLayerVersion with OSS code.
    pub(crate) fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        self.objects
            .get(&(bucket.to_owned(), key.to_owned()))
            .cloned()
    }

    /// Every object, as `bucket/key` and size, for the state view.
    pub(crate) fn listing(&self) -> Vec<(String, usize)> {
        self.objects
            .iter()
            .map(|((bucket, key), data)| (format!("{bucket}/{key}"), data.len()))
            .collect()
    }

    /// Uploads begun and neither completed nor aborted.
    pub(crate) fn open_uploads(&self) -> usize {
        self.uploads.len()
    }

    /// Open uploads that hold parts: the ones OSS bills for.
    pub(crate) fn open_uploads_with_parts(&self) -> usize {
        self.uploads
            .values()
            .filter(|upload| !upload.parts.is_empty())
            .count()
    }

    /// One OSS call on `bucket`/`key` with decoded `query`.
    pub(crate) fn handle(
        &mut self,
        method: &str,
        bucket: &str,
        key: &str,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<HttpReply, OssFault> {
        let param = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        if key.is_empty() {
            return Err(OssFault::new(
                400,
                "InvalidArgument",
                "fc-local serves object calls only",
            ));
        }
        let id = (bucket.to_owned(), key.to_owned());
        match (
            method,
            param("uploads"),
            param("uploadId"),
            param("partNumber"),
        ) {
            ("PUT", None, None, None) => {
                self.objects.insert(id, body.to_vec());
                Ok(with_crc(ok(), body))
            }
            ("HEAD", None, None, None) => self.head(&id),
            ("POST", Some(_), None, None) => Ok(self.initiate(bucket, key)),
            ("PUT", None, Some(upload_id), Some(number)) => {
                self.upload_part(upload_id, bucket, key, number, body)
            }
            ("POST", None, Some(upload_id), None) => self.complete(upload_id, bucket, key, body),
            ("DELETE", None, Some(upload_id), None) => self.abort(upload_id, bucket, key),
            _ => Err(OssFault::new(
                400,
                "InvalidArgument",
                format!("{method} with this query is not a call fc-local serves"),
            )),
        }
    }

    fn head(&self, id: &(String, String)) -> Result<HttpReply, OssFault> {
        let data = self
            .objects
            .get(id)
            .ok_or_else(|| OssFault::new(404, "NoSuchKey", "no such object"))?;
        let mut reply = with_crc(ok(), data);
        reply
            .headers
            .push(("content-length".to_owned(), data.len().to_string()));
        Ok(reply)
    }

    fn initiate(&mut self, bucket: &str, key: &str) -> HttpReply {
        self.next_upload += 1;
        let upload_id = format!("FC-LOCAL-UPLOAD-{:08}", self.next_upload);
        self.uploads.insert(
            upload_id.clone(),
            Upload {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                parts: BTreeMap::new(),
            },
        );
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>",
            xml::escape(bucket),
            xml::escape(key)
        );
        HttpReply {
            status: 200,
            headers: vec![("content-type".to_owned(), "application/xml".to_owned())],
            body: body.into_bytes(),
        }
    }

    fn upload_part(
        &mut self,
        upload_id: &str,
        bucket: &str,
        key: &str,
        number: &str,
        body: &[u8],
    ) -> Result<HttpReply, OssFault> {
        let number: u32 = number
            .parse()
            .ok()
            .filter(|number| (1..=10_000).contains(number))
            .ok_or_else(|| {
                OssFault::new(400, "InvalidArgument", "partNumber must be 1 to 10000")
            })?;
        let upload = self.upload(upload_id, bucket, key)?;
        upload.parts.insert(number, body.to_vec());
        Ok(with_crc(ok(), body))
    }

    fn abort(&mut self, upload_id: &str, bucket: &str, key: &str) -> Result<HttpReply, OssFault> {
        self.upload(upload_id, bucket, key)?;
        self.uploads.remove(upload_id);
        Ok(HttpReply {
            status: 204,
            ..HttpReply::default()
        })
    }

    fn upload(
        &mut self,
        upload_id: &str,
        bucket: &str,
        key: &str,
    ) -> Result<&mut Upload, OssFault> {
        self.uploads
            .get_mut(upload_id)
            .filter(|upload| upload.bucket == bucket && upload.key == key)
            .ok_or_else(|| {
                OssFault::new(
                    404,
                    "NoSuchUpload",
                    format!("no upload {upload_id} for this object"),
                )
            })
    }

    fn complete(
        &mut self,
        upload_id: &str,
        bucket: &str,
        key: &str,
        body: &[u8],
    ) -> Result<HttpReply, OssFault> {
        let text = String::from_utf8_lossy(body);
        let numbers = xml::elements(&text, "PartNumber");
        let etags = xml::elements(&text, "ETag");
        if numbers.is_empty() || numbers.len() != etags.len() {
            return Err(OssFault::new(
                400,
                "MalformedXML",
                "the part list is empty or malformed",
            ));
        }
        let upload = self.upload(upload_id, bucket, key)?;
        let mut object = Vec::new();
        let mut previous = 0u32;
        for (index, (number, etag)) in numbers.iter().zip(&etags).enumerate() {
            let number: u32 = number
                .parse()
                .map_err(|_| OssFault::new(400, "MalformedXML", "PartNumber is not a number"))?;
            if number <= previous {
                return Err(OssFault::new(
                    400,
                    "InvalidPartOrder",
                    "parts must be listed in ascending order",
                ));
            }
            previous = number;
            let data = upload.parts.get(&number).ok_or_else(|| {
                OssFault::new(
                    400,
                    "InvalidPart",
                    format!("part {number} was not uploaded"),
                )
            })?;
            if *etag != format!("\"{:0>20}\"", crc64_xz(data)) {
                return Err(OssFault::new(
                    400,
                    "InvalidPart",
                    format!("part {number}'s ETag does not match"),
                ));
            }
            if index + 1 < numbers.len() && data.len() < MIN_PART_BYTES {
                return Err(OssFault::new(
                    400,
                    "EntityTooSmall",
                    format!("part {number} is under 100 KB and not the last"),
                ));
            }
            object.extend_from_slice(data);
        }
        self.uploads.remove(upload_id);
        let reply = with_crc(ok(), &object);
        self.objects
            .insert((bucket.to_owned(), key.to_owned()), object);
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts a multipart upload of `key` in bucket `b`; its upload id.
    fn initiate(store: &mut OssStore, key: &str) -> String {
        let initiated = store
            .handle("POST", "b", key, &[("uploads".into(), String::new())], b"")
            .expect("initiates");
        xml::element(&String::from_utf8_lossy(&initiated.body), "UploadId").expect("an id")
    }

    /// Uploads `parts` of `key` in order, numbered from 1; the `<Part>` elements that
    /// complete the upload, with the ETags the store answered.
    fn put_parts(store: &mut OssStore, key: &str, upload_id: &str, parts: &[&[u8]]) -> String {
        let mut elements = String::new();
        for (number, data) in (1..).zip(parts) {
            let query = [
                ("partNumber".to_owned(), format!("{number}")),
                ("uploadId".to_owned(), upload_id.to_owned()),
            ];
            let reply = store
                .handle("PUT", "b", key, &query, data)
                .unwrap_or_else(|fault| panic!("part {number}: {fault:?}"));
            let etag = reply.header("etag").expect("etag");
            elements.push_str(&format!(
                "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
                xml::escape(etag)
            ));
        }
        elements
    }

    #[test]
    fn a_multipart_upload_assembles_its_parts_in_order() {
        let mut store = OssStore::default();
        let upload_id = initiate(&mut store, "k.zip");
        let first = vec![1u8; MIN_PART_BYTES];
        let parts = put_parts(&mut store, "k.zip", &upload_id, &[&first, b"tail"]);
        let complete = format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>");
        let done = store
            .handle(
                "POST",
                "b",
                "k.zip",
                &[("uploadId".into(), upload_id.clone())],
                complete.as_bytes(),
            )
            .expect("completes");
        let mut whole = first.clone();
        whole.extend_from_slice(b"tail");
        assert_eq!(
            done.header("x-oss-hash-crc64ecma"),
            Some(crc64_xz(&whole).as_str())
        );
        assert_eq!(store.object("b", "k.zip"), Some(whole));
        assert_eq!(store.open_uploads(), 0);
    }

    #[test]
    fn small_parts_but_the_last_are_refused() {
        let mut store = OssStore::default();
        let upload_id = initiate(&mut store, "k");
        let complete = put_parts(&mut store, "k", &upload_id, &[b"small", b"tail"]);
        let refused = store
            .handle(
                "POST",
                "b",
                "k",
                &[("uploadId".into(), upload_id)],
                complete.as_bytes(),
            )
            .expect_err("too small");
        assert_eq!(refused.code, "EntityTooSmall");
    }
}
