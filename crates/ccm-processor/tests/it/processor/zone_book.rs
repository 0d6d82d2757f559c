//! The customer's zone book (`contacts/{customer}/zones.json`): a reader without a directory zone
//! reads the window in the book's zone; the directory's zone wins; a bad book or entry is skipped;
//! one GET of the book per fan-out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::ports::{DeliveryKey, Document, DocumentStore, ETag, ListPage, ObjectMeta, PutOptions, StoreError};
use ccm_core::zone_book::{self, ZoneBook};
use ccm_core::{EmailAddress, StorageKey};
use ccm_processor::Outcome;
use ccm_testkit::hooked_store::{HookedStore, Op};
use ccm_testkit::memory_store::MemoryStore;
use serde_json::json;

use crate::support::*;

const BERLIN_LINE: &str = "June 10, 2026 at 4:00 PM CEST – June 10, 2026 at 6:00 PM CEST (Europe/Berlin)";
const TOKYO_LINE: &str = "June 10, 2026 at 11:00 PM JST";
const PLAIN_LINE: &str = "Implementation window: June 10, 2026 at 10:00 AM EDT – June 10, 2026 at 12:00 PM EDT\n";

fn address(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

async fn write_book(store: &dyn DocumentStore, body: Vec<u8>) {
    store.put(&StorageKey::ZoneBook(code("acme")), Bytes::from(body), PutOptions::default()).await.unwrap();
}

fn book(entries: &[(&str, chrono_tz::Tz)]) -> Vec<u8> {
    let mut book = ZoneBook::default();
    for (who, zone) in entries {
        book.set(&address(who), Some(*zone));
    }
    book.to_json()
}

fn text_to(rig: &Rig, to: &str) -> String {
    rig.mailer.sent().into_iter().find(|m| m.email.to.as_str() == to).unwrap().email.text
}

#[tokio::test]
async fn a_reader_without_a_directory_zone_reads_the_window_in_the_zone_the_book_gives_them() {
    let rig = Rig::new().await;
    rig.contacts.add("acme", "berlin@acme.example.com", &["aws-announce"]);
    rig.contacts.add("acme", "plain@acme.example.com", &["aws-announce"]);
    write_book(&*rig.store, book(&[("Berlin@Acme.example.com", chrono_tz::Europe::Berlin)])).await;
    let o = change("CHG-ZB1", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 2);
    assert!(text_to(&rig, "berlin@acme.example.com").contains(BERLIN_LINE));
    assert!(text_to(&rig, "plain@acme.example.com").contains(PLAIN_LINE), "no entry: the object's zone");
}

#[tokio::test]
async fn the_zone_the_directory_carries_wins_over_the_books() {
    let rig = Rig::new().await;
    rig.contacts.add_in_zone("acme", "tokyo@acme.example.com", &["aws-announce"], Some(chrono_tz::Asia::Tokyo));
    write_book(&*rig.store, book(&[("tokyo@acme.example.com", chrono_tz::Europe::Berlin)])).await;
    let o = change("CHG-ZB2", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    let text = text_to(&rig, "tokyo@acme.example.com");
    assert!(text.contains(TOKYO_LINE) && !text.contains("Europe/Berlin"), "{text}");
}

#[tokio::test]
async fn a_book_that_does_not_parse_is_skipped_and_logged_and_every_reader_still_gets_their_mail() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 3);
    write_book(&*rig.store, b"{not a book".to_vec()).await;
    let o = change("CHG-ZB3", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let (_capture, logs) = ccm_testkit::logs::capture();
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 3);
    assert!(rig.mailer.sent().iter().all(|m| m.email.text.contains(PLAIN_LINE)));
    assert!(logs.text().contains("the zone book is not usable"), "{}", logs.text());
}

#[tokio::test]
async fn a_book_entry_with_an_invalid_zone_is_skipped_and_the_others_are_used() {
    let rig = Rig::new().await;
    rig.contacts.add("acme", "berlin@acme.example.com", &["aws-announce"]);
    rig.contacts.add("acme", "mars@acme.example.com", &["aws-announce"]);
    let body = json!({"format": 1, "zones": {
        DeliveryKey::recipient_hash(&address("berlin@acme.example.com")): "Europe/Berlin",
        DeliveryKey::recipient_hash(&address("mars@acme.example.com")): "Mars/Olympus",
    }});
    write_book(&*rig.store, serde_json::to_vec(&body).unwrap()).await;
    let o = change("CHG-ZB4", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let (_capture, logs) = ccm_testkit::logs::capture();
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 2);
    assert!(text_to(&rig, "berlin@acme.example.com").contains(BERLIN_LINE));
    assert!(text_to(&rig, "mars@acme.example.com").contains(PLAIN_LINE));
    assert!(logs.text().contains("skipped=1"), "{}", logs.text());
}

#[tokio::test]
async fn a_fan_out_reads_the_book_exactly_once_however_many_readers_it_has() {
    let mut rig = Rig::new().await;
    for i in 0..25 {
        rig.contacts.add("acme", &format!("user{i}@acme.example.com"), &["aws-announce"]);
    }
    let book_gets = Arc::new(AtomicUsize::new(0));
    let counted = book_gets.clone();
    let book_key = StorageKey::ZoneBook(code("acme")).to_string();
    rig.processor.store = Arc::new(HookedStore::new(rig.store.clone(), move |op, key| {
        if op == Op::Get && key == book_key {
            counted.fetch_add(1, Ordering::SeqCst);
        }
        Box::pin(async {})
    }));
    write_book(&*rig.store, book(&[("user7@acme.example.com", chrono_tz::Europe::Berlin)])).await;
    let o = change("CHG-ZB5", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 25);
    assert_eq!(book_gets.load(Ordering::SeqCst), 1, "one GET of the book per fan-out");
    assert!(text_to(&rig, "user7@acme.example.com").contains(BERLIN_LINE));
}

/// A store where another writer updates the book between each writer's read and its first write.
struct RacingStore {
    inner: MemoryStore,
    raced: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl DocumentStore for RacingStore {
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError> {
        self.inner.get(key).await
    }
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError> {
        self.inner.head(key).await
    }
    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError> {
        if matches!(key, StorageKey::ZoneBook(_)) && !self.raced.swap(true, Ordering::SeqCst) {
            let other = address("other@acme.example.com");
            zone_book::update(&self.inner, &code("acme"), |b| b.set(&other, Some(chrono_tz::Asia::Tokyo)))
                .await
                .unwrap();
        }
        self.inner.put(key, body, options).await
    }
    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError> {
        self.inner.delete_if_match(key, etag).await
    }
    async fn list(&self, prefix: &str, continuation: Option<&str>, limit: usize) -> Result<ListPage, StoreError> {
        self.inner.list(prefix, continuation, limit).await
    }
}

#[tokio::test]
async fn a_writer_that_loses_the_race_for_the_book_reads_it_again_and_both_entries_stay() {
    for existing in [false, true] {
        let store = RacingStore { inner: MemoryStore::new(), raced: Default::default() };
        let acme = code("acme");
        if existing {
            let first = address("first@acme.example.com");
            zone_book::update(&store.inner, &acme, |b| b.set(&first, Some(chrono_tz::Europe::London))).await.unwrap();
        }
        let jane = address("jane@acme.example.com");
        let outcome = zone_book::update(&store, &acme, |b| b.set(&jane, Some(chrono_tz::Europe::Berlin))).await;
        assert_eq!(outcome.unwrap(), zone_book::Updated::Written);
        let (parsed, _) = zone_book::load(&store, &acme).await.unwrap().unwrap();
        let book = parsed.unwrap().book;
        assert_eq!(book.zone_of(&jane), Some(chrono_tz::Europe::Berlin));
        assert_eq!(book.zone_of(&address("other@acme.example.com")), Some(chrono_tz::Asia::Tokyo), "not lost");
        assert_eq!(book.len(), if existing { 3 } else { 2 });
    }
}
