//! The contract every [`DocumentStore`] keeps: S3 semantics. Each check tests one behaviour and
//! panics with the check's name when the store breaks it; [`run_all`] runs them in sequence.
//!
//! Every check uses keys under a fresh object id, so the checks do not interfere with each other or
//! with data already in the store, and the suite may run twice against the same store.

use std::collections::BTreeMap;

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, ETag, ListPage, PutOptions, StoreError, list_all};
use ccm_core::{FileName, ObjectId, StorageKey};
use chrono::Utc;
use futures::future::join_all;

/// Contenders in the race checks.
pub const RACERS: usize = 16;

/// Runs every check of the contract, one after the other.
///
/// The many-keys listing uses a small page size; for a listing past [`ccm_core::ports::MAX_LIST_PAGE`]
/// also run [`list_all_collects_every_key_exactly_once`] with more than 1 000 keys where that is fast.
pub async fn run_all(store: &dyn DocumentStore) {
    put_then_get_returns_the_same_bytes_etag_content_type_and_metadata(store).await;
    an_explicit_content_type_overrides_the_keys_default(store).await;
    head_matches_get(store).await;
    a_missing_key_gets_and_heads_as_none(store).await;
    an_unconditional_put_overwrites(store).await;
    create_only_succeeds_once_then_fails_without_changing_the_body(store).await;
    if_match_with_the_current_etag_succeeds_and_returns_a_new_etag(store).await;
    if_match_with_a_stale_etag_fails_and_leaves_the_body(store).await;
    if_match_on_a_missing_key_fails(store).await;
    deleting_a_missing_key_succeeds(store).await;
    a_deleted_key_is_gone(store).await;
    a_conditional_delete_with_the_current_etag_deletes(store).await;
    a_conditional_delete_with_a_stale_etag_or_of_a_missing_key_fails_and_keeps_the_body(store).await;
    list_returns_only_the_keys_under_the_prefix_in_key_order_with_sizes(store).await;
    list_paginates_with_continuation_tokens(store).await;
    list_all_collects_every_key_exactly_once(store, 25).await;
    a_race_of_create_only_puts_has_exactly_one_winner(store).await;
    a_race_of_if_match_updates_from_one_etag_has_exactly_one_winner(store).await;
}

/// A fresh object id, `CHG-contract-{what}-{random}`, so each check owns its keys.
fn fresh_id(what: &str) -> ObjectId {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    ObjectId::parse(&format!("CHG-contract-{what}-{}", &suffix[..12])).expect("a valid object id")
}

fn archive_key(what: &str) -> StorageKey {
    StorageKey::Archive(fresh_id(what))
}

async fn put(store: &dyn DocumentStore, key: &StorageKey, body: &'static [u8], options: PutOptions) -> ETag {
    store.put(key, Bytes::from_static(body), options).await.unwrap_or_else(|e| panic!("put {key}: {e}"))
}

async fn body_of(store: &dyn DocumentStore, key: &StorageKey) -> Option<Bytes> {
    store.get(key).await.unwrap_or_else(|e| panic!("get {key}: {e}")).map(|d| d.body)
}

fn assert_precondition_failed<T: std::fmt::Debug>(check: &str, result: Result<T, StoreError>) {
    match result {
        Err(StoreError::PreconditionFailed { .. }) => {}
        other => panic!("{check}: expected PreconditionFailed, got {other:?}"),
    }
}

pub async fn put_then_get_returns_the_same_bytes_etag_content_type_and_metadata(store: &dyn DocumentStore) {
    let check = "put then get";
    let key = archive_key("put");
    // Not UTF-8, to catch a backend that stores text.
    let body: &[u8] = b"{\"v\":1}\x00\xff\xfe";
    let options = PutOptions::default().with_metadata("Author", "alice").with_metadata("version", "1");
    let before = Utc::now() - chrono::Duration::minutes(5);
    let etag = put(store, &key, body, options).await;

    let doc = store.get(&key).await.unwrap_or_else(|e| panic!("{check}: {e}")).expect("the document just put");
    assert_eq!(doc.body.as_ref(), body, "{check}: body");
    assert_eq!(doc.meta.etag, etag, "{check}: the ETag get returns is the one put returned");
    assert_eq!(doc.meta.size, body.len() as u64, "{check}: size");
    assert_eq!(doc.meta.content_type.as_deref(), Some(key.content_type()), "{check}: the key's content type");
    let expected: BTreeMap<String, String> =
        [("author".to_owned(), "alice".to_owned()), ("version".to_owned(), "1".to_owned())].into();
    assert_eq!(doc.meta.metadata, expected, "{check}: metadata (keys lower-case)");
    let after = Utc::now() + chrono::Duration::minutes(5);
    assert!((before..after).contains(&doc.meta.last_modified), "{check}: last_modified {}", doc.meta.last_modified);
}

pub async fn an_explicit_content_type_overrides_the_keys_default(store: &dyn DocumentStore) {
    let key = StorageKey::Attachment(fresh_id("ctype"), FileName::parse("plan.pdf").expect("a valid file name"));
    let options = PutOptions { content_type: Some("application/pdf".to_owned()), ..PutOptions::default() };
    put(store, &key, b"%PDF-1.7", options).await;
    let meta = store.head(&key).await.expect("head").expect("the document just put");
    assert_eq!(meta.content_type.as_deref(), Some("application/pdf"), "content type override");
}

pub async fn head_matches_get(store: &dyn DocumentStore) {
    let key = archive_key("head");
    put(store, &key, b"{\"head\":true}", PutOptions::default().with_metadata("k", "v")).await;
    let head = store.head(&key).await.expect("head").expect("head of the document just put");
    let get = store.get(&key).await.expect("get").expect("get of the document just put");
    assert_eq!(head, get.meta, "head and get must report the same metadata");
}

pub async fn a_missing_key_gets_and_heads_as_none(store: &dyn DocumentStore) {
    let key = archive_key("missing");
    assert!(store.get(&key).await.expect("get of a missing key is not an error").is_none());
    assert!(store.head(&key).await.expect("head of a missing key is not an error").is_none());
}

pub async fn an_unconditional_put_overwrites(store: &dyn DocumentStore) {
    let key = archive_key("overwrite");
    let first = put(store, &key, b"one", PutOptions::default()).await;
    let second = put(store, &key, b"two", PutOptions::default()).await;
    assert_ne!(first, second, "different bodies have different ETags");
    assert_eq!(body_of(store, &key).await.as_deref(), Some(&b"two"[..]));
}

pub async fn create_only_succeeds_once_then_fails_without_changing_the_body(store: &dyn DocumentStore) {
    let check = "create-only";
    let key = archive_key("create");
    let etag = put(store, &key, b"first", PutOptions::create_only()).await;
    assert_precondition_failed(check, store.put(&key, Bytes::from_static(b"second"), PutOptions::create_only()).await);
    let doc = store.get(&key).await.expect("get").expect("the created document");
    assert_eq!(doc.body.as_ref(), b"first", "{check}: the failed put must not change the body");
    assert_eq!(doc.meta.etag, etag, "{check}: nor the ETag");
}

pub async fn if_match_with_the_current_etag_succeeds_and_returns_a_new_etag(store: &dyn DocumentStore) {
    let key = archive_key("ifmatch");
    let v1 = put(store, &key, b"v1", PutOptions::default()).await;
    let v2 = put(store, &key, b"v2", PutOptions::if_match(v1.clone())).await;
    assert_ne!(v1, v2, "an update returns a new ETag");
    let doc = store.get(&key).await.expect("get").expect("the updated document");
    assert_eq!(doc.body.as_ref(), b"v2");
    assert_eq!(doc.meta.etag, v2, "get returns the ETag the update returned");
}

pub async fn if_match_with_a_stale_etag_fails_and_leaves_the_body(store: &dyn DocumentStore) {
    let check = "If-Match with a stale ETag";
    let key = archive_key("stale");
    let v1 = put(store, &key, b"v1", PutOptions::default()).await;
    let v2 = put(store, &key, b"v2", PutOptions::if_match(v1.clone())).await;
    assert_precondition_failed(check, store.put(&key, Bytes::from_static(b"v3"), PutOptions::if_match(v1)).await);
    let doc = store.get(&key).await.expect("get").expect("the document");
    assert_eq!(doc.body.as_ref(), b"v2", "{check}: body unchanged");
    assert_eq!(doc.meta.etag, v2, "{check}: ETag unchanged");
}

pub async fn if_match_on_a_missing_key_fails(store: &dyn DocumentStore) {
    let check = "If-Match on a missing key";
    let key = archive_key("ifmatch-missing");
    let some_etag = ETag::from_header("\"d41d8cd98f00b204e9800998ecf8427e\"");
    assert_precondition_failed(check, store.put(&key, Bytes::from_static(b"x"), PutOptions::if_match(some_etag)).await);
    assert!(body_of(store, &key).await.is_none(), "{check}: nothing was created");
}

pub async fn deleting_a_missing_key_succeeds(store: &dyn DocumentStore) {
    let key = archive_key("delete-missing");
    store.delete(&key).await.expect("deleting a missing key succeeds");
}

pub async fn a_conditional_delete_with_the_current_etag_deletes(store: &dyn DocumentStore) {
    let key = archive_key("delete-if-match");
    let etag = put(store, &key, b"doomed", PutOptions::default()).await;
    store.delete_if_match(&key, &etag).await.expect("conditional delete with the current ETag");
    assert!(body_of(store, &key).await.is_none(), "get after a conditional delete");
}

pub async fn a_conditional_delete_with_a_stale_etag_or_of_a_missing_key_fails_and_keeps_the_body(
    store: &dyn DocumentStore,
) {
    let check = "conditional delete with a stale ETag";
    let key = archive_key("delete-stale");
    let v1 = put(store, &key, b"v1", PutOptions::default()).await;
    put(store, &key, b"v2", PutOptions::if_match(v1.clone())).await;
    assert_precondition_failed(check, store.delete_if_match(&key, &v1).await);
    assert_eq!(body_of(store, &key).await.as_deref(), Some(&b"v2"[..]), "{check}: the newer body stays");
    let missing = archive_key("delete-if-match-missing");
    assert_precondition_failed("conditional delete of a missing key", store.delete_if_match(&missing, &v1).await);
}

pub async fn a_deleted_key_is_gone(store: &dyn DocumentStore) {
    let id = fresh_id("delete");
    let key = StorageKey::Version(id.clone(), 1);
    put(store, &key, b"doomed", PutOptions::default()).await;
    store.delete(&key).await.expect("delete");
    assert!(body_of(store, &key).await.is_none(), "get after delete");
    assert!(store.head(&key).await.expect("head").is_none(), "head after delete");
    let listed = list_all(store, &StorageKey::versions_prefix(&id)).await.expect("list");
    assert!(listed.is_empty(), "a deleted key is not listed: {listed:?}");
}

pub async fn list_returns_only_the_keys_under_the_prefix_in_key_order_with_sizes(store: &dyn DocumentStore) {
    let check = "list under a prefix";
    let id = fresh_id("list");
    // A sibling id that extends this one: `versions/{id}x/` must not match `versions/{id}/`.
    let sibling = ObjectId::parse(&format!("{id}x")).expect("a valid object id");
    // Versions 1..=12: key order is byte order (v1, v10, v11, v12, v2, ...), not numeric order.
    let mut expected = Vec::new();
    for n in 1..=12u32 {
        let key = StorageKey::Version(id.clone(), n);
        let body = Bytes::from(vec![b'x'; n as usize * 3]);
        store.put(&key, body, PutOptions::default()).await.unwrap_or_else(|e| panic!("put {key}: {e}"));
        expected.push((key.to_string(), n as u64 * 3));
    }
    expected.sort();
    put(store, &StorageKey::Version(sibling, 1), b"sibling", PutOptions::default()).await;
    put(store, &StorageKey::Archive(id.clone()), b"elsewhere", PutOptions::default()).await;

    let page = store.list(&StorageKey::versions_prefix(&id), None, 100).await.expect("list");
    assert!(page.next.is_none(), "{check}: one page suffices");
    let got: Vec<(String, u64)> = page.items.iter().map(|l| (l.key.clone(), l.size)).collect();
    assert_eq!(got, expected, "{check}: keys in key order, with sizes");
    for listed in &page.items {
        let key = StorageKey::parse(&listed.key).expect("a listed key is a key of the layout");
        let meta = store.head(&key).await.expect("head").expect("a listed key exists");
        assert_eq!(listed.etag, meta.etag, "{check}: the listed ETag is the object's");
    }
}

pub async fn list_paginates_with_continuation_tokens(store: &dyn DocumentStore) {
    let check = "pagination";
    let id = fresh_id("pages");
    let keys: Vec<String> = put_versions(store, &id, 7).await;
    let prefix = StorageKey::versions_prefix(&id);

    let mut pages: Vec<ListPage> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = store.list(&prefix, next.as_deref(), 3).await.expect("list");
        next = page.next.clone();
        pages.push(page);
        assert!(pages.len() <= 3, "{check}: 7 keys in pages of 3 take 3 pages");
        if next.is_none() {
            break;
        }
    }
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [3, 3, 1], "{check}: page sizes");
    let listed: Vec<String> = pages.iter().flat_map(|p| p.items.iter().map(|l| l.key.clone())).collect();
    assert_eq!(listed, keys, "{check}: every key once, in key order");
}

/// Puts `count` keys (concurrently, a few at a time) and checks [`list_all`] returns each exactly once,
/// in key order. With `count` above 1 000 this crosses [`ccm_core::ports::MAX_LIST_PAGE`].
pub async fn list_all_collects_every_key_exactly_once(store: &dyn DocumentStore, count: u32) {
    let id = fresh_id("listall");
    let keys = put_versions(store, &id, count).await;
    let listed: Vec<String> = list_all(store, &StorageKey::versions_prefix(&id))
        .await
        .expect("list_all")
        .into_iter()
        .map(|l| l.key)
        .collect();
    assert_eq!(listed.len(), keys.len(), "list_all: count");
    assert_eq!(listed, keys, "list_all: every key once, in key order");
}

/// Puts `versions/{id}/v1.json ..= v{count}.json` and returns their keys in key order.
async fn put_versions(store: &dyn DocumentStore, id: &ObjectId, count: u32) -> Vec<String> {
    let keys: Vec<StorageKey> = (1..=count).map(|n| StorageKey::Version(id.clone(), n)).collect();
    for chunk in keys.chunks(RACERS) {
        let puts = chunk.iter().map(|key| store.put(key, Bytes::from_static(b"{}"), PutOptions::default()));
        for (key, result) in chunk.iter().zip(join_all(puts).await) {
            result.unwrap_or_else(|e| panic!("put {key}: {e}"));
        }
    }
    let mut keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
    keys.sort();
    keys
}

pub async fn a_race_of_create_only_puts_has_exactly_one_winner(store: &dyn DocumentStore) {
    let key = archive_key("race-create");
    let bodies: Vec<Bytes> = (0..RACERS).map(|i| Bytes::from(format!("{{\"racer\":{i}}}"))).collect();
    let results = join_all(bodies.iter().map(|b| store.put(&key, b.clone(), PutOptions::create_only()))).await;
    check_one_winner("create-only race", store, &key, &bodies, results).await;
}

pub async fn a_race_of_if_match_updates_from_one_etag_has_exactly_one_winner(store: &dyn DocumentStore) {
    let key = archive_key("race-update");
    let base = put(store, &key, b"{\"racer\":null}", PutOptions::default()).await;
    let bodies: Vec<Bytes> = (0..RACERS).map(|i| Bytes::from(format!("{{\"racer\":{i}}}"))).collect();
    let results = join_all(bodies.iter().map(|b| store.put(&key, b.clone(), PutOptions::if_match(base.clone())))).await;
    check_one_winner("If-Match race", store, &key, &bodies, results).await;
}

/// Exactly one put succeeded, every other one failed its precondition, and the stored document is the winner's.
async fn check_one_winner(
    check: &str,
    store: &dyn DocumentStore,
    key: &StorageKey,
    bodies: &[Bytes],
    results: Vec<Result<ETag, StoreError>>,
) {
    let mut winners = Vec::new();
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(etag) => winners.push((i, etag)),
            Err(StoreError::PreconditionFailed { .. }) => {}
            Err(other) => panic!("{check}: racer {i} failed with {other} instead of PreconditionFailed"),
        }
    }
    let [(winner, etag)] = winners.as_slice() else {
        panic!("{check}: expected exactly one winner, got {}", winners.len());
    };
    let doc = store.get(key).await.expect("get").expect("the winner's document");
    assert_eq!(doc.body, bodies[*winner], "{check}: the stored body is the winner's");
    assert_eq!(&doc.meta.etag, etag, "{check}: the stored ETag is the winner's");
}
