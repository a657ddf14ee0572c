//! What GitHub sees of a run: log lines, annotations, masks and outputs, behind one
//! [`Reporter`] so that the pipeline never writes to stdout or a file itself. [`Workflow`] is
//! the real one; tests give it byte buffers and read back exactly what the runner would.

pub(crate) mod buffered;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use crate::credentials::{Masker, Secret};
use crate::github::{self, Level, Outputs};
use crate::outside_text;
use crate::panic_report;
use crate::random;
use crate::redact::Redactor;

/// Where the pipeline reports to. Every message may hold text from outside (paths, replies,
/// inputs); implementations make sure none of it can pass for a workflow command or show a
/// masked secret.
pub trait Reporter: Masker {
    fn info(&mut self, message: &str);
    fn warning(&mut self, message: &str);
    fn error(&mut self, message: &str);
    /// An annotation about one thing, `title` naming it (a file in the layer). Reporters
    /// that only relay lines put the title before the message.
    fn annotate(&mut self, level: Level, title: &str, message: &str) {
        let text = format!("{title}: {message}");
        match level {
            Level::Error => self.error(&text),
            Level::Warning => self.warning(&text),
        }
    }
    /// Starts a folded section of the log, for long listings; [`Reporter::end_group`] ends it.
    fn group(&mut self, title: &str);
    fn end_group(&mut self);
    /// Writes all outputs at once, so a later step sees all of them or none.
    fn set_outputs(&mut self, outputs: &Outputs) -> io::Result<()>;
    /// Appends Markdown to the job summary, written as given: it is built with
    /// [`Reporter::redactor`], which redacts each value before it is escaped (see
    /// [`crate::summary`]). A summary that cannot be written is worth a warning, not a
    /// failed step.
    fn summary(&mut self, markdown: &str);
    /// The secrets masked so far, for text that is built before it is reported.
    fn redactor(&self) -> Redactor;
}

/// Opens `GITHUB_OUTPUT` (or `GITHUB_STEP_SUMMARY`) for appending. Done before any request,
/// so that a file the step cannot write fails the step before a version exists, not after.
/// The runner's files are regular files; a device such as `/dev/full` opens fine and fails
/// only at the write.
pub(crate) fn open_outputs_file(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new().append(true).create(true).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    Ok(file)
}

/// Workflow commands on `log` (stdout in the action), outputs appended to `outputs` (the
/// `GITHUB_OUTPUT` file, or printed only when there is none) and Markdown to `summary`
/// (`GITHUB_STEP_SUMMARY`).
pub struct Workflow<L, O> {
    log: L,
    outputs: Option<O>,
    summary: Option<O>,
    /// Values masked so far, replaced by `***` in every log line this reporter writes: a
    /// second line of defence behind `::add-mask::`, which only GitHub's runner honours.
    secrets: Redactor,
}

impl<L: Write, O: Write> Workflow<L, O> {
    pub fn new(log: L, outputs: Option<O>) -> Self {
        Self {
            log,
            outputs,
            summary: None,
            secrets: Redactor::default(),
        }
    }

    pub fn with_summary(mut self, summary: Option<O>) -> Self {
        self.summary = summary;
        self
    }

    /// The log, the outputs file and the summary, for tests to read back.
    pub fn into_parts(self) -> (L, Option<O>, Option<O>) {
        (self.log, self.outputs, self.summary)
    }

    /// `text` redacted, then capped as a whole, shortened in the middle so that its cause
    /// stays: a safety net behind the cap on each server value, so that no message, however
    /// composed, floods the log.
    fn redact(&self, text: &str) -> String {
        outside_text::shortened_to(&self.secrets.redact(text), outside_text::MAX_LINE_BYTES)
            .into_owned()
    }

    fn line(&mut self, line: &str) {
        // A log that cannot be written has no one to tell; the exit code still speaks.
        let _ = writeln!(self.log, "{line}");
    }
}

impl<L: Write, O: Write> Masker for Workflow<L, O> {
    fn mask(&mut self, secret: &Secret) {
        let value = secret.expose();
        if self.secrets.add(value) {
            self.line(&github::add_mask(value));
            panic_report::remember_secret(value);
        }
    }
}

impl<L: Write, O: Write> Reporter for Workflow<L, O> {
    fn info(&mut self, message: &str) {
        let line = github::escape_line(&self.redact(message));
        self.line(&line);
    }

    fn warning(&mut self, message: &str) {
        let line = github::warning(&self.redact(message));
        self.line(&line);
    }

    fn error(&mut self, message: &str) {
        let line = github::error(&self.redact(message));
        self.line(&line);
    }

    fn annotate(&mut self, level: Level, title: &str, message: &str) {
        let line = github::annotation(level, &self.redact(title), &self.redact(message));
        self.line(&line);
    }

    fn group(&mut self, title: &str) {
        let line = format!("::group::{}", github::escape_data(&self.redact(title)));
        self.line(&line);
    }

    fn end_group(&mut self) {
        self.line("::endgroup::");
    }

    fn summary(&mut self, markdown: &str) {
        let Some(file) = self.summary.as_mut() else {
            return;
        };
        if let Err(error) = file
            .write_all(markdown.as_bytes())
            .and_then(|()| file.flush())
        {
            self.summary = None;
            self.warning(&format!("cannot write the job summary: {error}"));
        }
    }

    fn redactor(&self) -> Redactor {
        self.secrets.clone()
    }

    fn set_outputs(&mut self, outputs: &Outputs) -> io::Result<()> {
        for (name, value) in outputs.iter() {
            self.info(&format!("{name}={value}"));
        }
        let Some(file) = self.outputs.as_mut() else {
            self.info("GITHUB_OUTPUT is not set, so the outputs above are only printed");
            return Ok(());
        };
        let text = outputs
            .render(random::hex_token)
            .map_err(io::Error::other)?;
        file.write_all(text.as_bytes())?;
        file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::Output;

    fn log(reporter: Workflow<Vec<u8>, Vec<u8>>) -> String {
        String::from_utf8(reporter.into_parts().0).expect("utf-8")
    }

    #[test]
    fn without_github_output_the_outputs_are_printed_and_that_is_said() {
        let mut reporter = Workflow::<_, Vec<u8>>::new(Vec::new(), None);
        let mut outputs = Outputs::default();
        outputs.set(Output::Version, "3".to_owned());
        reporter.set_outputs(&outputs).expect("nothing to write");
        let log = log(reporter);
        assert!(log.contains("version=3\n"), "{log}");
        assert!(log.contains("GITHUB_OUTPUT is not set"), "{log}");
    }

    #[test]
    fn masked_values_never_appear_after_the_mask_and_lines_cannot_be_split() {
        let mut reporter = Workflow::new(Vec::new(), Some(Vec::new()));
        reporter.mask(&Secret::new("s3cr3t"));
        reporter.mask(&Secret::new("s3cr3t"));
        reporter.info("Zipped /tmp/a\n::stop-commands::x with s3cr3t");
        reporter.info("90% to version 1");
        reporter.error("denied for s3cr3t at 90%");
        reporter.annotate(Level::Warning, "python/s3cr3t,x", "s3cr3t\n::error::x");
        assert_eq!(
            log(reporter),
            "::add-mask::s3cr3t\nZipped /tmp/a%0A::stop-commands::x with ***\n90% to version 1\n::error::denied for *** at 90%25\n::warning title=python/***%2Cx::***%0A::error::x\n"
        );
    }

    #[test]
    fn outputs_go_to_the_file_and_the_log() {
        let mut reporter = Workflow::new(Vec::new(), Some(Vec::new()));
        let mut outputs = Outputs::default();
        outputs.set(Output::Version, "3");
        reporter.set_outputs(&outputs).expect("writes");
        let (log, file, _) = reporter.into_parts();
        assert_eq!(String::from_utf8_lossy(&log), "version=3\n");
        let file = String::from_utf8(file.expect("file")).expect("utf-8");
        assert!(file.starts_with("version<<ghadelimiter_"), "{file}");
        assert!(file.contains("\n3\n"), "{file}");
    }
}
