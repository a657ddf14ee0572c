//! Where OSS requests go: a bare host means HTTPS with the bucket in the host name
//! (`https://{bucket}.{host}/{key}`); a full URL is used as given with the bucket in the path
//! (`{url}/{bucket}/{key}`), for tests and private endpoints. URLs are assembled by
//! [`url::Url`] from a checked bucket name and key segments, never by joining strings, so no
//! character of a name can move the request to another host or path.

use std::fmt;

use url::Url;

use crate::cloud::Region;
use crate::encode;
use crate::endpoint::{Endpoint, EndpointError};
use crate::oss_names::BucketName;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OssLocation {
    endpoint: Endpoint,
    virtual_hosted: bool,
}

impl OssLocation {
    /// `text` as the `oss-endpoint` input takes it.
    pub fn parse(text: &str) -> Result<Self, EndpointError> {
        Ok(Self {
            endpoint: Endpoint::parse(text)?,
            virtual_hosted: !text.contains("://"),
        })
    }

    /// `oss-{region}.aliyuncs.com`, for a bucket of the user's own.
    pub fn for_region(region: &Region) -> Self {
        Self::aliyuncs(format_args!("oss-{region}"))
    }

    /// `oss-accelerate.aliyuncs.com`, OSS's global acceleration, for FC's temporary bucket.
    pub(crate) fn accelerate() -> Self {
        Self::aliyuncs("oss-accelerate")
    }

    fn aliyuncs(subdomain: impl fmt::Display) -> Self {
        Self {
            endpoint: Endpoint::aliyuncs(subdomain),
            virtual_hosted: true,
        }
    }

    /// The endpoint itself, no bucket: where a measure of the link's round trip goes.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The `host` header for a request to `bucket`.
    pub fn host(&self, bucket: &BucketName) -> String {
        if self.virtual_hosted {
            format!("{bucket}.{}", self.endpoint.host())
        } else {
            self.endpoint.host().to_owned()
        }
    }

    /// The URL of `key` in `bucket` (`key` empty for bucket-level calls), query excluded.
    /// `key` is a checked key ([`crate::oss_names::check_key`]): it has no `.` or `..` segment
    /// that the URL library would resolve away.
    pub fn url(&self, bucket: &BucketName, key: &str) -> Result<Url, url::ParseError> {
        let mut url = self.endpoint.base_url()?;
        if self.virtual_hosted {
            let host = url.host_str().ok_or(url::ParseError::EmptyHost)?.to_owned();
            url.set_host(Some(&format!("{bucket}.{host}")))?;
        }
        // Each segment encoded on its own (RFC 3986, as OSS's SDKs send them), so that no
        // `/`, `?`, `#` or `%` in a name can start another segment, a query or a fragment.
        // After the endpoint's own path prefix, if it has one (a gateway, or fc-local's
        // regions), which is sent as given.
        let bucket_segment = (!self.virtual_hosted).then_some(bucket.as_str());
        url.set_path(&self.endpoint.path(&encode::path(
            bucket_segment.into_iter().chain(key.split('/')),
        )));
        Ok(url)
    }
}

impl fmt::Display for OssLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.endpoint.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(name: &str) -> BucketName {
        BucketName::parse(name).expect("bucket")
    }

    #[test]
    fn hosts_are_virtual_hosted_and_urls_path_style() {
        let hosted = OssLocation::parse("oss-accelerate.aliyuncs.com").expect("host");
        assert_eq!(
            hosted
                .url(&bucket("bucket"), "a b/c#d?+.zip")
                .expect("url")
                .as_str(),
            "https://bucket.oss-accelerate.aliyuncs.com/a%20b/c%23d%3F%2B.zip"
        );
        assert_eq!(
            hosted.host(&bucket("bucket")),
            "bucket.oss-accelerate.aliyuncs.com"
        );
        let local = OssLocation::parse("http://127.0.0.1:9000").expect("url");
        assert_eq!(
            local
                .url(&bucket("bucket"), "k/1.zip")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:9000/bucket/k/1.zip"
        );
        assert_eq!(local.host(&bucket("bucket")), "127.0.0.1:9000");
        // A path prefix (a gateway, or fc-local's regions) comes before the bucket.
        let prefixed = OssLocation::parse("http://127.0.0.1:9000/cn-beijing").expect("url");
        assert_eq!(
            prefixed
                .url(&bucket("bucket"), "k/1.zip")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:9000/cn-beijing/bucket/k/1.zip"
        );
        let ported = OssLocation::parse("oss.example:8443").expect("host");
        assert_eq!(
            ported.url(&bucket("b12"), "k").expect("url").as_str(),
            "https://b12.oss.example:8443/k"
        );
        let region = Region::parse("cn-hangzhou").expect("region");
        let regional = OssLocation::for_region(&region);
        assert_eq!(
            regional.host(&bucket("b12")),
            "b12.oss-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(OssLocation::accelerate(), hosted);
    }
}
