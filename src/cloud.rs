//! Alibaba Cloud's own identifiers, validated once where they are read: the [`Region`] that
//! names hosts and scopes OSS signatures, and the [`AccountId`] of FC 2.0's temporary bucket.
//! Both are parts of host names, so once parsed they can always be put into one.

use std::fmt;

/// A region id such as `cn-hangzhou`: a lower-case letter, then lower-case letters, digits
/// and `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a region id such as `cn-hangzhou` (lower-case letters, digits and `-`)")]
pub struct RegionError {
    text: String,
}

impl Region {
    pub fn parse(text: &str) -> Result<Self, RegionError> {
        let valid = text.starts_with(|c: char| c.is_ascii_lowercase())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            // A label that starts `xn--` is Punycode, which URL parsers decode and may refuse;
            // no region is one, and every host made from a region must parse.
            && !text.starts_with("xn--");
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(RegionError {
                text: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Alibaba Cloud account id: 8 to 32 digits, like `1234567890123456`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountId(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an Alibaba Cloud account id (digits, like 1234567890123456)")]
pub struct AccountIdError {
    text: String,
}

impl AccountId {
    pub fn parse(text: &str) -> Result<Self, AccountIdError> {
        if (8..=32).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(AccountIdError {
                text: text.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_lower_case_ids_that_fit_in_a_host() {
        for good in ["cn-hangzhou", "ap-southeast-1", "cn-shanghai-finance-1"] {
            assert_eq!(
                Region::parse(good).map(|r| r.to_string()),
                Ok(good.to_owned())
            );
        }
        for bad in [
            "",
            "CN_Hangzhou",
            "1cn",
            "evil.com/x",
            "cn hangzhou",
            "xn--zz",
        ] {
            assert!(Region::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn account_ids_are_8_to_32_digits() {
        assert!(AccountId::parse("1234567890123456").is_ok());
        for bad in ["", "1234567", "12ab567890", &"1".repeat(33)] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
    }
}
