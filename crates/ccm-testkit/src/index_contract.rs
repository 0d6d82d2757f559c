//! The contract every [`ObjectIndex`] keeps: visibility (drafts, customer scope), filters, search,
//! sorting, keyset cursors stable under writes, statistics, upsert and remove. [`run_all`] runs every
//! check, each on a fresh index from the factory; the in-memory index and the DynamoDB-backed shared
//! index both pass it.

use std::sync::Arc;

use ccm_core::ports::{DateField, IndexEntry, IndexError, IndexQuery, ObjectIndex, SortField};
use ccm_core::{AnnouncementType, CustomerCode, Object, ObjectId, ObjectKind, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";

/// A stored object under construction, written in the JSON spellings the store holds.
pub struct Obj {
    pub json: Value,
    change: bool,
}

pub fn change(id: &str) -> Obj {
    Obj {
        json: json!({"object_type": "change", "changeId": id, "changeTitle": id, "status": "submitted",
                     "createdBy": ALICE, "customers": ["acme"], "modifiedAt": "2026-01-01T00:00:00Z"}),
        change: true,
    }
}

pub fn announcement(id: &str, kind: AnnouncementType) -> Obj {
    Obj {
        json: json!({"object_type": kind.object_type(), "announcement_id": id, "announcement_type": kind.as_str(),
                     "title": id, "status": "submitted", "created_by": ALICE, "customers": ["acme"],
                     "modifiedAt": "2026-01-01T00:00:00Z"}),
        change: false,
    }
}

impl Obj {
    pub fn set(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.json[field] = value.into();
        self
    }
    pub fn unset(mut self, field: &str) -> Self {
        self.json.as_object_mut().unwrap().remove(field);
        self
    }
    pub fn title(self, title: &str) -> Self {
        let field = if self.change { "changeTitle" } else { "title" };
        self.set(field, title)
    }
    pub fn status(self, status: Status) -> Self {
        self.set("status", status.as_str())
    }
    pub fn by(self, user: &str) -> Self {
        let field = if self.change { "createdBy" } else { "created_by" };
        self.set(field, user)
    }
    pub fn customers(self, codes: &[&str]) -> Self {
        self.set("customers", json!(codes))
    }
    pub fn modified(self, at: &str) -> Self {
        self.set("modifiedAt", at)
    }
    pub fn created(self, at: &str) -> Self {
        let field = if self.change { "createdAt" } else { "created_at" };
        self.set(field, at)
    }
    pub fn start(self, at: &str) -> Self {
        let field = if self.change { "implementationStart" } else { "meeting_date" };
        self.set(field, at)
    }
    pub fn plan(self, text: &str) -> Self {
        let field = if self.change { "implementationPlan" } else { "content" };
        self.set(field, text)
    }
    pub fn entry(self) -> IndexEntry {
        let object = Object::from_json(self.json.to_string().as_bytes()).expect("a valid object");
        IndexEntry::from_object(&object)
    }
}

fn at(raw: &str) -> DateTime<Utc> {
    raw.parse().unwrap()
}

fn code(raw: &str) -> CustomerCode {
    CustomerCode::parse(raw).unwrap()
}

fn oid(raw: &str) -> ObjectId {
    ObjectId::parse(raw).unwrap()
}

fn as_viewer(viewer: &str) -> IndexQuery {
    IndexQuery { viewer: viewer.to_owned(), descending: true, ..IndexQuery::default() }
}

/// A fresh, empty index.
pub trait Fresh: AsyncFn() -> Arc<dyn ObjectIndex> {}
impl<F: AsyncFn() -> Arc<dyn ObjectIndex>> Fresh for F {}

async fn index_of(fresh: &impl Fresh, objects: impl IntoIterator<Item = Obj>) -> Arc<dyn ObjectIndex> {
    let index = fresh().await;
    for o in objects {
        index.upsert(o.entry()).await.unwrap();
    }
    index
}

async fn ids(index: &Arc<dyn ObjectIndex>, query: &IndexQuery) -> Vec<String> {
    let page = index.query(query).await.unwrap();
    assert_eq!(page.total, page.items.len(), "these tests expect one page");
    page.items.iter().map(|e| e.id.as_str().to_owned()).collect()
}

/// Follows `next_cursor` to the end, calling `between` after every page.
async fn walk(index: &Arc<dyn ObjectIndex>, mut query: IndexQuery, mut between: impl AsyncFnMut(usize)) -> Vec<String> {
    let mut seen = Vec::new();
    for page_no in 0.. {
        let page = index.query(&query).await.unwrap();
        assert!(page.items.len() <= query.limit);
        seen.extend(page.items.iter().map(|e| e.id.as_str().to_owned()));
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
        between(page_no).await;
    }
    seen
}

pub async fn other_users_drafts_are_invisible_and_the_authors_own_are_listed(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").status(Status::Draft).by("Alice@Example.com"),
            change("CHG-2").status(Status::Draft).by(BOB),
            change("CHG-3").by(BOB),
        ],
    )
    .await;
    assert_eq!(ids(&index, &as_viewer(ALICE)).await, ["CHG-1", "CHG-3"]);
    assert_eq!(ids(&index, &as_viewer(BOB)).await, ["CHG-2", "CHG-3"]);
    assert_eq!(index.statistics(&as_viewer(ALICE)).await.unwrap().all.draft, 1);
}

pub async fn a_customer_scope_hides_objects_of_other_customers(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").customers(&["acme"]),
            change("CHG-2").customers(&["globex", "initech"]),
            change("CHG-3").customers(&["initech"]),
        ],
    )
    .await;
    let scoped = IndexQuery { scope: Some(vec![code("globex"), code("acme")]), ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &scoped).await, ["CHG-1", "CHG-2"]);
    assert_eq!(index.statistics(&scoped).await.unwrap().all.total, 2);
    let nothing = IndexQuery { scope: Some(vec![]), ..as_viewer(ALICE) };
    assert!(ids(&index, &nothing).await.is_empty());
}

pub async fn kinds_and_changes_only_select_object_types(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1"),
            announcement("CIC-1", AnnouncementType::Cic),
            announcement("FIN-1", AnnouncementType::Finops),
        ],
    )
    .await;
    let cic = ObjectKind::Announcement(AnnouncementType::Cic);
    let kinds = IndexQuery { kinds: vec![ObjectKind::Change, cic], ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &kinds).await, ["CHG-1", "CIC-1"]);
    let changes = IndexQuery { changes_only: Some(true), ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &changes).await, ["CHG-1"]);
    let announcements = IndexQuery { changes_only: Some(false), ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &announcements).await, ["CIC-1", "FIN-1"]);
}

pub async fn statuses_and_customers_match_any_of_their_values(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").status(Status::Approved).customers(&["acme"]),
            change("CHG-2").status(Status::Completed).customers(&["globex", "initech"]),
            change("CHG-3").status(Status::Cancelled).customers(&["initech"]),
        ],
    )
    .await;
    let statuses = IndexQuery { statuses: vec![Status::Approved, Status::Cancelled], ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &statuses).await, ["CHG-1", "CHG-3"]);
    let customers = IndexQuery { customers: vec![code("globex"), code("acme")], ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &customers).await, ["CHG-1", "CHG-2"]);
    let both = IndexQuery { statuses: vec![Status::Completed], ..customers };
    assert_eq!(ids(&index, &both).await, ["CHG-2"]);
}

pub async fn created_by_matches_a_case_insensitive_part_of_the_author(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [change("CHG-1").by("Alice.Smith@example.com"), change("CHG-2").by(BOB), change("CHG-3").unset("createdBy")],
    )
    .await;
    let query = IndexQuery { created_by: Some("SMITH@".into()), ..as_viewer(BOB) };
    assert_eq!(ids(&index, &query).await, ["CHG-1"]);
}

pub async fn mine_keeps_what_the_viewer_created_or_submitted(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").by(ALICE),
            change("CHG-2").by(BOB).set("submittedBy", "ALICE@example.com"),
            change("CHG-3").by(BOB),
        ],
    )
    .await;
    let query = IndexQuery { mine: true, ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &query).await, ["CHG-1", "CHG-2"]);
}

pub async fn date_bounds_are_inclusive_on_the_chosen_field_and_exclude_undated_objects(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").created("2026-01-01T00:00:00Z").start("2026-03-01T00:00:00Z"),
            change("CHG-2").created("2026-01-02T00:00:00Z").start("2026-03-02T00:00:00Z"),
            change("CHG-3").created("2026-01-03T00:00:00Z").start("2026-03-03T00:00:00Z"),
            change("CHG-4").created("2026-01-02T00:00:00Z"),
        ],
    )
    .await;
    let start = IndexQuery {
        date_field: DateField::Start,
        from: Some(at("2026-03-02T00:00:00Z")),
        to: Some(at("2026-03-03T00:00:00Z")),
        ..as_viewer(ALICE)
    };
    assert_eq!(ids(&index, &start).await, ["CHG-2", "CHG-3"]);
    let created =
        IndexQuery { date_field: DateField::Created, to: Some(at("2026-01-02T00:00:00Z")), ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &created).await, ["CHG-1", "CHG-2", "CHG-4"]);
    let modified = IndexQuery { from: Some(at("2026-01-01T00:00:01Z")), ..as_viewer(ALICE) };
    assert!(ids(&index, &modified).await.is_empty(), "every object was modified at midnight");
}

pub async fn a_search_needs_every_word_in_any_case(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").title("Rotate TLS certificates").plan("Restart the load balancer"),
            change("CHG-2").title("Rotate database passwords"),
            announcement("CIC-1", AnnouncementType::Cic).title("TLS everywhere"),
        ],
    )
    .await;
    let search = |q: &str| IndexQuery { q: Some(q.to_owned()), ..as_viewer(ALICE) };
    assert_eq!(ids(&index, &search("rotate")).await, ["CHG-1", "CHG-2"]);
    assert_eq!(ids(&index, &search("  tls   ROTATE ")).await, ["CHG-1"]);
    assert_eq!(ids(&index, &search("tls balancer")).await, ["CHG-1"], "plans are searched too");
    assert_eq!(ids(&index, &search("cic-1")).await, ["CIC-1"], "so are ids");
    assert!(ids(&index, &search("tls kubernetes")).await.is_empty());
    assert_eq!(ids(&index, &search(" ")).await.len(), 3, "blank text does not filter");
}

pub async fn a_search_word_inside_many_different_words_finds_every_entry_with_one(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        (0..40).map(|n| {
            let title = if n % 2 == 0 { format!("Patch host{n}") } else { format!("Patch router{n}") };
            change(&format!("CHG-{n:02}")).title(&title)
        }),
    )
    .await;
    let query = IndexQuery { q: Some("ost patch".into()), limit: 500, ..as_viewer(ALICE) };
    let found = ids(&index, &query).await;
    assert_eq!(found.len(), 20, "20 distinct words contain \"ost\": {found:?}");
    assert!(found.iter().all(|id| id[4..].parse::<u32>().unwrap() % 2 == 0));
}

pub async fn each_sort_field_orders_both_ways_with_missing_values_last(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1")
                .title("banana")
                .status(Status::Completed)
                .modified("2026-01-02T00:00:00Z")
                .created("2025-01-03T00:00:00Z")
                .start("2026-05-01T00:00:00Z"),
            change("CHG-2")
                .title("Apple")
                .status(Status::Submitted)
                .modified("2026-01-03T00:00:00Z")
                .created("2025-01-01T00:00:00Z"),
            change("CHG-3").title("cherry").status(Status::Approved).unset("modifiedAt").start("2026-04-01T00:00:00Z"),
            change("CHG-4")
                .title("apple")
                .status(Status::Submitted)
                .modified("2026-01-01T00:00:00Z")
                .created("2025-01-02T00:00:00Z")
                .start("2026-06-01T00:00:00Z"),
        ],
    )
    .await;
    let cases: [(SortField, [&str; 4], [&str; 4]); 5] = [
        (SortField::Modified, ["CHG-4", "CHG-1", "CHG-2", "CHG-3"], ["CHG-2", "CHG-1", "CHG-4", "CHG-3"]),
        (SortField::Created, ["CHG-2", "CHG-4", "CHG-1", "CHG-3"], ["CHG-1", "CHG-4", "CHG-2", "CHG-3"]),
        (SortField::Start, ["CHG-3", "CHG-1", "CHG-4", "CHG-2"], ["CHG-4", "CHG-1", "CHG-3", "CHG-2"]),
        // Titles compare case-insensitively; equal values fall back to the id, ascending either way.
        (SortField::Title, ["CHG-2", "CHG-4", "CHG-1", "CHG-3"], ["CHG-3", "CHG-1", "CHG-2", "CHG-4"]),
        (SortField::Status, ["CHG-2", "CHG-4", "CHG-3", "CHG-1"], ["CHG-1", "CHG-3", "CHG-2", "CHG-4"]),
    ];
    for (sort, ascending, descending) in cases {
        let query = IndexQuery { sort, descending: false, ..as_viewer(ALICE) };
        assert_eq!(ids(&index, &query).await, ascending, "{sort:?} ascending");
        let query = IndexQuery { sort, descending: true, ..as_viewer(ALICE) };
        assert_eq!(ids(&index, &query).await, descending, "{sort:?} descending");
    }
}

/// 23 changes with repeating titles and modification times, so that pages split runs of equal values.
async fn many(fresh: &impl Fresh) -> Arc<dyn ObjectIndex> {
    index_of(
        fresh,
        (0..23).map(|n| {
            change(&format!("CHG-{n:02}"))
                .title(["alpha", "beta", "gamma"][n % 3])
                .modified(&format!("2026-01-{:02}T00:00:00Z", 1 + n % 5))
                .status(Status::ALL[n % 5])
                .by(if n % 5 == 0 { ALICE } else { BOB })
        }),
    )
    .await
}

pub async fn cursor_pagination_visits_every_match_once_in_order_for_every_sort(fresh: &impl Fresh) {
    let index = many(fresh).await;
    for sort in [SortField::Modified, SortField::Created, SortField::Start, SortField::Title, SortField::Status] {
        for descending in [false, true] {
            let all = IndexQuery { sort, descending, limit: 500, ..as_viewer(ALICE) };
            let expected = ids(&index, &all).await;
            let paged = walk(&index, IndexQuery { limit: 4, ..all.clone() }, async |_| {}).await;
            assert_eq!(paged, expected, "{sort:?} descending={descending}");
        }
    }
}

pub async fn entries_inserted_between_pages_do_not_repeat_items(fresh: &impl Fresh) {
    for sort in [SortField::Modified, SortField::Title] {
        let index = many(fresh).await;
        let query = IndexQuery { sort, descending: true, limit: 5, ..as_viewer(ALICE) };
        let before = ids(&index, &IndexQuery { limit: 500, ..query.clone() }).await;
        let seen = walk(&index, query, async |page| {
            // One entry sorting before everything (already passed) and one after: neither shifts the pages.
            let first = change(&format!("CHG-new-{sort:?}-{page}a")).title("zzz").modified("2027-01-01T00:00:00Z");
            let last = change(&format!("CHG-new-{sort:?}-{page}b")).title("aaa").unset("modifiedAt");
            index.upsert(first.entry()).await.unwrap();
            index.upsert(last.entry()).await.unwrap();
        })
        .await;
        let old: Vec<&String> = seen.iter().filter(|id| !id.starts_with("CHG-new")).collect();
        assert_eq!(old.len(), before.len(), "{sort:?}: every original item once");
        assert!(old.iter().zip(&before).all(|(a, b)| *a == b), "{sort:?}: in order");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: no item twice");
    }
}

pub async fn a_cursor_that_does_not_decode_or_belongs_to_another_sort_is_refused(fresh: &impl Fresh) {
    let index = many(fresh).await;
    for bad in ["", "zz", "not a cursor", "7b7d"] {
        let query = IndexQuery { cursor: Some(bad.to_owned()), ..as_viewer(ALICE) };
        assert!(matches!(index.query(&query).await, Err(IndexError::BadCursor)), "{bad:?}");
    }
    let first = index.query(&IndexQuery { limit: 2, ..as_viewer(ALICE) }).await.unwrap();
    let cursor = first.next_cursor.expect("more than one page");
    assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe");
    let other_sort = IndexQuery { sort: SortField::Title, cursor: Some(cursor), ..as_viewer(ALICE) };
    assert!(matches!(index.query(&other_sort).await, Err(IndexError::BadCursor)));
}

pub async fn the_limit_defaults_to_50_and_is_capped_at_500(fresh: &impl Fresh) {
    let index = index_of(fresh, (0..600).map(|n| change(&format!("CHG-{n}")))).await;
    let page = index.query(&as_viewer(ALICE)).await.unwrap();
    assert_eq!((page.items.len(), page.total), (50, 600));
    let page = index.query(&IndexQuery { limit: 10_000, ..as_viewer(ALICE) }).await.unwrap();
    assert_eq!(page.items.len(), 500);
    assert!(page.next_cursor.is_some());
}

pub async fn statistics_count_all_mine_changes_and_announcements(fresh: &impl Fresh) {
    let index = index_of(
        fresh,
        [
            change("CHG-1").status(Status::Submitted).by(ALICE),
            change("CHG-2").status(Status::Approved).by(BOB),
            change("CHG-3").status(Status::Draft).by(BOB),
            change("CHG-4").status(Status::Draft).by(ALICE),
            announcement("GEN-1", AnnouncementType::General).status(Status::Completed).by(BOB),
            announcement("INN-1", AnnouncementType::Innersource).status(Status::Approved).by(ALICE),
        ],
    )
    .await;
    let stats = index.statistics(&IndexQuery { limit: 1, ..as_viewer(ALICE) }).await.unwrap();
    assert_eq!((stats.all.total, stats.all.draft, stats.all.active), (5, 1, 3));
    assert_eq!((stats.mine.total, stats.mine.submitted, stats.mine.approved), (3, 1, 1));
    assert_eq!((stats.changes.total, stats.changes.draft), (3, 1));
    assert_eq!((stats.announcements.total, stats.announcements.completed), (2, 1));
    let filtered =
        index.statistics(&IndexQuery { statuses: vec![Status::Approved], ..as_viewer(ALICE) }).await.unwrap();
    assert_eq!((filtered.all.total, filtered.changes.total, filtered.announcements.total), (2, 1, 1));
}

pub async fn upsert_replaces_the_entry_with_the_same_id(fresh: &impl Fresh) {
    let index = index_of(fresh, [change("CHG-1").modified("2026-01-02T00:00:00Z"), change("CHG-2")]).await;
    let newer = change("CHG-2").title("Renamed").status(Status::Approved).modified("2026-02-01T00:00:00Z");
    index.upsert(newer.entry()).await.unwrap();
    assert_eq!(index.query(&as_viewer(ALICE)).await.unwrap().total, 2);
    assert_eq!(ids(&index, &as_viewer(ALICE)).await, ["CHG-2", "CHG-1"], "it moved to the front");
    let got = index.get(&oid("CHG-2")).await.unwrap().expect("present");
    assert_eq!((got.title.as_str(), got.status), ("Renamed", Status::Approved));
}

pub async fn remove_takes_the_entry_out_of_lists_and_lookups(fresh: &impl Fresh) {
    let index = index_of(fresh, [change("CHG-1"), change("CHG-2")]).await;
    index.remove(&oid("CHG-1")).await.unwrap();
    index.remove(&oid("CHG-404")).await.unwrap();
    assert_eq!(index.query(&as_viewer(ALICE)).await.unwrap().total, 1);
    assert!(index.get(&oid("CHG-1")).await.unwrap().is_none());
    assert_eq!(ids(&index, &as_viewer(ALICE)).await, ["CHG-2"]);
}

/// Every check of the contract, each on a fresh index.
pub async fn run_all(fresh: impl Fresh) {
    other_users_drafts_are_invisible_and_the_authors_own_are_listed(&fresh).await;
    a_customer_scope_hides_objects_of_other_customers(&fresh).await;
    kinds_and_changes_only_select_object_types(&fresh).await;
    statuses_and_customers_match_any_of_their_values(&fresh).await;
    created_by_matches_a_case_insensitive_part_of_the_author(&fresh).await;
    mine_keeps_what_the_viewer_created_or_submitted(&fresh).await;
    date_bounds_are_inclusive_on_the_chosen_field_and_exclude_undated_objects(&fresh).await;
    a_search_needs_every_word_in_any_case(&fresh).await;
    a_search_word_inside_many_different_words_finds_every_entry_with_one(&fresh).await;
    each_sort_field_orders_both_ways_with_missing_values_last(&fresh).await;
    cursor_pagination_visits_every_match_once_in_order_for_every_sort(&fresh).await;
    entries_inserted_between_pages_do_not_repeat_items(&fresh).await;
    a_cursor_that_does_not_decode_or_belongs_to_another_sort_is_refused(&fresh).await;
    the_limit_defaults_to_50_and_is_capped_at_500(&fresh).await;
    statistics_count_all_mine_changes_and_announcements(&fresh).await;
    upsert_replaces_the_entry_with_the_same_id(&fresh).await;
    remove_takes_the_entry_out_of_lists_and_lookups(&fresh).await;
    // The calendar's range query (`ObjectIndex::overlapping`).
    crate::index_range_contract::run_all(&*fresh().await).await;
}
