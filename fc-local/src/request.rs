//! A request as the service received it, whichever way it arrived (the axum server or the
//! in-process transport).

use crate::percent;
use crate::verify;

/// A request as it arrived: raw path and query, header names in lower case.
#[derive(Clone, Copy, Debug)]
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl ReceivedRequest<'_> {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// What a verifier reads, made of what arrived: `path` is the path the scheme signs (the
    /// one received, or OSS's `/bucket/key`) and `query` the [`query_pairs`](Self::query_pairs).
    pub fn signable<'s>(
        &'s self,
        path: &'s str,
        query: &'s [(String, String)],
    ) -> verify::Request<'s> {
        verify::Request {
            method: self.method,
            path,
            query,
            headers: self.headers,
            body: self.body,
        }
    }

    /// The query as decoded pairs ([`query_pairs`]).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        query_pairs(self.query)
    }
}

/// A query string as decoded pairs, the way a server reads it; a key without `=` has an
/// empty value.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent::decode(key), percent::decode(value))
        })
        .collect()
}
