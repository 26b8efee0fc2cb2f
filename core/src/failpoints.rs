//! Failure injection, for tests only (the `failpoints` cargo feature, which release
//! builds never enable): a step that must fail on cue to show that it fails cleanly.

use std::sync::atomic::{AtomicI64, Ordering};

/// The change of the next applied page that fails, or -1 for none.
static APPLY_FAILS_AT: AtomicI64 = AtomicI64::new(-1);

/// Makes the next sync page that is applied fail at its `index`th change (from 0),
/// inside the page's transaction, once.
pub fn fail_apply_at(index: u32) {
    APPLY_FAILS_AT.store(i64::from(index), Ordering::SeqCst);
}

/// No failure armed any more.
pub fn clear() {
    APPLY_FAILS_AT.store(-1, Ordering::SeqCst);
}

/// True (once) when the change at `index` of the page being applied is to fail.
pub(crate) fn apply_fails_at(index: usize) -> bool {
    let armed = APPLY_FAILS_AT.load(Ordering::SeqCst);
    let hit = i64::try_from(index).is_ok_and(|index| index == armed);
    if hit {
        clear();
    }
    hit
}
