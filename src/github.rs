//! The text formats of GitHub Actions: workflow commands on stdout and the `GITHUB_OUTPUT`
//! file. Everything here formats text; [`crate::report`] decides what to write where.

use std::fmt::Write;

use crate::interface::Output;

/// `::error::` annotation: fails loudly in the job's summary.
pub fn error(message: &str) -> String {
    format!("::error::{}", escape_data(message))
}

/// `::warning::` annotation.
pub fn warning(message: &str) -> String {
    format!("::warning::{}", escape_data(message))
}

/// An annotation's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// `::error title=…::` (or `::warning`): an annotation whose title GitHub shows above the
/// message, here the file it is about.
pub fn annotation(level: Level, title: &str, message: &str) -> String {
    let command = match level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    format!(
        "::{command} title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// Asks the runner to replace `value` with `***` in every later log line. Only what the
/// runner decodes is escaped, so that it masks the value itself; the runner does not print
/// the command.
pub fn add_mask(value: &str) -> String {
    let escaped = value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    format!("::add-mask::{escaped}")
}

/// A workflow command property's value, as the runner decodes it: data escaping, and `:`
/// and `,`, which would end the value and let the rest pose as the message or a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Workflow command data escaping: `%`, CR and LF as the runner decodes them (without it a
/// newline in a message would end the command and let the rest pose as a command of its
/// own), and every other control character the same way, which the runner shows as written,
/// so that no ESC from a file name or a server colours or rewrites the log.
pub fn escape_data(text: &str) -> String {
    escape_controls(text, true)
}

/// A plain log line, which the runner prints as it is and never decodes: control characters
/// are escaped as in command data, so that the rest cannot pose as a command of its own nor
/// drive the terminal, but `%` is left as it is, or the log would show the action's own
/// "10%" as "10%25".
pub fn escape_line(text: &str) -> String {
    escape_controls(text, false)
}

/// `text` with every control character (C0, DEL and C1) written `%XX`, one per UTF-8 byte,
/// and `%` too when `percent`.
fn escape_controls(text: &str, percent: bool) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || (percent && c == '%') {
            let mut bytes = [0u8; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                let _ = write!(escaped, "%{byte:02X}");
            }
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// The outputs a step sets, in the order they are written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs {
    values: Vec<(Output, String)>,
}

impl Outputs {
    pub fn set(&mut self, output: Output, value: impl Into<String>) {
        self.values.push((output, value.into()));
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.values
            .iter()
            .map(|(output, value)| (output.name(), value.as_str()))
    }

    /// The `GITHUB_OUTPUT` text in the multi-line form `name<<DELIM\nvalue\nDELIM\n`.
    ///
    /// `random` yields fresh random delimiter material; a delimiter that occurs in a value
    /// is drawn again, so no value can end its own block early and inject another output.
    pub fn render<E>(&self, mut random: impl FnMut() -> Result<String, E>) -> Result<String, E> {
        let mut text = String::new();
        for (name, value) in self.iter() {
            let delimiter = loop {
                let candidate = format!("ghadelimiter_{}", random()?);
                if !value.contains(&candidate) && !name.contains(&candidate) {
                    break candidate;
                }
            };
            let _ = write!(text, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_line_breaks_and_percent() {
        let two_lines = "50%\nnext";
        assert_eq!(error(two_lines), "::error::50%25%0Anext");
        assert_eq!(add_mask("a\r\nb"), "::add-mask::a%0D%0Ab");
        assert_eq!(warning("w"), "::warning::w");
    }

    #[test]
    fn annotation_titles_cannot_end_early_or_add_properties() {
        assert_eq!(
            annotation(Level::Error, "python/a:b,c%\n::x", "is 100%"),
            "::error title=python/a%3Ab%2Cc%25%0A%3A%3Ax::is 100%25"
        );
        assert_eq!(
            annotation(Level::Warning, "python/", "holds nothing"),
            "::warning title=python/::holds nothing"
        );
    }

    #[test]
    fn every_control_character_is_escaped_in_lines_and_commands() {
        assert_eq!(
            escape_line("\u{1b}[31mred\u{7f}\u{0}\t\u{9b}"),
            "%1B[31mred%7F%00%09%C2%9B"
        );
        assert_eq!(error("a\u{1b}]0;t\u{7}%"), "::error::a%1B]0;t%07%25");
        assert_eq!(escape_line("plain é ✓ 10%"), "plain é ✓ 10%");
        assert_eq!(add_mask("s\u{1b}%"), "::add-mask::s\u{1b}%25");
    }

    #[test]
    fn plain_lines_escape_line_breaks_only() {
        assert_eq!(
            escape_line("90% to 1\n::error::x\r"),
            "90% to 1%0A::error::x%0D"
        );
    }

    #[test]
    fn render_draws_again_when_a_value_holds_the_delimiter() {
        let mut outputs = Outputs::default();
        outputs.set(Output::Version, "ghadelimiter_aaaa\nversion=evil");
        let mut draws = ["aaaa", "bbbb"].into_iter();
        let text = outputs
            .render(|| Ok::<_, ()>(draws.next().expect("two draws").to_owned()))
            .expect("renders");
        assert_eq!(
            text,
            "version<<ghadelimiter_bbbb\nghadelimiter_aaaa\nversion=evil\nghadelimiter_bbbb\n"
        );
    }
}
