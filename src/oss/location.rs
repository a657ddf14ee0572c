//! Where OSS requests go: a bare host means HTTPS with the bucket in the host name
//! (`https://{bucket}.{host}/{key}`); a full URL is used as given with the bucket in the path
//! (`{url}/{bucket}/{key}`), for tests and private endpoints.

use std::fmt;

use crate::cloud::Region;
use crate::encode;
use crate::endpoint::{Endpoint, EndpointError};

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
    pub fn accelerate() -> Self {
        Self::aliyuncs("oss-accelerate")
    }

    fn aliyuncs(subdomain: impl fmt::Display) -> Self {
        Self {
            endpoint: Endpoint::aliyuncs(subdomain),
            virtual_hosted: true,
        }
    }

    /// The `host` header for a request to `bucket`.
    pub fn host(&self, bucket: &str) -> String {
        if self.virtual_hosted {
            format!("{bucket}.{}", self.endpoint.host())
        } else {
            self.endpoint.host().to_owned()
        }
    }

    /// The URL of `key` in `bucket` (`key` empty for bucket-level calls), query excluded.
    pub fn url(&self, bucket: &str, key: &str) -> String {
        let key = encode::path_keep_slash(key);
        if self.virtual_hosted {
            self.endpoint
                .url_with_host(&self.host(bucket), &format!("/{key}"))
        } else {
            self.endpoint.url(&format!("/{bucket}/{key}"))
        }
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

    #[test]
    fn hosts_are_virtual_hosted_and_urls_path_style() {
        let hosted = OssLocation::parse("oss-accelerate.aliyuncs.com").expect("host");
        assert_eq!(
            hosted.url("bucket", "a b/c+d.zip"),
            "https://bucket.oss-accelerate.aliyuncs.com/a%20b/c%2Bd.zip"
        );
        assert_eq!(hosted.host("bucket"), "bucket.oss-accelerate.aliyuncs.com");
        let local = OssLocation::parse("http://127.0.0.1:9000").expect("url");
        assert_eq!(
            local.url("bucket", "k/1.zip"),
            "http://127.0.0.1:9000/bucket/k/1.zip"
        );
        assert_eq!(local.host("bucket"), "127.0.0.1:9000");
        let region = Region::parse("cn-hangzhou").expect("region");
        let regional = OssLocation::for_region(&region);
        assert_eq!(regional.host("b"), "b.oss-cn-hangzhou.aliyuncs.com");
        assert_eq!(OssLocation::accelerate(), hosted);
    }
}
