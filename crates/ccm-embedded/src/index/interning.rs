//! Interning for the memory index: customers as bit masks, users and words as small integer ids,
//! and the word sets a text search compares entries with.

use super::*;

/// Customers as interned ids: the first 128 in a bit mask, any further ones in a list.
#[derive(Default)]
pub(super) struct CustomerSet {
    pub(super) mask: u128,
    pub(super) more: Box<[u32]>,
}

impl CustomerSet {
    pub(super) fn of(ids: impl IntoIterator<Item = u32>) -> Self {
        let (mut mask, mut more) = (0u128, Vec::new());
        for id in ids {
            match 1u128.checked_shl(id) {
                Some(bit) => mask |= bit,
                None => more.push(id),
            }
        }
        Self { mask, more: more.into() }
    }

    pub(super) fn intersects(&self, other: &Self) -> bool {
        self.mask & other.mask != 0 || self.more.iter().any(|id| other.more.contains(id))
    }
}

/// Small numbers for strings, so that filters compare integers instead of following pointers.
pub(super) struct Interner<K> {
    pub(super) ids: HashMap<K, u32>,
    pub(super) names: Vec<K>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Self { ids: HashMap::new(), names: Vec::new() }
    }
}

impl<K: Hash + Eq + Clone> Interner<K> {
    pub(super) fn intern<Q: Hash + Eq + ?Sized>(&mut self, key: &Q, own: impl FnOnce(&Q) -> K) -> u32
    where
        K: Borrow<Q>,
    {
        if let Some(id) = self.ids.get(key) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let key = own(key);
        self.names.push(key.clone());
        self.ids.insert(key, id);
        id
    }

    pub(super) fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
    {
        self.ids.get(key).copied()
    }
}

/// The distinct words of every entry's search text, one per line, so that finding the words that
/// contain a part of a word is one substring scan instead of one search per word.
#[derive(Default)]
pub(super) struct Dictionary {
    pub(super) ids: HashMap<Box<str>, u32>,
    pub(super) lines: String,
    /// Where each word starts in `lines`, by id.
    pub(super) starts: Vec<usize>,
}

impl Dictionary {
    pub(super) fn intern(&mut self, word: &str) -> u32 {
        if let Some(id) = self.ids.get(word) {
            return *id;
        }
        let id = u32::try_from(self.starts.len()).unwrap_or(u32::MAX);
        self.starts.push(self.lines.len());
        self.lines.push_str(word);
        self.lines.push('\n');
        self.ids.insert(word.into(), id);
        id
    }

    pub(super) fn len(&self) -> usize {
        self.starts.len()
    }

    /// The word of `id` (empty for an id never given).
    pub(super) fn word(&self, id: u32) -> &str {
        let Some(&start) = self.starts.get(id as usize) else { return "" };
        let end = self.lines[start..].find('\n').map_or(self.lines.len(), |n| start + n);
        &self.lines[start..end]
    }

    /// The words that contain `part` (which has no whitespace).
    pub(super) fn containing(&self, part: &str) -> WordSet {
        let mut ids: Vec<u32> = Vec::new();
        // A match cannot span a line break, so each lies inside the word whose line it starts on.
        for (at, _) in self.lines.match_indices(part) {
            let id = (self.starts.partition_point(|start| *start <= at) - 1) as u32;
            if ids.last() != Some(&id) {
                ids.push(id);
            }
        }
        if ids.len() <= FEW_WORDS {
            return WordSet::Few(ids);
        }
        let mut hits = vec![false; self.starts.len()];
        for id in ids {
            hits[id as usize] = true;
        }
        WordSet::Many(hits)
    }
}

/// Up to this many matching dictionary words, an entry is checked by binary searches in its sorted
/// word ids; beyond, by one table lookup per word of the entry.
pub(super) const FEW_WORDS: usize = 16;

pub(super) enum WordSet {
    Few(Vec<u32>),
    Many(Vec<bool>),
}

impl WordSet {
    pub(super) fn meets(&self, sorted_ids: &[u32]) -> bool {
        match self {
            Self::Few(ids) => ids.iter().any(|id| sorted_ids.binary_search(id).is_ok()),
            Self::Many(hits) => sorted_ids.iter().any(|id| hits[*id as usize]),
        }
    }
}
