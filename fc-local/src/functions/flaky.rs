//! Updates that end `Failed` but leave the function listing the layers it was given, as FC
//! may: a function whose move is not settled although its list is the new one. A function
//! told so fails its first `times` updates (after the configured delay, `InProgress` until
//! then); the updates after those go through, so a run that sends the same list again
//! moves it.

use std::collections::BTreeMap;

/// The first `times` updates of `function` end `Failed` with `reason`, keeping the new
/// layers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlakyUpdate {
    pub function: String,
    pub times: u32,
    pub reason: String,
}

impl FlakyUpdate {
    /// `NAME:TIMES:REASON`, as the command line gives it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, ':');
        let (Some(function), Some(times), Some(reason)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{text:?} is not NAME:TIMES:REASON"));
        };
        let times = times
            .parse()
            .map_err(|_| format!("{text:?}: TIMES {times:?} is not a whole number"))?;
        if function.is_empty() || reason.is_empty() {
            return Err(format!("{text:?}: NAME and REASON may not be empty"));
        }
        Ok(Self {
            function: function.to_owned(),
            times,
            reason: reason.to_owned(),
        })
    }
}

/// The failures each flaky function has left.
#[derive(Default)]
pub(super) struct Flaky {
    left: BTreeMap<String, (u32, String)>,
}

impl Flaky {
    pub(super) fn new(seeds: Vec<FlakyUpdate>) -> Self {
        let left = seeds
            .into_iter()
            .map(|seed| (seed.function, (seed.times, seed.reason)))
            .collect();
        Self { left }
    }

    /// The reason the next update of `name` ends `Failed`, used up; `None` when it goes
    /// through.
    pub(super) fn take(&mut self, name: &str) -> Option<String> {
        let (times, reason) = self.left.get_mut(name)?;
        if *times == 0 {
            return None;
        }
        *times -= 1;
        Some(reason.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_the_first_times_then_lets_updates_through() {
        let seed = FlakyUpdate::parse("api:2:the runtime: would not start").expect("parses");
        assert_eq!(seed.reason, "the runtime: would not start");
        let mut flaky = Flaky::new(vec![seed]);
        assert_eq!(flaky.take("other"), None);
        assert!(flaky.take("api").is_some());
        assert!(flaky.take("api").is_some());
        assert_eq!(flaky.take("api"), None);
    }

    #[test]
    fn a_bad_seed_is_refused_naming_it() {
        for text in ["api", "api:x:reason", ":1:reason", "api:1:"] {
            let error = FlakyUpdate::parse(text).expect_err(text);
            assert!(error.contains(text), "{error}");
        }
    }
}
