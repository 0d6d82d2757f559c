//! A query against the memory index: its filters translated into interned ids, the sort order,
//! and the keyset cursor that cuts pages.

use super::*;

/// A query's visibility rules and filters, translated once into the ids and flags slots carry.
pub(super) struct Filter<'q> {
    pub(super) query: &'q IndexQuery,
    pub(super) viewer: Option<u32>,
    pub(super) scope: Option<CustomerSet>,
    pub(super) customers: Option<CustomerSet>,
    /// For `created_by`: which users' names contain the text.
    pub(super) authors: Option<Vec<bool>>,
    /// For each word of `q`: which dictionary words contain it. A word of `q` has no whitespace, so it
    /// occurs in the text exactly when it occurs inside one of the text's whitespace-separated words.
    pub(super) words: Vec<WordSet>,
}

impl<'q> Filter<'q> {
    pub(super) fn new(query: &'q IndexQuery, entries: &Entries) -> Self {
        let customers = |codes: &[CustomerCode]| CustomerSet::of(codes.iter().filter_map(|c| entries.customers.get(c)));
        let authors = query.created_by.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|needle| {
            let needle = needle.to_lowercase();
            entries.users.names.iter().map(|u| u.to_lowercase().contains(&needle)).collect()
        });
        let words = query.q.as_deref().unwrap_or_default().split_whitespace().map(str::to_lowercase);
        let words = words.map(|w| entries.words.containing(&w)).collect();
        Self {
            query,
            viewer: entries.users.get(query.viewer.to_ascii_lowercase().as_str()),
            scope: query.scope.as_deref().map(customers),
            // Only the wanted customers within the viewer's scope count: filtering a shared object by
            // another customer must not reveal that the object is shared with them.
            customers: (!query.customers.is_empty()).then(|| {
                let in_scope = |c: &&CustomerCode| query.scope.as_ref().is_none_or(|scope| scope.contains(c));
                let wanted: Vec<CustomerCode> = query.customers.iter().filter(in_scope).cloned().collect();
                customers(&wanted)
            }),
            authors,
            words,
        }
    }

    /// Created or submitted by the viewer, as `IndexEntry::is_mine`.
    pub(super) fn is_mine(&self, slot: &Slot) -> bool {
        self.viewer.is_some() && (slot.created_by == self.viewer || slot.submitted_by == self.viewer)
    }

    pub(super) fn matches(&self, slot: &Slot) -> bool {
        let q = self.query;
        let own_draft = slot.draft && self.viewer.is_some() && slot.created_by == self.viewer;
        // A draft is its author's alone, whatever customers it has (or has not yet) chosen.
        let visible = if slot.draft {
            own_draft
        } else {
            self.scope.as_ref().is_none_or(|scope| slot.customers.intersects(scope))
        };
        if !visible
            || (!q.kinds.is_empty() && !q.kinds.contains(&slot.kind))
            || q.changes_only.is_some_and(|changes| slot.kind.is_change() != changes)
            || (!q.statuses.is_empty() && !q.statuses.contains(&slot.status))
            || self.customers.as_ref().is_some_and(|wanted| !slot.customers.intersects(wanted))
            || (q.mine && !self.is_mine(slot))
        {
            return false;
        }
        if let Some(authors) = &self.authors
            && !slot.created_by.is_some_and(|u| authors[u as usize])
        {
            return false;
        }
        if q.from.is_some() || q.to.is_some() {
            let date = match q.date_field {
                DateField::Modified => slot.modified,
                DateField::Created => slot.created,
                DateField::Start => slot.start,
            };
            let Some(date) = date else { return false };
            if q.from.is_some_and(|from| date < from) || q.to.is_some_and(|to| date > to) {
                return false;
            }
        }
        self.words.iter().all(|set| set.meets(&slot.words))
    }
}

/// A total order over entries: the sort value (missing values last in either direction), then the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Order {
    pub(super) field: SortField,
    pub(super) descending: bool,
}

/// The value an entry is sorted by, borrowed from the entry or from a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum SortKey<'a> {
    Time(Option<DateTime<Utc>>),
    Text(&'a str),
    Status(Status),
}

impl Order {
    pub(super) fn is_stored_order(self) -> bool {
        self.field == SortField::Modified && self.descending
    }

    pub(super) fn key(self, slot: &Slot) -> SortKey<'_> {
        match self.field {
            SortField::Modified => SortKey::Time(slot.modified),
            SortField::Created => SortKey::Time(slot.created),
            SortField::Start => SortKey::Time(slot.start),
            SortField::Title => SortKey::Text(&slot.title_lower),
            SortField::Status => SortKey::Status(slot.status),
        }
    }

    pub(super) fn compare_values(self, a: SortKey<'_>, b: SortKey<'_>) -> Ordering {
        match (a, b) {
            (SortKey::Time(Some(_)), SortKey::Time(None)) => Ordering::Less,
            (SortKey::Time(None), SortKey::Time(Some(_))) => Ordering::Greater,
            _ if self.descending => b.cmp(&a),
            _ => a.cmp(&b),
        }
    }

    // Ids are compared only on ties: reading them means following the pointer to the full entry.
    pub(super) fn compare(self, a: &Slot, b: &Slot) -> Ordering {
        self.compare_values(self.key(a), self.key(b)).then_with(|| a.entry.id.as_str().cmp(b.entry.id.as_str()))
    }

    pub(super) fn compare_to_cursor(self, slot: &Slot, cursor: &Cursor) -> Ordering {
        self.compare_values(self.key(slot), cursor.key()).then_with(|| slot.entry.id.as_str().cmp(&cursor.id))
    }
}

/// Where the previous page ended. It names its sort so that it is refused under another one.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Cursor {
    #[serde(rename = "s")]
    pub(super) sort: SortField,
    #[serde(rename = "d")]
    pub(super) descending: bool,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub(super) time: Option<DateTime<Utc>>,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    pub(super) text: Option<String>,
    #[serde(rename = "st", default, skip_serializing_if = "Option::is_none")]
    pub(super) status: Option<Status>,
    pub(super) id: String,
}

impl Cursor {
    pub(super) fn of(slot: &Slot, order: Order) -> Self {
        let mut cursor = Self {
            sort: order.field,
            descending: order.descending,
            time: None,
            text: None,
            status: None,
            id: slot.entry.id.as_str().to_owned(),
        };
        match order.key(slot) {
            SortKey::Time(t) => cursor.time = t,
            SortKey::Text(t) => cursor.text = Some(t.to_owned()),
            SortKey::Status(s) => cursor.status = Some(s),
        }
        cursor
    }

    pub(super) fn key(&self) -> SortKey<'_> {
        match self.sort {
            SortField::Title => SortKey::Text(self.text.as_deref().unwrap_or_default()),
            SortField::Status => SortKey::Status(self.status.unwrap_or(Status::Draft)),
            _ => SortKey::Time(self.time),
        }
    }

    /// Hex of compact JSON: URL-safe without escaping, and opaque enough to discourage building one.
    pub(super) fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(super) fn decode(raw: &str, order: Order) -> Result<Self, IndexError> {
        let bytes = hex::decode(raw).map_err(|_| IndexError::BadCursor)?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| IndexError::BadCursor)?;
        let complete = match cursor.sort {
            SortField::Title => cursor.text.is_some(),
            SortField::Status => cursor.status.is_some(),
            _ => true,
        };
        if !complete || cursor.sort != order.field || cursor.descending != order.descending {
            return Err(IndexError::BadCursor);
        }
        Ok(cursor)
    }
}
