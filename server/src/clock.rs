//! Injectable time, so that expiry (4-day invites, sessions) is tested without waiting.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex, PoisonError};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;

    /// The clock as one that tests can move, if it is one (the `test-support` build's
    /// admin routes move it); the system clock is not.
    fn adjustable(&self) -> Option<&dyn AdjustableClock> {
        None
    }
}

/// A clock that can be set and moved.
pub trait AdjustableClock {
    /// Makes `to` the current time.
    fn set(&self, to: DateTime<Utc>);
    /// Moves the clock forward (or back, with a negative duration).
    fn advance(&self, by: Duration);
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that tests move by hand. Starts at the system time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self {
            now: Arc::new(Mutex::new(Utc::now())),
        }
    }
}

impl ManualClock {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn adjustable(&self) -> Option<&dyn AdjustableClock> {
        Some(self)
    }
}

impl AdjustableClock for ManualClock {
    fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }

    fn advance(&self, by: Duration) {
        ManualClock::advance(self, by);
    }
}

/// The system's time shifted by an offset that tests set: time goes on as it does for
/// the clients, and a test moves it days ahead to see an invite expire. What the
/// `test-support` build of the binary runs on.
#[derive(Debug, Clone, Default)]
pub struct OffsetClock {
    offset: Arc<Mutex<Duration>>,
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn adjustable(&self) -> Option<&dyn AdjustableClock> {
        Some(self)
    }
}

impl AdjustableClock for OffsetClock {
    fn set(&self, to: DateTime<Utc>) {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner) = to - Utc::now();
    }

    fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_moves_with_the_system_time_from_where_it_was_set() {
        let clock = OffsetClock::default();
        let adjustable = clock.adjustable().unwrap();
        adjustable.advance(Duration::days(5));
        let ahead = clock.now() - Utc::now();
        assert!(
            (ahead - Duration::days(5)).abs() < Duration::seconds(5),
            "{ahead}"
        );
        let target = Utc::now() - Duration::days(1);
        adjustable.set(target);
        assert!((clock.now() - target).abs() < Duration::seconds(5));
        assert!(SystemClock.adjustable().is_none());
    }
}
