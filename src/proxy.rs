//! Which proxy a request goes through, from the conventional variables: `HTTPS_PROXY` for
//! https, `HTTP_PROXY` for http, `ALL_PROXY` for either, and `NO_PROXY` (`*`, host names,
//! domain suffixes, `host:port`, IP addresses and CIDR ranges) for exceptions. Lower-case
//! names win over upper-case ones, as in curl. One decision serves both the HTTP client and
//! the error that names the proxy, so the two cannot disagree.

use std::net::IpAddr;

use reqwest::Url;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxySettings {
    http: Option<Url>,
    https: Option<Url>,
    no_proxy: Vec<NoProxyRule>,
    /// `NO_PROXY=*`: no request goes through a proxy.
    bypass_all: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum NoProxyRule {
    /// `example.com` or `.example.com`: the host and every host below it.
    Domain(String),
    /// `example.com:8080`: that host on that port only.
    HostPort(String, u16),
    Ip(IpAddr),
    Cidr(IpAddr, u8),
}

/// A proxy variable that is not a URL, named for the error message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{variable} is {value:?}, which is not a proxy URL")]
pub(crate) struct ProxyError {
    variable: &'static str,
    value: String,
}

impl ProxySettings {
    /// Reads the variables through `env` (the process environment at the edge).
    pub(crate) fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ProxyError> {
        let read = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                env(name)
                    .map(|value| value.trim().to_owned())
                    .filter(|value| !value.is_empty())
                    .map(|value| (*name, value))
            })
        };
        let url = |found: Option<(&'static str, String)>| {
            found
                .map(|(variable, value)| parse_proxy(variable, &value))
                .transpose()
        };
        let all = url(read(&["all_proxy", "ALL_PROXY"]))?;
        let http = url(read(&["http_proxy", "HTTP_PROXY"]))?.or_else(|| all.clone());
        let https = url(read(&["https_proxy", "HTTPS_PROXY"]))?.or(all);
        let no_proxy = read(&["no_proxy", "NO_PROXY"])
            .map(|(_, value)| value)
            .unwrap_or_default();
        let entries: Vec<&str> = no_proxy
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect();
        Ok(Self {
            http,
            https,
            bypass_all: entries.contains(&"*"),
            no_proxy: entries.into_iter().filter_map(NoProxyRule::parse).collect(),
        })
    }

    /// The proxy for `url`, or `None` to connect directly.
    pub(crate) fn proxy_for(&self, url: &Url) -> Option<&Url> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = url.port_or_known_default().unwrap_or(0);
        let excluded = self.bypass_all || self.no_proxy.iter().any(|rule| rule.matches(host, port));
        (!excluded).then_some(proxy)
    }
}

/// `scheme://host:port` of a proxy, for messages: a proxy URL may carry a user and password.
pub(crate) fn display(proxy: &Url) -> String {
    let host = proxy.host_str().unwrap_or_default();
    match proxy.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", proxy.scheme()),
        None => format!("{}://{host}", proxy.scheme()),
    }
}

fn parse_proxy(variable: &'static str, value: &str) -> Result<Url, ProxyError> {
    let with_scheme = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    Url::parse(&with_scheme)
        .ok()
        .filter(|url| url.host_str().is_some())
        .ok_or_else(|| ProxyError {
            variable,
            value: value.to_owned(),
        })
}

impl NoProxyRule {
    fn parse(entry: &str) -> Option<Self> {
        if let Some((address, bits)) = entry.split_once('/') {
            return Some(Self::Cidr(address.parse().ok()?, bits.parse().ok()?));
        }
        let unbracketed = entry.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = unbracketed.parse() {
            return Some(Self::Ip(ip));
        }
        if let Some((host, port)) = entry.rsplit_once(':')
            && let Ok(port) = port.parse()
        {
            return Some(Self::HostPort(host.to_ascii_lowercase(), port));
        }
        Some(Self::Domain(
            entry.trim_start_matches('.').to_ascii_lowercase(),
        ))
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        match self {
            Self::Domain(domain) => {
                host == *domain
                    || host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            }
            Self::HostPort(name, wanted) => host == *name && port == *wanted,
            Self::Ip(ip) => host.parse::<IpAddr>().is_ok_and(|addr| addr == *ip),
            Self::Cidr(network, bits) => host
                .parse::<IpAddr>()
                .is_ok_and(|addr| in_network(addr, *network, *bits)),
        }
    }
}

fn in_network(addr: IpAddr, network: IpAddr, bits: u8) -> bool {
    let (addr, network, width) = match (addr, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u32::from(a) as u128, u32::from(n) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), 128),
        _ => return false,
    };
    let bits = u32::from(bits).min(width);
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (addr >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> ProxySettings {
        ProxySettings::from_env(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
        .expect("valid")
    }

    fn via(settings: &ProxySettings, url: &str) -> Option<String> {
        settings
            .proxy_for(&Url::parse(url).expect("url"))
            .map(|proxy| proxy.as_str().trim_end_matches('/').to_owned())
    }

    #[test]
    fn each_scheme_takes_its_own_variable_and_all_proxy_fills_in() {
        let both = settings(&[
            ("HTTP_PROXY", "http://plain:3128"),
            ("HTTPS_PROXY", "secure:3129"),
        ]);
        assert_eq!(
            via(&both, "http://a.com/"),
            Some("http://plain:3128".into())
        );
        assert_eq!(
            via(&both, "https://a.com/"),
            Some("http://secure:3129".into())
        );
        let all = settings(&[
            ("ALL_PROXY", "http://all:1"),
            ("http_proxy", "http://low:2"),
        ]);
        assert_eq!(via(&all, "https://a.com/"), Some("http://all:1".into()));
        assert_eq!(via(&all, "http://a.com/"), Some("http://low:2".into()));
        assert_eq!(via(&settings(&[]), "https://a.com/"), None);
    }

    #[test]
    fn no_proxy_star_bypasses_every_proxy() {
        let star = settings(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "*")]);
        assert_eq!(via(&star, "https://fcv3.cn-hangzhou.aliyuncs.com/"), None);
        let listed = settings(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "x.com, *")]);
        assert_eq!(via(&listed, "https://y.com/"), None);
    }

    #[test]
    fn no_proxy_matches_domains_ports_addresses_and_ranges() {
        let rules = settings(&[
            ("HTTP_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                ".aliyuncs.com, internal:8080, 127.0.0.1, 10.0.0.0/8, [::1]",
            ),
        ]);
        for direct in [
            "http://aliyuncs.com/",
            "http://fcv3.cn-hangzhou.ALIYUNCS.com/",
            "http://internal:8080/",
            "http://127.0.0.1:9000/",
            "http://10.20.30.40/",
            "http://[::1]:8080/",
        ] {
            assert_eq!(via(&rules, direct), None, "{direct}");
        }
        for proxied in [
            "http://notaliyuncs.com/",
            "http://internal:8081/",
            "http://127.0.0.2/",
            "http://11.0.0.1/",
        ] {
            assert_eq!(via(&rules, proxied), Some("http://p:1".into()), "{proxied}");
        }
    }

    #[test]
    fn a_proxy_is_shown_without_its_password() {
        let proxy = Url::parse("http://user:pa55@proxy.corp:3128").expect("url");
        assert_eq!(display(&proxy), "http://proxy.corp:3128");
    }

    #[test]
    fn a_proxy_that_is_not_a_url_is_an_error_naming_the_variable() {
        let error =
            ProxySettings::from_env(|name| (name == "HTTPS_PROXY").then(|| "http://".to_owned()))
                .expect_err("invalid");
        assert_eq!(error.variable, "HTTPS_PROXY");
    }
}
