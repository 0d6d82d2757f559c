//! The contract of the calendar's range query, [`ObjectIndex::overlapping`]: which entries meet a
//! time range, under which visibility rules, in which order. Every index adapter runs it (the
//! embedded index, the port's default implementation, and the DynamoDB index on the emulator).
//!
//! Each check writes entries with ids of its own under a far-future year of its own, so the checks
//! neither see each other's entries nor depend on what the index already holds. [`run_all`] runs
//! them in sequence.

use ccm_core::ports::{IndexEntry, IndexQuery, ObjectIndex};
use ccm_core::{CustomerCode, Object, Status};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// Runs every check of the contract, one after the other.
pub async fn run_all(index: &dyn ObjectIndex) {
    windows_meeting_the_range_are_found_and_touching_ones_are_not(index).await;
    a_long_window_that_started_before_the_range_is_found(index).await;
    a_change_meeting_in_the_range_finds_its_change(index).await;
    visibility_scope_and_filters_apply_to_the_range(index).await;
    results_are_ordered_by_start_then_id_and_cut_at_the_limit(index).await;
    a_moved_or_removed_entry_is_found_where_it_is_now(index).await;
}

fn at(year: u32, rest: &str) -> DateTime<Utc> {
    format!("{year}-{rest}").parse().unwrap_or_else(|e| panic!("bad instant {year}-{rest}: {e}"))
}

/// A submitted change of acme by alice with a window in `year`.
fn change(id: &str, year: u32, start: &str, end: &str) -> Value {
    json!({"object_type": "change", "changeId": id, "changeTitle": id, "status": "submitted", "createdBy": ALICE,
           "customers": ["acme"], "implementationStart": format!("{year}-{start}"), "implementationEnd": format!("{year}-{end}")})
}

fn entry(json: Value) -> IndexEntry {
    IndexEntry::from_object(&Object::from_json(json.to_string().as_bytes()).expect("a valid object"))
}

async fn put(index: &dyn ObjectIndex, json: Value) {
    index.upsert(entry(json)).await.expect("upsert");
}

fn viewer(user: &str) -> IndexQuery {
    IndexQuery { viewer: user.to_owned(), limit: 100, ..IndexQuery::default() }
}

async fn ids(index: &dyn ObjectIndex, query: &IndexQuery, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let page = index.overlapping(query, from, to).await.expect("overlapping");
    page.items.into_iter().map(|e| e.id.as_str().to_owned()).collect()
}

pub async fn windows_meeting_the_range_are_found_and_touching_ones_are_not(index: &dyn ObjectIndex) {
    let y = 2101;
    put(index, change("CHG-r1-inside", y, "03-10T10:00:00Z", "03-10T11:00:00Z")).await;
    put(index, change("CHG-r1-across-start", y, "03-10T08:00:00Z", "03-10T09:30:00Z")).await;
    put(index, change("CHG-r1-across-end", y, "03-10T11:30:00Z", "03-10T13:00:00Z")).await;
    put(index, change("CHG-r1-ends-at-from", y, "03-10T08:00:00Z", "03-10T09:00:00Z")).await;
    put(index, change("CHG-r1-starts-at-to", y, "03-10T12:00:00Z", "03-10T13:00:00Z")).await;
    put(index, change("CHG-r1-other-day", y, "03-11T10:00:00Z", "03-11T11:00:00Z")).await;
    let got = ids(index, &viewer(ALICE), at(y, "03-10T09:00:00Z"), at(y, "03-10T12:00:00Z")).await;
    assert_eq!(
        got,
        ["CHG-r1-across-start", "CHG-r1-inside", "CHG-r1-across-end"],
        "windows_meeting_the_range_are_found_and_touching_ones_are_not"
    );
}

pub async fn a_long_window_that_started_before_the_range_is_found(index: &dyn ObjectIndex) {
    let y = 2102;
    put(index, change("CHG-r2-long", y, "05-01T00:00:00Z", "05-20T00:00:00Z")).await;
    put(index, change("CHG-r2-short", y, "05-01T00:00:00Z", "05-01T01:00:00Z")).await;
    let got = ids(index, &viewer(ALICE), at(y, "05-10T00:00:00Z"), at(y, "05-11T00:00:00Z")).await;
    assert_eq!(got, ["CHG-r2-long"], "a_long_window_that_started_before_the_range_is_found");
}

pub async fn a_change_meeting_in_the_range_finds_its_change(index: &dyn ObjectIndex) {
    let y = 2103;
    let mut c = change("CHG-r3-meeting", y, "07-10T10:00:00Z", "07-10T11:00:00Z");
    c["include_meeting"] = json!(true);
    c["meetingDate"] = json!(format!("{y}-07-03T15:00:00Z"));
    c["meetingDuration"] = json!("30");
    put(index, c).await;
    let got = ids(index, &viewer(ALICE), at(y, "07-03T00:00:00Z"), at(y, "07-04T00:00:00Z")).await;
    assert_eq!(got, ["CHG-r3-meeting"], "a_change_meeting_in_the_range_finds_its_change (meeting)");
    let got = ids(index, &viewer(ALICE), at(y, "07-10T00:00:00Z"), at(y, "07-11T00:00:00Z")).await;
    assert_eq!(got, ["CHG-r3-meeting"], "a_change_meeting_in_the_range_finds_its_change (window)");
    let both = index
        .overlapping(&viewer(ALICE), at(y, "07-01T00:00:00Z"), at(y, "08-01T00:00:00Z"))
        .await
        .expect("overlapping");
    assert_eq!(both.total, 1, "an entry with two periods in the range is listed once");
}

pub async fn visibility_scope_and_filters_apply_to_the_range(index: &dyn ObjectIndex) {
    let y = 2104;
    let mut draft = change("CHG-r4-alices-draft", y, "02-02T10:00:00Z", "02-02T11:00:00Z");
    draft["status"] = json!("draft");
    put(index, draft).await;
    let mut globex = change("CHG-r4-globex", y, "02-02T10:00:00Z", "02-02T11:00:00Z");
    globex["customers"] = json!(["globex"]);
    put(index, globex).await;
    let mut approved = change("CHG-r4-approved", y, "02-02T10:00:00Z", "02-02T11:00:00Z");
    approved["status"] = json!("approved");
    put(index, approved).await;
    let (from, to) = (at(y, "02-02T00:00:00Z"), at(y, "02-03T00:00:00Z"));
    assert_eq!(
        ids(index, &viewer(ALICE), from, to).await,
        ["CHG-r4-alices-draft", "CHG-r4-approved", "CHG-r4-globex"],
        "visibility: the author sees her draft"
    );
    assert_eq!(
        ids(index, &viewer(BOB), from, to).await,
        ["CHG-r4-approved", "CHG-r4-globex"],
        "visibility: another user does not see the draft"
    );
    let scoped = IndexQuery { scope: Some(vec![CustomerCode::parse("globex").expect("code")]), ..viewer(BOB) };
    assert_eq!(ids(index, &scoped, from, to).await, ["CHG-r4-globex"], "scope");
    let statuses = IndexQuery { statuses: vec![Status::Approved], ..viewer(BOB) };
    assert_eq!(ids(index, &statuses, from, to).await, ["CHG-r4-approved"], "statuses");
    let customers = IndexQuery { customers: vec![CustomerCode::parse("acme").expect("code")], ..viewer(BOB) };
    assert_eq!(ids(index, &customers, from, to).await, ["CHG-r4-approved"], "customers");
    let dated =
        IndexQuery { from: Some(at(1999, "01-01T00:00:00Z")), to: Some(at(1999, "01-02T00:00:00Z")), ..viewer(BOB) };
    assert_eq!(ids(index, &dated, from, to).await.len(), 2, "the query's own dates are ignored");
}

pub async fn results_are_ordered_by_start_then_id_and_cut_at_the_limit(index: &dyn ObjectIndex) {
    let y = 2105;
    for (id, start) in
        [("CHG-r5-c", "09-01T12:00:00Z"), ("CHG-r5-b", "09-01T10:00:00Z"), ("CHG-r5-a", "09-01T10:00:00Z")]
    {
        put(index, change(id, y, start, "09-01T13:00:00Z")).await;
    }
    let (from, to) = (at(y, "09-01T00:00:00Z"), at(y, "09-02T00:00:00Z"));
    assert_eq!(ids(index, &viewer(ALICE), from, to).await, ["CHG-r5-a", "CHG-r5-b", "CHG-r5-c"], "order");
    let page = index.overlapping(&IndexQuery { limit: 2, ..viewer(ALICE) }, from, to).await.expect("overlapping");
    let got: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!((got, page.total, page.next_cursor), (vec!["CHG-r5-a", "CHG-r5-b"], 3, None), "limit");
}

pub async fn a_moved_or_removed_entry_is_found_where_it_is_now(index: &dyn ObjectIndex) {
    let y = 2106;
    put(index, change("CHG-r6-moving", y, "04-01T10:00:00Z", "04-01T11:00:00Z")).await;
    put(index, change("CHG-r6-moving", y, "04-08T10:00:00Z", "04-08T11:00:00Z")).await;
    let first_week = (at(y, "04-01T00:00:00Z"), at(y, "04-02T00:00:00Z"));
    let second_week = (at(y, "04-08T00:00:00Z"), at(y, "04-09T00:00:00Z"));
    assert!(ids(index, &viewer(ALICE), first_week.0, first_week.1).await.is_empty(), "not where it was");
    assert_eq!(ids(index, &viewer(ALICE), second_week.0, second_week.1).await, ["CHG-r6-moving"], "where it is");
    let id = ccm_core::ObjectId::parse("CHG-r6-moving").expect("id");
    index.remove(&id).await.expect("remove");
    assert!(ids(index, &viewer(ALICE), second_week.0, second_week.1).await.is_empty(), "removed");
}
