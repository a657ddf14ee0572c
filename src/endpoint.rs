//! Where requests go: a service's base URL, given as a bare host (HTTPS) or a full URL.
//! FC, STS and FC 2.0's temporary bucket use it as it is; OSS wraps it in
//! [`crate::oss::location::OssLocation`], which adds the bucket to the host or the path.

use std::fmt;

use url::Url;

use crate::cloud::{AccountId, Region};

/// A base URL: its scheme, the `host` value that is sent and signed, and a path prefix that
/// every call's path follows (empty for a bare host). A prefix is for a gateway or a local
/// service that serves several regions apart (`http://127.0.0.1:8080/cn-hangzhou`); it is
/// part of the path that is sent, so FC's and FC 2.0's signatures cover it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    host: String,
    /// `""`, or `/a/b`: starts with `/`, never ends with one, percent-encoded as sent.
    prefix: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Why a text is not an endpoint, in words that follow the input's name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{text:?} is not a host or URL: {source}")]
    NotAUrl {
        text: String,
        source: url::ParseError,
    },
    #[error("{text:?} must use http or https")]
    Scheme { text: String },
    #[error("{text:?} must not hold a user name or password")]
    UserInfo { text: String },
    #[error("{text:?} must be a host, or a URL with no query or fragment")]
    Path { text: String },
    #[error("{text:?} has no host")]
    NoHost { text: String },
}

/// Where STS is asked for the account id unless `sts-endpoint` says otherwise.
const DEFAULT_STS_HOST: &str = "sts.aliyuncs.com";

impl Endpoint {
    /// `fcv3.{region}.aliyuncs.com` over HTTPS, what the official SDKs use.
    pub(crate) fn fc_for_region(region: &Region) -> Self {
        Self::aliyuncs(format_args!("fcv3.{region}"))
    }

    /// `{accountId}.{region}.fc.aliyuncs.com` over HTTPS: the account's FC 2.0 host, which
    /// lends FC's temporary bucket. Here, beside the other defaults, so that the inputs can
    /// name it without importing the call.
    pub fn fc2_for_account(account_id: &AccountId, region: &Region) -> Self {
        Self::aliyuncs(format_args!("{account_id}.{region}.fc"))
    }

    /// [`DEFAULT_STS_HOST`] over HTTPS.
    pub(crate) fn default_sts() -> Self {
        Self::https(DEFAULT_STS_HOST.to_owned())
    }

    /// `{subdomain}.aliyuncs.com` over HTTPS. `subdomain` is made of fixed names and parsed
    /// parts ([`Region`], [`crate::cloud::AccountId`]), which hold only what a host may
    /// hold, so there is nothing to check and nothing that can fail.
    pub(crate) fn aliyuncs(subdomain: impl fmt::Display) -> Self {
        Self::https(format!("{subdomain}.aliyuncs.com"))
    }

    fn https(host: String) -> Self {
        Self {
            scheme: Scheme::Https,
            host,
            prefix: String::new(),
        }
    }

    /// A bare host (`example.com`, `example.com:8443`) means HTTPS; a URL is used as given.
    /// Errors show the text with any user info replaced, since it may hold a password.
    pub fn parse(text: &str) -> Result<Self, EndpointError> {
        let shown = without_user_info(text);
        Self::parse_shown(text, &shown)
    }

    fn parse_shown(text: &str, shown: &str) -> Result<Self, EndpointError> {
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = Url::parse(&with_scheme).map_err(|source| EndpointError::NotAUrl {
            text: shown.to_owned(),
            source,
        })?;
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => {
                return Err(EndpointError::Scheme {
                    text: shown.to_owned(),
                });
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointError::UserInfo {
                text: shown.to_owned(),
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(EndpointError::Path {
                text: shown.to_owned(),
            });
        }
        let host = url.host_str().ok_or_else(|| EndpointError::NoHost {
            text: shown.to_owned(),
        })?;
        // `Url` drops a port that is the scheme's default, and so does the HTTP client; the
        // signed `host` must match what goes on the wire.
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        // `Url` has percent-encoded the path already, so it is sent and signed as it is.
        let prefix = url.path().trim_end_matches('/').to_owned();
        Ok(Self {
            scheme,
            host,
            prefix,
        })
    }

    /// The URL for `path_and_query`, which starts with `/`, after the prefix.
    pub fn url(&self, path_and_query: &str) -> String {
        self.url_with_host(&self.host, &self.path(path_and_query))
    }

    /// `path` (starting with `/`) after the prefix: the path that is sent, and signed.
    pub(crate) fn path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// The URL for `path_and_query` on another host of the same scheme and port, such as a
    /// bucket's virtual host `{bucket}.{host}`; `host` includes the port when there is one.
    fn url_with_host(&self, host: &str, path_and_query: &str) -> String {
        format!("{}://{host}{path_and_query}", self.scheme.as_str())
    }

    /// The base URL (`{scheme}://{host}/`), for building a request's URL from parts.
    pub(crate) fn base_url(&self) -> Result<Url, url::ParseError> {
        Url::parse(&self.to_string())
    }

    /// The value of the `host` header.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme.as_str(), self.host, self.prefix)
    }
}

/// `text` with whatever precedes an `@` in its authority replaced by `***`, found by hand
/// rather than by a URL parser, since the texts that matter here are those that do not parse.
fn without_user_info(text: &str) -> String {
    let authority_start = text.find("://").map_or(0, |at| at + 3);
    let rest = &text[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &text[..authority_start], &rest[at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever is wrong with a text that holds a password, the error never shows it.
    #[test]
    fn errors_never_show_user_info() {
        for text in [
            "http://user:PASSWORD@127.0.0.1:99999",
            "ftp://user:PASSWORD@example.com",
            "http://user:PASSWORD@[::1",
            "user:PASSWORD@example.com",
            "http://user:PASSWORD@example.com/path",
            "http://user:PASSWORD@example.com",
            "https://:PASSWORD@@example.com?x",
        ] {
            let error = Endpoint::parse(text).expect_err(text).to_string();
            assert!(!error.contains("PASSWORD"), "{text}: {error}");
            assert!(error.contains("***"), "{text}: {error}");
        }
    }

    /// The hosts made without parsing are the ones parsing would make.
    #[test]
    fn built_hosts_parse_to_themselves() {
        let region = Region::parse("cn-shanghai-finance-1").expect("region");
        let account = AccountId::parse("1234567890123456").expect("account");
        let lender = Endpoint::fc2_for_account(&account, &region);
        assert_eq!(
            lender.host(),
            "1234567890123456.cn-shanghai-finance-1.fc.aliyuncs.com"
        );
        for built in [
            Endpoint::fc_for_region(&region),
            Endpoint::default_sts(),
            lender,
        ] {
            assert_eq!(Endpoint::parse(built.host()).as_ref(), Ok(&built));
        }
    }

    #[test]
    fn a_path_is_a_prefix_of_every_call_sent_and_signed() {
        let local = Endpoint::parse("http://127.0.0.1:8080/cn-hangzhou/").expect("url");
        assert_eq!(
            local.path("/2023-03-30/layers"),
            "/cn-hangzhou/2023-03-30/layers"
        );
        assert_eq!(
            local.url("/2023-03-30/layers?a=1"),
            "http://127.0.0.1:8080/cn-hangzhou/2023-03-30/layers?a=1"
        );
        assert_eq!(local.to_string(), "http://127.0.0.1:8080/cn-hangzhou");
        let bare = Endpoint::parse("http://127.0.0.1:8080").expect("url");
        assert_eq!(bare.path("/"), "/");
        let encoded = Endpoint::parse("http://h/a b").expect("url");
        assert_eq!(encoded.path("/x"), "/a%20b/x");
        for bad in ["http://h/p?q=1", "http://h/p#f"] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
