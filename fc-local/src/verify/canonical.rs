//! The pieces of a canonical form that ACS3, OSS V4 and FC 2.0 write alike: the signed
//! headers as `name:value` lines and the query as one sorted, encoded line.
//!
//! Every canonical form here holds the security token it was sent, since the token is
//! signed; [`Token`] says whether a text shows it (to be hashed) or hides it (to be shown).

use crate::percent;

use super::request::is_security_token;

/// Whether a canonical text carries the security token's value, as it is signed, or
/// `**redacted**` in its place, as it may be shown in a reply or a `Debug`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Shown,
    Hidden,
}

/// Gives a canonical text with a `text(&self, Token) -> String` method its `Display`, exactly
/// the text hashed, security token included (so for tests, never for a reply), and its
/// `Debug`, the same text with the token's value hidden.
macro_rules! display_and_debug {
    ($type:ident) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.text($crate::verify::canonical::Token::Shown))
            }
        }

        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($type))
                    .field(&self.text($crate::verify::canonical::Token::Hidden))
                    .finish()
            }
        }
    };
}
pub(crate) use display_and_debug;

/// How a query parameter with an empty value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmptyValue {
    /// `name=`, as ACS3 writes it.
    Equals,
    /// `name`, as OSS V4 writes it (`?uploads`).
    Bare,
}

/// The headers `signed` picks (by lower-case name) as the schemes list them: names in lower
/// case, values trimmed, sorted by name; a header received more than once is one entry, its
/// values joined with `,` in the order received, as HTTP folds repeats.
pub(crate) fn header_list(
    headers: &[(String, String)],
    signed: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = Vec::new();
    let mut picked: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim()))
        .filter(|(name, _)| signed(name))
        .collect();
    // Stable, so that repeats keep the order they arrived in.
    picked.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in picked {
        match list.last_mut() {
            Some((last, values)) if *last == name => {
                values.push(',');
                values.push_str(value);
            }
            _ => list.push((name, value.to_owned())),
        }
    }
    list
}

/// `name:value\n` for each of a [`header_list`], a token's value hidden unless `token` is
/// [`Token::Shown`].
pub(crate) fn header_lines(list: &[(String, String)], token: Token) -> String {
    list.iter()
        .map(|(name, value)| {
            let value = if token == Token::Hidden && is_security_token(name) {
                "**redacted**"
            } else {
                value.as_str()
            };
            format!("{name}:{value}\n")
        })
        .collect()
}

/// The query as both V4-style schemes sign it: every name and value percent-encoded, the
/// pairs sorted (by name, then value), joined with `&`; no `\n`.
pub(crate) fn query_line(pairs: &[(String, String)], empty: EmptyValue) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| (percent::encode(name), percent::encode(value)))
        .collect();
    encoded.sort();
    let written: Vec<String> = encoded
        .into_iter()
        .map(|(name, value)| match (value.is_empty(), empty) {
            (true, EmptyValue::Bare) => name,
            _ => format!("{name}={value}"),
        })
        .collect();
    written.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn headers_are_lowered_trimmed_sorted_and_repeats_joined() {
        let headers = pairs(&[
            ("X-Fc-B", " 2 "),
            ("host", "h"),
            ("x-fc-a", "1"),
            ("x-fc-b", "3"),
            ("X-Fc-Security-Token", "TOKEN"),
        ]);
        let list = header_list(&headers, |name| name.starts_with("x-fc-"));
        assert_eq!(
            list,
            pairs(&[
                ("x-fc-a", "1"),
                ("x-fc-b", "2,3"),
                ("x-fc-security-token", "TOKEN")
            ])
        );
        assert_eq!(
            header_lines(&list, Token::Shown),
            "x-fc-a:1\nx-fc-b:2,3\nx-fc-security-token:TOKEN\n"
        );
        assert_eq!(
            header_lines(&list, Token::Hidden),
            "x-fc-a:1\nx-fc-b:2,3\nx-fc-security-token:**redacted**\n"
        );
    }

    #[test]
    fn the_query_is_encoded_then_sorted_and_empty_values_written_either_way() {
        let query = pairs(&[("b", "x y"), ("uploads", ""), ("a+", "1"), ("a+", "0")]);
        assert_eq!(
            query_line(&query, EmptyValue::Equals),
            "a%2B=0&a%2B=1&b=x%20y&uploads="
        );
        assert_eq!(
            query_line(&query, EmptyValue::Bare),
            "a%2B=0&a%2B=1&b=x%20y&uploads"
        );
        assert_eq!(query_line(&[], EmptyValue::Bare), "");
    }
}
