//! The inputs around the create: the unchanged check, retention, ACL, retries, dry run.

use super::error::InputError;
use super::raw::RawInputs;
use crate::fc::Acl;
use crate::interface::Input;
use crate::retry::{MAX_RETRIES, Retries};

/// What happens around the create: the unchanged check, retention, ACL, retries, dry run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifecycle {
    pub(crate) skip_unchanged: bool,
    /// 0 keeps every version.
    pub(crate) keep_versions: u32,
    pub(crate) acl: Option<Acl>,
    pub(crate) retries: Retries,
    pub(crate) dry_run: bool,
}

impl Default for Lifecycle {
    /// The defaults `action.yml` declares.
    fn default() -> Self {
        Self {
            skip_unchanged: true,
            keep_versions: 0,
            acl: None,
            retries: Retries::new(3),
            dry_run: false,
        }
    }
}

impl RawInputs {
    /// Whether `dry-run` says `true`, as [`parse`] reads it; `false` when it says anything
    /// else, valid or not.
    pub(crate) fn dry_run_asked(&self) -> bool {
        self.text(Input::DryRun)
            .is_some_and(|text| text.trim().eq_ignore_ascii_case("true"))
    }
}

/// The inputs around the create, each checked on its own.
pub(super) fn parse(raw: &RawInputs, errors: &mut Vec<InputError>) -> Lifecycle {
    let defaults = Lifecycle::default();
    let mut flag = |input: Input, default: bool| {
        raw.text(input).map_or(default, |text| {
            match text.trim().to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    errors.push(InputError::new(
                        input,
                        format!("{text:?} is neither `true` nor `false`"),
                    ));
                    default
                }
            }
        })
    };
    let skip_unchanged = flag(Input::SkipUnchanged, defaults.skip_unchanged);
    let dry_run = flag(Input::DryRun, defaults.dry_run);
    let mut count = |input: Input, default: u32, most: u32| {
        raw.text(input)
            .map_or(default, |text| match text.trim().parse::<u32>() {
                Ok(number) if number <= most => number,
                _ => {
                    errors.push(InputError::new(
                        input,
                        format!("{text:?} is not a whole number from 0 to {most}"),
                    ));
                    default
                }
            })
    };
    let keep_versions = count(Input::KeepVersions, defaults.keep_versions, 10_000);
    let retries = Retries::new(count(Input::Retries, defaults.retries.most, MAX_RETRIES));
    Lifecycle {
        skip_unchanged,
        keep_versions,
        acl: parse_acl(raw, errors),
        retries,
        dry_run,
    }
}

fn parse_acl(raw: &RawInputs, errors: &mut Vec<InputError>) -> Option<Acl> {
    match raw
        .text(Input::Acl)
        .map(|acl| acl.trim().to_ascii_lowercase())
    {
        None => None,
        Some(acl) if acl == "private" => Some(Acl::Private),
        Some(acl) if acl == "public" => Some(Acl::Public),
        Some(other) => {
            errors.push(InputError::new(
                Input::Acl,
                format!("{other:?} is neither `private` nor `public` (leave it empty to keep the layer's ACL)"),
            ));
            None
        }
    }
}
