//! One region's log while several run side by side: each line goes to the step's reporter
//! at once, prefixed with `[region]`, so a slow region's progress shows while it happens and
//! every line says whose it is. A folded group (the version listing, an upload's progress)
//! is held until it ends and written whole, since GitHub's groups cannot interleave: a line
//! of another region written inside it would be folded under the wrong title.
//!
//! Masks are passed on at once, before any line that could hold the value: the step's
//! reporter redacts from then on, and GitHub learns the mask before it sees the value.

use std::cell::RefCell;
use std::io;

use crate::credentials::{Masker, Secret};
use crate::github::Outputs;
use crate::redact::Redactor;
use crate::report::Reporter;

/// Regions run as futures of one task, so the step's reporter is shared through a
/// `RefCell`, borrowed only inside each (synchronous) call.
pub(crate) struct RegionLog<'a, 'r, R: Reporter> {
    shared: &'a RefCell<&'r mut R>,
    prefix: String,
    /// The open group's title and lines, written when it ends.
    group: Option<(String, Vec<Line>)>,
    /// No other region writes alongside: groups go straight through, so a long upload's
    /// progress shows as it happens.
    live: bool,
}

enum Line {
    Info(String),
    Warning(String),
    Error(String),
}

impl<'a, 'r, R: Reporter> RegionLog<'a, 'r, R> {
    /// The log of one region among several, each line prefixed with `[name]`.
    pub(crate) fn prefixed(shared: &'a RefCell<&'r mut R>, name: &str) -> Self {
        Self {
            shared,
            prefix: format!("[{name}] "),
            group: None,
            live: false,
        }
    }

    /// The log of a step's only region: as it is, groups written while they happen.
    pub(crate) fn live(shared: &'a RefCell<&'r mut R>) -> Self {
        Self {
            shared,
            prefix: String::new(),
            group: None,
            live: true,
        }
    }

    /// Writes the group held so far, whole.
    fn flush_group(&mut self) {
        let Some((title, lines)) = self.group.take() else {
            return;
        };
        let mut reporter = self.shared.borrow_mut();
        reporter.group(&format!("{}{title}", self.prefix));
        for line in &lines {
            write_line(&mut **reporter, "", line);
        }
        reporter.end_group();
    }

    fn emit(&mut self, line: Line) {
        match &mut self.group {
            Some((_, lines)) => lines.push(line),
            None => write_line(&mut **self.shared.borrow_mut(), &self.prefix, &line),
        }
    }
}

/// A group left open, as when a step failed inside one, is written when the region ends.
impl<R: Reporter> Drop for RegionLog<'_, '_, R> {
    fn drop(&mut self) {
        self.flush_group();
    }
}

fn write_line<R: Reporter>(reporter: &mut R, prefix: &str, line: &Line) {
    match line {
        Line::Info(text) => reporter.info(&format!("{prefix}{text}")),
        Line::Warning(text) => reporter.warning(&format!("{prefix}{text}")),
        Line::Error(text) => reporter.error(&format!("{prefix}{text}")),
    }
}

impl<R: Reporter> Masker for RegionLog<'_, '_, R> {
    fn mask(&mut self, secret: &Secret) {
        self.shared.borrow_mut().mask(secret);
    }
}

impl<R: Reporter> Reporter for RegionLog<'_, '_, R> {
    fn info(&mut self, message: &str) {
        self.emit(Line::Info(message.to_owned()));
    }

    fn warning(&mut self, message: &str) {
        self.emit(Line::Warning(message.to_owned()));
    }

    fn error(&mut self, message: &str) {
        self.emit(Line::Error(message.to_owned()));
    }

    fn group(&mut self, title: &str) {
        if self.live {
            self.shared.borrow_mut().group(title);
            return;
        }
        // Groups do not nest in GitHub's log; a second one ends the first.
        self.flush_group();
        self.group = Some((title.to_owned(), Vec::new()));
    }

    fn end_group(&mut self) {
        if self.live {
            self.shared.borrow_mut().end_group();
        } else {
            self.flush_group();
        }
    }

    fn set_outputs(&mut self, _outputs: &Outputs) -> io::Result<()> {
        // The step writes every region's outputs at once, when all have ended.
        Err(io::Error::other(
            "one region's pipeline does not write the step's outputs",
        ))
    }

    fn redactor(&self) -> Redactor {
        self.shared.borrow().redactor()
    }

    fn summary(&mut self, markdown: &str) {
        self.shared.borrow_mut().summary(markdown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Workflow;

    #[test]
    fn lines_are_prefixed_and_a_group_is_written_whole_when_it_ends() {
        let mut workflow = Workflow::<Vec<u8>, Vec<u8>>::new(Vec::new(), None);
        let shared = RefCell::new(&mut workflow);
        {
            let mut first = RegionLog::prefixed(&shared, "cn-a");
            let mut second = RegionLog::prefixed(&shared, "cn-b");
            first.group("Layer x has 2 version(s)");
            first.info("version 1");
            second.info("Publishing");
            second.mask(&Secret::new("lent-secret"));
            first.info("version 2 lent-secret");
            first.end_group();
            second.warning("slow");
        }
        let log = String::from_utf8(workflow.into_parts().0).expect("utf-8");
        assert_eq!(
            log,
            "[cn-b] Publishing\n::add-mask::lent-secret\n::group::[cn-a] Layer x has 2 version(s)\nversion 1\nversion 2 ***\n::endgroup::\n::warning::[cn-b] slow\n"
        );
    }

    #[test]
    fn a_live_log_passes_its_groups_through_as_they_happen() {
        let mut workflow = Workflow::<Vec<u8>, Vec<u8>>::new(Vec::new(), None);
        let shared = RefCell::new(&mut workflow);
        {
            let mut only = RegionLog::live(&shared);
            only.group("Uploading");
            only.info("1 of 2 parts");
            // Written at once, not held until the group ends: what comes from elsewhere
            // meanwhile follows it, so a long upload's progress shows as it happens.
            shared.borrow_mut().info("meanwhile");
            only.end_group();
            only.info("done");
        }
        let log = String::from_utf8(workflow.into_parts().0).expect("utf-8");
        assert_eq!(
            log,
            "::group::Uploading\n1 of 2 parts\nmeanwhile\n::endgroup::\ndone\n"
        );
    }
}
