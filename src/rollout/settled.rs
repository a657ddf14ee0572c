//! What a function needs next, from whether its layer list is already the new one and its
//! `lastUpdateStatus`, pure. A list is only settled when FC says `Successful`: a function
//! that lists the new version mid-update, or after a `Failed` update, is not on it yet
//! (a `Failed` update may be put back, and the old version is still what runs).

use crate::fc::function::UpdateStatus;

/// The next step for one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Already on the list and `Successful`: nothing to send (`unchanged`).
    Nothing,
    /// UpdateFunction with the new list, then wait: a list that differs, or the same list
    /// again after a `Failed` update (a `PUT`, safe to repeat).
    Update { again: bool },
    /// The new list, but an update (another run's) is `InProgress`: waited for like one of
    /// this run's, within `function-update-timeout`.
    Wait,
    /// The new list with a `lastUpdateStatus` FC does not document: not taken as settled,
    /// for this reason.
    Refuse(String),
}

/// The step for a function whose list is `changed` by the plan (or not), as FC reports
/// its last update.
pub(crate) fn next(changed: bool, status: Result<UpdateStatus, String>) -> Next {
    if changed {
        return Next::Update { again: false };
    }
    match status {
        Ok(UpdateStatus::Successful) => Next::Nothing,
        Ok(UpdateStatus::InProgress) => Next::Wait,
        Ok(UpdateStatus::Failed) => Next::Update { again: true },
        Err(unknown) => Next::Refuse(unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_successful_on_the_new_list_is_nothing_to_do() {
        assert_eq!(next(false, Ok(UpdateStatus::Successful)), Next::Nothing);
        assert_eq!(next(false, Ok(UpdateStatus::InProgress)), Next::Wait);
        assert_eq!(
            next(false, Ok(UpdateStatus::Failed)),
            Next::Update { again: true }
        );
        let unknown = "lastUpdateStatus is \"Pending\"".to_owned();
        assert_eq!(
            next(false, Err(unknown.clone())),
            Next::Refuse(unknown.clone())
        );
    }

    #[test]
    fn a_list_to_change_is_updated_whatever_its_status() {
        for status in [
            Ok(UpdateStatus::Successful),
            Ok(UpdateStatus::InProgress),
            Ok(UpdateStatus::Failed),
            Err("odd".to_owned()),
        ] {
            assert_eq!(next(true, status), Next::Update { again: false });
        }
    }
}
