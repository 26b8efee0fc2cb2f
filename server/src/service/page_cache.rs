//! Sync pages kept in memory, each with the version of the account's feed it was read
//! at, so that a page asked again while that version holds is answered without reading
//! its records again.
//!
//! The version of an account's feed ([`FeedVersion`]) is the highest change number it
//! can see, the purge mark, and who it acts for in which role. A write that touches what
//! the account sees gives a record the next change number, which is above every number
//! already visible (writers take numbers in commit order, see `feed`), so the highest
//! one moves; a record's row never changes without a new number (the database refuses
//! it, migration 0013); purging deletes moves the mark, which only grows; access gained,
//! lost or changed moves the third part. So two snapshots with one version show the
//! account the same records, and a page read at version V is the page of any snapshot at
//! V. A page is read after its version, in a snapshot of its own: if a write came
//! between, the version moved past V at that write's commit, so only requests that read
//! V before the commit, and so overlapped it, are answered with the newer page.
//!
//! Checking the version is one statement of a few index steps (`feed::VERSION_QUERY`),
//! which also answers an up-to-date cursor alone. On PostgreSQL a page's statement costs
//! several times as much as that (its rows' executor work and bytes); on SQLite reading
//! the page's records is most of a request's work.
//!
//! Pages are kept once asked twice (a small table of recent keys decides, and
//! [`PageCache::asked_before`] tells a caller that may then skip the version), so a
//! first sync, which asks each page once, does not fill the cache; the same page asked again
//! comes from a retry after a dropped answer, or a second device of the account syncing
//! from the start (cursors are the same for the same records). At most [`CAPACITY`]
//! bytes are held, in two generations: a page is found in the newer one or moved to it
//! from the older, and when the newer fills, the older is dropped. Pages over
//! [`MAX_PAGE`] bytes are not kept.

use crate::service::feed::Cursor;
use bytes::Bytes;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

/// The most page bytes held.
pub const CAPACITY: usize = 16 * 1024 * 1024;
/// The largest page kept.
pub const MAX_PAGE: usize = 256 * 1024;
/// Slots of the table of recently asked keys.
const RECENT_SLOTS: usize = 4096;
/// What an entry costs beyond its page's bytes (key, version, map slot), roughly.
const ENTRY_OVERHEAD: usize = 160;

/// What the page of one account after one cursor depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedVersion {
    /// The highest change number the account can see (0 when none).
    pub max_seq: i64,
    /// The feed's purge mark.
    pub purged_through: i64,
    /// The account's patients and roles, in one text.
    pub access: String,
}

/// A page's request: the account, where it starts, and its size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub account_id: String,
    pub from: Option<Cursor>,
    pub limit: u32,
}

struct Entry {
    version: FeedVersion,
    body: Bytes,
}

impl Entry {
    fn cost(&self, key: &PageKey) -> usize {
        self.body.len() + key.account_id.len() + self.version.access.len() + ENTRY_OVERHEAD
    }
}

/// The cache; see the module's documentation.
pub struct PageCache {
    inner: Mutex<Inner>,
    hasher: std::collections::hash_map::RandomState,
}

struct Inner {
    newer: HashMap<PageKey, Entry>,
    newer_bytes: usize,
    older: HashMap<PageKey, Entry>,
    /// Hashes of recently asked keys, one per slot (0: none).
    recent: Box<[u64]>,
}

impl Default for PageCache {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                newer: HashMap::new(),
                newer_bytes: 0,
                older: HashMap::new(),
                recent: vec![0; RECENT_SLOTS].into_boxed_slice(),
            }),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

impl PageCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps hold no invariant a panic could break (the byte count is only a
        // bound): keep using them.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The page kept for `key`, if it was read at `version`.
    pub fn get(&self, key: &PageKey, version: &FeedVersion) -> Option<Bytes> {
        let mut inner = self.lock();
        if let Some(entry) = inner.newer.get(key) {
            return (entry.version == *version).then(|| entry.body.clone());
        }
        let entry = inner.older.remove(key)?;
        if entry.version != *version {
            return None;
        }
        let body = entry.body.clone();
        inner.insert(key.clone(), entry);
        Some(body)
    }

    /// Notes that `key` is asked, and says whether it was asked recently or is kept:
    /// when it was not, its page will not be kept now (see [`PageCache::offer`]), so the
    /// caller may read the page without its version.
    pub fn asked_before(&self, key: &PageKey) -> bool {
        let hash = self.key_hash(key);
        let mut inner = self.lock();
        let slot = (hash % RECENT_SLOTS as u64) as usize;
        let Some(recent) = inner.recent.get_mut(slot) else {
            return false;
        };
        if *recent == hash {
            return true;
        }
        *recent = hash;
        inner.newer.contains_key(key) || inner.older.contains_key(key)
    }

    /// A key's hash for the table of recent keys: never 0, which marks an empty slot.
    fn key_hash(&self, key: &PageKey) -> u64 {
        self.hasher.hash_one(key) | 1
    }

    /// Offers a page just read at `version`: kept if its key was asked recently too.
    pub fn offer(&self, key: &PageKey, version: FeedVersion, body: &Bytes) {
        if body.len() > MAX_PAGE {
            return;
        }
        let hash = self.key_hash(key);
        let mut inner = self.lock();
        // The slot is the hash's remainder: the table's length is never 0.
        let slot = (hash % RECENT_SLOTS as u64) as usize;
        let Some(recent) = inner.recent.get_mut(slot) else {
            return;
        };
        if *recent != hash {
            *recent = hash;
            if !inner.newer.contains_key(key) && !inner.older.contains_key(key) {
                return;
            }
        }
        let entry = Entry {
            version,
            body: body.clone(),
        };
        inner.older.remove(key);
        inner.insert(key.clone(), entry);
    }

    /// How many pages are kept and their bytes (for tests).
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        let bytes = inner
            .newer
            .iter()
            .chain(inner.older.iter())
            .map(|(key, entry)| entry.cost(key))
            .sum();
        (inner.newer.len() + inner.older.len(), bytes)
    }
}

impl Inner {
    fn insert(&mut self, key: PageKey, entry: Entry) {
        let cost = entry.cost(&key);
        if let Some(old) = self.newer.insert(key.clone(), entry) {
            self.newer_bytes = self.newer_bytes.saturating_sub(old.cost(&key));
        }
        self.newer_bytes += cost;
        if self.newer_bytes > CAPACITY / 2 {
            self.older = std::mem::take(&mut self.newer);
            self.newer_bytes = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(account: &str, seq: i64) -> PageKey {
        PageKey {
            account_id: account.into(),
            from: Some(Cursor {
                seq,
                purged_base: 0,
            }),
            limit: 100,
        }
    }

    fn version(max_seq: i64) -> FeedVersion {
        FeedVersion {
            max_seq,
            purged_through: 0,
            access: "pat_1:self".into(),
        }
    }

    #[test]
    fn a_page_is_kept_once_asked_twice_and_only_for_its_version() {
        let cache = PageCache::default();
        let body = Bytes::from_static(b"{\"changes\":[]}");
        cache.offer(&key("acc_a", 5), version(9), &body);
        assert_eq!(cache.get(&key("acc_a", 5), &version(9)), None, "asked once");
        cache.offer(&key("acc_a", 5), version(9), &body);
        assert_eq!(cache.get(&key("acc_a", 5), &version(9)), Some(body.clone()));
        assert_eq!(
            cache.get(&key("acc_a", 5), &version(10)),
            None,
            "newer feed"
        );
        assert_eq!(
            cache.get(&key("acc_b", 5), &version(9)),
            None,
            "other account"
        );
        assert_eq!(
            cache.get(&key("acc_a", 6), &version(9)),
            None,
            "other cursor"
        );
        let moved = FeedVersion {
            access: "pat_1:guardian".into(),
            ..version(9)
        };
        assert_eq!(cache.get(&key("acc_a", 5), &moved), None, "other role");
        // A newer read replaces the page at once: it is already kept.
        let newer = Bytes::from_static(b"{\"changes\":[1]}");
        cache.offer(&key("acc_a", 5), version(10), &newer);
        assert_eq!(cache.get(&key("acc_a", 5), &version(10)), Some(newer));
    }

    #[test]
    fn a_key_asked_once_is_noted_so_that_its_next_page_is_kept() {
        let cache = PageCache::default();
        let body = Bytes::from_static(b"{\"changes\":[]}");
        assert!(!cache.asked_before(&key("acc_a", 5)), "first ask");
        assert!(cache.asked_before(&key("acc_a", 5)), "second ask");
        assert!(!cache.asked_before(&key("acc_a", 6)), "another cursor");
        // The second ask's page is kept: the first was noted without an offer.
        cache.offer(&key("acc_a", 5), version(9), &body);
        assert_eq!(cache.get(&key("acc_a", 5), &version(9)), Some(body));
        // A kept page's key counts as asked even when its slot was taken since.
        cache.lock().recent.fill(0);
        assert!(cache.asked_before(&key("acc_a", 5)), "kept");
        cache.lock().recent.fill(0);
        assert!(!cache.asked_before(&key("acc_a", 6)), "not kept");
    }

    #[test]
    fn large_pages_are_not_kept_and_the_bytes_stay_bounded() {
        let cache = PageCache::default();
        let large = Bytes::from(vec![b' '; MAX_PAGE + 1]);
        for _ in 0..3 {
            cache.offer(&key("acc_a", 1), version(1), &large);
        }
        assert_eq!(cache.usage().0, 0);
        let page = Bytes::from(vec![b' '; 64 * 1024]);
        let pages = 3 * CAPACITY / page.len();
        for seq in 0..pages as i64 {
            cache.offer(&key("acc_a", seq), version(1), &page);
            cache.offer(&key("acc_a", seq), version(1), &page);
        }
        let (count, bytes) = cache.usage();
        assert!(
            count > 0 && bytes <= CAPACITY + MAX_PAGE,
            "{count} pages, {bytes} bytes"
        );
        // The most recent pages are the ones kept.
        let last = pages as i64 - 1;
        assert!(cache.get(&key("acc_a", last), &version(1)).is_some());
        assert!(cache.get(&key("acc_a", 0), &version(1)).is_none());
    }

    #[test]
    fn a_page_found_in_the_older_generation_survives_the_next_turn() {
        let cache = PageCache::default();
        let hot = Bytes::from_static(b"{\"hot\":true}");
        cache.offer(&key("acc_hot", 1), version(1), &hot);
        cache.offer(&key("acc_hot", 1), version(1), &hot);
        let page = Bytes::from(vec![b' '; 64 * 1024]);
        // Half a generation per round: the newer one turns over every other round.
        let per_round = CAPACITY / 4 / page.len();
        for round in 0..8_i64 {
            for i in 0..per_round as i64 {
                let k = key("acc_cold", round * 10_000 + i);
                cache.offer(&k, version(1), &page);
                cache.offer(&k, version(1), &page);
            }
            assert_eq!(
                cache.get(&key("acc_hot", 1), &version(1)),
                Some(hot.clone()),
                "round {round}"
            );
        }
    }
}
