//! An error as it is printed: its message followed by each cause's
//! ([`std::error::Error::source`]), as `anyhow` shows an error with `{:#}`. A cause whose
//! text the message already holds is not repeated.

use std::error::Error;

/// `error`'s message and every cause not already in it, joined by `: `.
pub(crate) fn with_causes(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(current) = cause {
        let shown = current.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        cause = current.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error("input `code`: {0}")]
        Package(#[source] Inner),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("layer/x: cannot be read")]
    struct Inner {
        source: io::Error,
    }

    #[test]
    fn causes_follow_the_message_once_each() {
        let error = Outer::Package(Inner {
            source: io::Error::other("File name too long"),
        });
        assert_eq!(
            with_causes(&error),
            "input `code`: layer/x: cannot be read: File name too long"
        );
    }
}
