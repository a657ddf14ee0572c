//! One rule for text that comes from outside the run (a server's code, message, id or any
//! other value): it is capped in length before it is logged, annotated or summarised, so a
//! hostile or broken server cannot turn one reply into megabytes of log or summary.

use std::borrow::Cow;

/// The most bytes of one outside value that are shown.
pub(crate) const MAX_SHOWN_BYTES: usize = 1024;
/// The most bytes of one log line or annotation, whatever it is made of.
pub(crate) const MAX_LINE_BYTES: usize = 8 * MAX_SHOWN_BYTES;

/// `text` as it may be shown: whole when it is at most [`MAX_SHOWN_BYTES`], otherwise its
/// start (cut at a character boundary) followed by `… (N bytes)`, N the whole length.
pub(crate) fn capped(text: &str) -> Cow<'_, str> {
    capped_to(text, MAX_SHOWN_BYTES)
}

/// [`capped`] at `max` bytes, for text that holds several outside values.
pub(crate) fn capped_to(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… ({} bytes)", &text[..end], text.len()))
}

/// `text` within about `max` bytes, shortened in the middle: for a message that holds
/// several values, whose end (the cause, after a long path or entry name) must stay in view.
/// Whole when it fits; otherwise its start and its end around `… (N bytes, shortened) …`.
pub(crate) fn shortened_to(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut head = max / 2;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - max / 2;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    Cow::Owned(format!(
        "{} … ({} bytes, shortened) … {}",
        &text[..head],
        text.len(),
        &text[tail..]
    ))
}

/// [`capped`], owned: for values kept in errors.
pub(crate) fn capped_owned(text: impl Into<String>) -> String {
    let text = text.into();
    match capped(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(shown) => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_their_length_noted() {
        assert_eq!(capped("short"), "short");
        let exact = "a".repeat(MAX_SHOWN_BYTES);
        assert_eq!(capped(&exact), exact.as_str());
        let long = "é".repeat(1_000_000);
        let shown = capped(&long);
        assert!(shown.len() < MAX_SHOWN_BYTES + 32, "{}", shown.len());
        assert!(shown.ends_with("… (2000000 bytes)"), "{shown}");
        assert!(shown.starts_with("éé"));
    }

    #[test]
    fn long_messages_keep_their_start_and_their_cause() {
        assert_eq!(shortened_to("short", 8), "short");
        let message = format!("entry \"{}\" holds a backslash", "dé".repeat(5000));
        let shown = shortened_to(&message, 1000);
        assert!(shown.len() < 1000 + 48, "{}", shown.len());
        assert!(shown.starts_with("entry \"dé"), "{shown}");
        assert!(shown.ends_with("dé\" holds a backslash"), "{shown}");
        assert!(shown.contains(" … (15026 bytes, shortened) … "), "{shown}");
    }
}
