//! Where requests go: a service's base URL, given as a bare host (HTTPS) or a full URL.
//! FC, STS and FC 2.0's temporary bucket use it as it is; OSS wraps it in
//! [`crate::oss::location::OssLocation`], which adds the bucket to the host or the path.

use std::fmt;

use reqwest::Url;

/// A base URL with no path, and the `host` value that is sent and signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    host: String,
}

impl Endpoint {
    /// `fcv3.{region}.aliyuncs.com` over HTTPS, what the official SDKs use.
    pub fn fc_for_region(region: &str) -> Result<Self, String> {
        Self::parse(&format!("fcv3.{region}.aliyuncs.com"))
    }

    /// A bare host (`example.com`, `example.com:8443`) means HTTPS; a URL is used as given.
    /// The error, in words that follow the input's name, says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|error| format!("{text:?} is not a host or URL: {error}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("{text:?} must use http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold a user name or password".to_owned());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{text:?} must be a host or a scheme and host, with no path or query"
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("{text:?} has no host"))?
            .to_owned();
        // `Url` drops a port that is the scheme's default, and so does the HTTP client; the
        // signed `host` must match what goes on the wire.
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        Ok(Self { url, host })
    }

    /// The URL for `path_and_query`, which starts with `/`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}://{}{}", self.url.scheme(), self.host, path_and_query)
    }

    /// The URL for `path_and_query` on another host of the same scheme and port, such as a
    /// bucket's virtual host `{bucket}.{host}`; `host` includes the port when there is one.
    pub fn url_with_host(&self, host: &str, path_and_query: &str) -> String {
        format!("{}://{host}{path_and_query}", self.url.scheme())
    }

    /// The value of the `host` header.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.url.scheme(), self.host)
    }
}
