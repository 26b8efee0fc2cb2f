//! Change notifications: typed and fine-grained, so a UI redraws only what changed.
//! Hosts subscribe with [`crate::PortalClient::changes`] (a broadcast receiver).

use crate::account::SignedIn;
use crate::store::WriteState;
use chrono::{DateTime, Utc};
use portal_model::ErrorCode;
use std::collections::HashSet;

/// How many notices wait for a slow subscriber before it is told to reload everything.
pub(crate) const CHANNEL_CAPACITY: usize = 512;

/// Something the UI may need to redraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeNotice {
    /// Records of one kind were added, changed or removed (pulled, or by a local write).
    Records { kind: String, ids: Vec<String> },
    /// The account lost access to these profiles; everything of theirs is gone.
    ProfilesPurged { profile_ids: Vec<String> },
    /// A write moved in the outbox (queued, sending, sent, failed, or discarded: `None`).
    Write {
        id: String,
        state: Option<WriteState>,
    },
    /// Where syncing stands.
    Sync(SyncStatus),
    /// News of the session restored at start-up: confirmed by the server, out of reach
    /// for now, or ended (sign in again).
    Session(SessionCheck),
    /// While locked: the server announced a change for the account (a message, an
    /// appointment, ...). It says nothing of what, so that a notification can say only
    /// that something arrived; the data comes after the unlock.
    NewActivity,
    /// Too many notices were missed: reload everything on screen.
    ReloadAll,
}

/// Where the background sync stands, for a status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncStatus {
    /// Pulling: pages and changes so far.
    Syncing { pages: u32, changes: u64 },
    /// Up to date as of `at`.
    UpToDate { at: DateTime<Utc> },
    /// The server cannot be reached; trying again at `retry_at`. Reads still work.
    Offline { retry_at: DateTime<Utc> },
    /// Stopped: signed out, locked, or the session ended (sign in again).
    Stopped,
}

/// What the server said of the session this device restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// Nothing to confirm: no session was restored in this run, it began with a
    /// password (which the server just checked), or the account was signed out of this
    /// device while the check ran.
    NotNeeded,
    /// Asking the server.
    Checking { account_id: String },
    /// The server could not be reached; asking again at `retry_at` (or as soon as the
    /// host says the network is back). The cached account and data stay in use.
    Unreachable {
        account_id: String,
        retry_at: DateTime<Utc>,
    },
    /// The server confirmed the session; the profiles are the server's current list.
    Confirmed(SignedIn),
    /// The server ended the session (expired, revoked, the password changed): its
    /// tokens are gone from this device, the offline copy is closed (and kept for the
    /// next sign-in), and the person signs in again.
    Ended {
        account_id: String,
        email: String,
        code: ErrorCode,
    },
}

impl SessionCheck {
    /// True once the check has an answer or a first failure to report.
    pub(crate) fn settled(&self) -> bool {
        !matches!(self, Self::Checking { .. })
    }
}

/// Groups `(kind, id)` pairs into one notice per kind, in first-seen order.
pub(crate) fn by_kind(changed: &[(String, String)]) -> Vec<ChangeNotice> {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    // A page holds up to a thousand changes: repeats are found by hashing, not by
    // comparing each id with every one before it.
    let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(changed.len());
    for (kind, id) in changed {
        if !seen.insert((kind, id)) {
            continue;
        }
        match groups.iter_mut().find(|(k, _)| k == kind) {
            Some((_, ids)) => ids.push(id.clone()),
            None => groups.push((kind, vec![id.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(kind, ids)| ChangeNotice::Records {
            kind: kind.to_owned(),
            ids,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_group_by_kind_without_repeats() {
        let changed = [
            ("message".to_owned(), "m1".to_owned()),
            ("thread".to_owned(), "t1".to_owned()),
            ("message".to_owned(), "m2".to_owned()),
            ("message".to_owned(), "m1".to_owned()),
        ];
        assert_eq!(
            by_kind(&changed),
            [
                ChangeNotice::Records {
                    kind: "message".into(),
                    ids: vec!["m1".into(), "m2".into()]
                },
                ChangeNotice::Records {
                    kind: "thread".into(),
                    ids: vec!["t1".into()]
                },
            ]
        );
    }
}
