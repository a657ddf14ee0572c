//! Names OSS accepts: bucket names, object keys, and `oss://bucket/key` references. A leaf,
//! read by the inputs, FC's requests (a layer from OSS names its bucket) and the OSS calls.

use std::fmt;

use serde::Serialize;

/// A bucket name OSS accepts: 3 to 63 lower-case letters, digits and `-`, starting and
/// ending with a letter or digit. Serialised as the name itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BucketName(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a bucket name OSS accepts (3 to 63 lower-case letters, digits and `-`, starting and ending with a letter or digit)"
)]
pub struct BucketNameError {
    text: String,
}

impl BucketName {
    pub fn parse(name: &str) -> Result<Self, BucketNameError> {
        let valid_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let edges = name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric());
        if (3..=63).contains(&name.len()) && valid_chars && edges {
            Ok(Self(name.to_owned()))
        } else {
            Err(BucketNameError {
                text: name.to_owned(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an object key, or a prefix of one, is refused; `what` names it ("the prefix").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyError {
    #[error("{what} must be 1 to 1023 bytes long")]
    Length { what: &'static str },
    #[error("{what} {key:?} must not start with `/` or `\\`")]
    Absolute { what: &'static str, key: String },
    #[error("{what} must not hold control characters")]
    Control { what: &'static str },
    #[error("{what} {key:?} must not have an empty, `.` or `..` segment")]
    Segment { what: &'static str, key: String },
}

/// Checks a whole object key: 1 to 1023 bytes of UTF-8, no leading `/` or `\`, no control
/// characters, and no empty, `.` or `..` segment. A URL library drops or resolves such
/// segments, so the path sent would differ from the key signed and named to FC.
pub(crate) fn check_key(key: &str, what: &'static str) -> Result<(), KeyError> {
    check_segments(key, key, what)
}

/// Checks `prefix` as the start of a key: it is checked as part of a full key (`prefix`
/// followed by one more name), so a trailing `/` is fine and `./` or `a//` are not.
pub(crate) fn check_prefix(prefix: &str, what: &'static str) -> Result<(), KeyError> {
    if prefix.is_empty() {
        return Err(KeyError::Length { what });
    }
    check_segments(&format!("{prefix}x"), prefix, what)
}

/// `key` checked; errors name `shown`, the text the user or server gave.
fn check_segments(key: &str, shown: &str, what: &'static str) -> Result<(), KeyError> {
    if key.is_empty() || key.len() > 1023 {
        return Err(KeyError::Length { what });
    }
    if key.starts_with('/') || key.starts_with('\\') {
        return Err(KeyError::Absolute {
            what,
            key: shown.to_owned(),
        });
    }
    if key.chars().any(char::is_control) {
        return Err(KeyError::Control { what });
    }
    if key
        .split('/')
        .any(|segment| matches!(segment, "" | "." | ".."))
    {
        return Err(KeyError::Segment {
            what,
            key: shown.to_owned(),
        });
    }
    Ok(())
}

/// An object named as `oss://bucket/key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub(crate) bucket: BucketName,
    pub(crate) key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ObjectRefError {
    #[error(transparent)]
    Bucket(#[from] BucketNameError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "{text:?} names no object: write oss://BUCKET/KEY, e.g. oss://my-bucket/layers/deps.zip"
    )]
    NoObject { text: String },
}

impl ObjectRef {
    /// `None` when `text` is not an `oss://` reference at all; an error when it is a bad one.
    pub(crate) fn parse(text: &str) -> Option<Result<Self, ObjectRefError>> {
        let rest = text.strip_prefix("oss://")?;
        Some(match rest.split_once('/') {
            Some((bucket, key)) if !key.is_empty() => Self::parse_parts(bucket, key),
            _ => Err(ObjectRefError::NoObject {
                text: text.to_owned(),
            }),
        })
    }

    fn parse_parts(bucket: &str, key: &str) -> Result<Self, ObjectRefError> {
        let bucket = BucketName::parse(bucket)?;
        check_key(key, "the object key")?;
        Ok(Self {
            bucket,
            key: key.to_owned(),
        })
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oss://{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_oss_rules() {
        for good in ["abc", "my-bucket-1", &"a".repeat(63)] {
            assert!(BucketName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "My-Bucket",
            "-abc",
            "abc-",
            "a_b",
            "a.b",
            &"a".repeat(64),
        ] {
            assert!(BucketName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn oss_references_need_a_bucket_and_a_key() {
        let object = ObjectRef::parse("oss://my-bucket/layers/a.zip")
            .expect("a reference")
            .expect("valid");
        assert_eq!(object.bucket.as_str(), "my-bucket");
        assert_eq!(object.key, "layers/a.zip");
        assert_eq!(object.to_string(), "oss://my-bucket/layers/a.zip");
        assert_eq!(ObjectRef::parse("build/layer"), None);
        for bad in [
            "oss://my-bucket",
            "oss://my-bucket/",
            "oss://BAD/key",
            "oss://b/../x",
        ] {
            assert!(
                ObjectRef::parse(bad).expect("a reference").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_stay_relative_and_printable() {
        assert!(check_key("fc-layers/a/1.zip", "key").is_ok());
        assert!(check_prefix("fc-layers/", "prefix").is_ok());
        assert!(check_prefix("layers-", "prefix").is_ok());
        for bad in [
            "", "/abs", "a/../b", "a\nb", "a/./b", "./a", "a//b", "a/", ".",
        ] {
            assert!(check_key(bad, "key").is_err(), "{bad:?}");
        }
        for bad in ["", "./", "a/./b/", "a//", "../", "/a/"] {
            assert!(check_prefix(bad, "prefix").is_err(), "{bad:?}");
        }
    }
}
