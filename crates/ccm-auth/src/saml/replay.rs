//! Single use of each assertion id. The in-memory cache protects one process (one Lambda
//! instance, or `ccm serve`); a response replayed to another warm instance within the assertion's
//! few minutes of validity is not caught (documented in docs/auth.md). A shared cache would
//! implement the same trait with a create-only write.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

pub trait ReplayCache: Send + Sync {
    /// Records `id` until `expires`; `false` if it was already recorded (a replay).
    fn first_use(&self, id: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool;
}

/// Remembers assertion ids in memory until they expire.
#[derive(Debug)]
pub struct InMemoryReplayCache {
    seen: Mutex<HashMap<String, DateTime<Utc>>>,
    capacity: usize,
}

impl Default for InMemoryReplayCache {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl InMemoryReplayCache {
    /// Only verified assertions are recorded, so the size is bounded by real sign-ins; beyond
    /// `capacity` unexpired entries, new sign-ins are refused rather than forgetting ids.
    pub fn with_capacity(capacity: usize) -> Self {
        Self { seen: Mutex::new(HashMap::new()), capacity }
    }

    pub fn len(&self) -> usize {
        self.seen.lock().map(|m| m.len()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayCache for InMemoryReplayCache {
    fn first_use(&self, id: &str, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        // A poisoned lock means another request panicked mid-update: refuse (fail closed).
        let Ok(mut seen) = self.seen.lock() else { return false };
        if seen.len() >= self.capacity {
            seen.retain(|_, until| *until > now);
        }
        if seen.get(id).is_some_and(|until| *until > now) {
            return false;
        }
        if seen.len() >= self.capacity {
            return false;
        }
        seen.insert(id.to_owned(), expires);
        true
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn an_id_is_accepted_once_until_it_expires() {
        let cache = InMemoryReplayCache::default();
        let now = Utc::now();
        assert!(cache.first_use("_a", now + Duration::minutes(5), now));
        assert!(!cache.first_use("_a", now + Duration::minutes(5), now + Duration::minutes(1)));
        assert!(cache.first_use("_b", now + Duration::minutes(5), now));
    }

    #[test]
    fn expired_entries_make_room_and_a_full_cache_refuses() {
        let cache = InMemoryReplayCache::with_capacity(2);
        let now = Utc::now();
        assert!(cache.first_use("_a", now + Duration::minutes(1), now));
        assert!(cache.first_use("_b", now + Duration::minutes(10), now));
        assert!(!cache.first_use("_c", now + Duration::minutes(10), now), "full");
        assert!(cache.first_use("_c", now + Duration::minutes(10), now + Duration::minutes(2)), "_a expired");
        assert_eq!(cache.len(), 2);
    }
}
