//! Slows down guessing of the admin token: after [`FAILURES`] wrong tokens from one
//! address within [`WINDOW`], that address gets 429 `rate_limited` (with `Retry-After`)
//! for every admin request, with the right token or not, until the window has passed.
//! A right token clears the address's count.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

/// Wrong tokens one address may present per window.
pub const FAILURES: u32 = 10;
/// The window, from an address's first wrong token.
pub const WINDOW: chrono::Duration = chrono::Duration::seconds(60);
/// Addresses tracked at most; past this, windows that ended are dropped first.
const MAX_TRACKED: usize = 10_000;

/// Wrong admin tokens per client address.
#[derive(Default)]
pub struct AdminGuard {
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    since: DateTime<Utc>,
    count: u32,
}

impl AdminGuard {
    /// `None` when `client` may try now; else the seconds it must wait.
    pub fn wait(&self, client: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = failures.get(&client)?;
        let ends = entry.since + WINDOW;
        (entry.count >= FAILURES && now < ends).then(|| {
            u64::try_from((ends - now).num_seconds())
                .unwrap_or(0)
                .max(1)
        })
    }

    /// Counts a wrong token from `client`.
    pub fn failed(&self, client: IpAddr, now: DateTime<Utc>) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, entry| now < entry.since + WINDOW);
        }
        let entry = failures.entry(client).or_insert(Failures {
            since: now,
            count: 0,
        });
        if now >= entry.since + WINDOW {
            *entry = Failures {
                since: now,
                count: 0,
            };
        }
        entry.count = entry.count.saturating_add(1);
    }

    /// Clears `client`'s count after a right token.
    pub fn succeeded(&self, client: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_after_too_many_wrong_tokens_until_its_window_ends() {
        let guard = AdminGuard::default();
        let start = Utc::now();
        let (one, other): (IpAddr, IpAddr) = ("127.0.0.2".parse().unwrap(), "::1".parse().unwrap());
        for _ in 0..FAILURES {
            assert_eq!(guard.wait(one, start), None);
            guard.failed(one, start);
        }
        assert_eq!(guard.wait(one, start), Some(60));
        assert_eq!(
            guard.wait(one, start + chrono::Duration::seconds(45)),
            Some(15)
        );
        assert_eq!(
            guard.wait(other, start),
            None,
            "another address is not held back"
        );
        assert_eq!(guard.wait(one, start + WINDOW), None);
        // A new window starts from the next wrong token.
        guard.failed(one, start + WINDOW);
        assert_eq!(guard.wait(one, start + WINDOW), None);
        guard.succeeded(one);
        assert_eq!(guard.wait(one, start + WINDOW), None);
    }
}
