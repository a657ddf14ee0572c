//! A [`Reporter`] that keeps what it is told, to be replayed into the real one later: for
//! work done concurrently, whose log lines would otherwise interleave, or which cannot all
//! hold the one `&mut` reporter at once.

use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::Reporter;
use crate::credentials::{Masker, Secret};
use crate::github::{Level, Outputs};
use crate::redact::Redactor;

enum Line {
    Info(String),
    Warning(String),
    Error(String),
    Annotation(Level, String, String),
    Group(String),
    EndGroup,
    Mask(Secret),
    Summary(String),
}

#[derive(Default)]
pub(crate) struct Buffered {
    lines: Vec<Line>,
}

impl Buffered {
    /// Hands everything kept to `reporter`, in the order it came.
    pub(crate) fn replay(self, reporter: &mut impl Reporter) {
        for line in self.lines {
            match line {
                Line::Info(text) => reporter.info(&text),
                Line::Warning(text) => reporter.warning(&text),
                Line::Error(text) => reporter.error(&text),
                Line::Annotation(level, title, text) => reporter.annotate(level, &title, &text),
                Line::Group(title) => reporter.group(&title),
                Line::EndGroup => reporter.end_group(),
                Line::Mask(secret) => reporter.mask(&secret),
                Line::Summary(markdown) => reporter.summary(&markdown),
            }
        }
    }
}

impl Masker for Buffered {
    fn mask(&mut self, secret: &Secret) {
        self.lines.push(Line::Mask(secret.clone()));
    }
}

impl Reporter for Buffered {
    fn info(&mut self, message: &str) {
        self.lines.push(Line::Info(message.to_owned()));
    }

    fn warning(&mut self, message: &str) {
        self.lines.push(Line::Warning(message.to_owned()));
    }

    fn error(&mut self, message: &str) {
        self.lines.push(Line::Error(message.to_owned()));
    }

    fn annotate(&mut self, level: Level, title: &str, message: &str) {
        self.lines.push(Line::Annotation(
            level,
            title.to_owned(),
            message.to_owned(),
        ));
    }

    fn group(&mut self, title: &str) {
        self.lines.push(Line::Group(title.to_owned()));
    }

    fn end_group(&mut self) {
        self.lines.push(Line::EndGroup);
    }

    /// Outputs are written once, by the pipeline, never from a buffer.
    fn set_outputs(&mut self, _outputs: &Outputs) -> io::Result<()> {
        Err(io::Error::other(
            "outputs are written by the pipeline, not through a buffered reporter",
        ))
    }

    /// The secrets masked through this buffer; the reporter it is replayed into knows more.
    fn redactor(&self) -> Redactor {
        let mut redactor = Redactor::default();
        for line in &self.lines {
            if let Line::Mask(secret) = line {
                redactor.add(secret.expose());
            }
        }
        redactor
    }

    fn summary(&mut self, markdown: &str) {
        self.lines.push(Line::Summary(markdown.to_owned()));
    }
}
/// A [`Buffered`] that tasks running at once (an upload's parts) all write to, each through
/// a [`SharedHandle`] of its own, and that the task holding the real reporter drains
/// between its own lines.
#[derive(Default)]
pub(crate) struct SharedBuffer(Mutex<Buffered>);

impl SharedBuffer {
    pub(crate) fn handle(&self) -> SharedHandle<'_> {
        SharedHandle(self)
    }

    /// Hands what was kept so far to `reporter` and starts afresh.
    pub(crate) fn drain_into(&self, reporter: &mut impl Reporter) {
        std::mem::take(&mut *self.lock()).replay(reporter);
    }

    fn lock(&self) -> MutexGuard<'_, Buffered> {
        // A task that panicked mid-line leaves whole lines behind: still worth showing.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One task's way into a [`SharedBuffer`].
pub(crate) struct SharedHandle<'a>(&'a SharedBuffer);

impl Masker for SharedHandle<'_> {
    fn mask(&mut self, secret: &Secret) {
        self.0.lock().mask(secret);
    }
}

impl Reporter for SharedHandle<'_> {
    fn info(&mut self, message: &str) {
        self.0.lock().info(message);
    }

    fn warning(&mut self, message: &str) {
        self.0.lock().warning(message);
    }

    fn error(&mut self, message: &str) {
        self.0.lock().error(message);
    }

    fn annotate(&mut self, level: Level, title: &str, message: &str) {
        self.0.lock().annotate(level, title, message);
    }

    fn group(&mut self, title: &str) {
        self.0.lock().group(title);
    }

    fn end_group(&mut self) {
        self.0.lock().end_group();
    }

    fn set_outputs(&mut self, outputs: &Outputs) -> io::Result<()> {
        self.0.lock().set_outputs(outputs)
    }

    fn redactor(&self) -> Redactor {
        self.0.lock().redactor()
    }

    fn summary(&mut self, markdown: &str) {
        self.0.lock().summary(markdown);
    }
}
