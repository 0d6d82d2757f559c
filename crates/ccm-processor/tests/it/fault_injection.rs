//! Kill processing at random points and deliver again: every subscriber gets each notification exactly
//! once, except sends in flight at the kill instant, which may repeat once; nothing is ever lost.
//!
//! A "kill" freezes every port call from the N-th on (the N-th either before or after it takes
//! effect, chosen by the seeded generator), then aborts the task, as a crashed Lambda would stop.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::support::*;
use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::ports::{
    DeliveryKey, DeliveryLedger, Document, DocumentStore, ETag, LedgerError, ListPage, MailError, Mailer, ObjectMeta,
    OutgoingEmail, PutOptions, Reservation, SendReceipt, StoreError,
};
use ccm_core::{CustomerCode, StorageKey};
use serde_json::json;

/// Counts port calls and freezes the world at call `kill_at`.
struct Killer {
    calls: AtomicUsize,
    kill_at: usize,
    after: bool,
    killed: AtomicBool,
}

impl Killer {
    /// Before a call: `true` means go on; `false` means freeze.
    fn before(&self) -> Option<bool> {
        if self.killed.load(Ordering::SeqCst) {
            return None;
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.kill_at {
            self.killed.store(true, Ordering::SeqCst);
            return if self.after { Some(true) } else { None };
        }
        Some(false)
    }
    async fn freeze() -> ! {
        std::future::pending::<()>().await;
        unreachable!()
    }
    /// Runs `f` unless the world is frozen; when this call is the killing one and the kill comes
    /// after the effect, runs it and then freezes.
    async fn call<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        match self.before() {
            None => Self::freeze().await,
            Some(false) => f.await,
            Some(true) => {
                let _ = f.await;
                Self::freeze().await
            }
        }
    }
}

struct KStore(Arc<dyn DocumentStore>, Arc<Killer>);
#[async_trait]
impl DocumentStore for KStore {
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError> {
        self.1.call(self.0.get(key)).await
    }
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError> {
        self.1.call(self.0.head(key)).await
    }
    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError> {
        self.1.call(self.0.put(key, body, options)).await
    }
    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        self.1.call(self.0.delete(key)).await
    }
    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError> {
        self.1.call(self.0.delete_if_match(key, etag)).await
    }
    async fn list(&self, prefix: &str, c: Option<&str>, limit: usize) -> Result<ListPage, StoreError> {
        self.1.call(self.0.list(prefix, c, limit)).await
    }
}

struct KMailer(Arc<dyn Mailer>, Arc<Killer>);
#[async_trait]
impl Mailer for KMailer {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        self.1.call(self.0.send(customer, email)).await
    }
}

struct KLedger(Arc<dyn DeliveryLedger>, Arc<Killer>);
#[async_trait]
impl DeliveryLedger for KLedger {
    async fn reserve(&self, key: &DeliveryKey) -> Result<Reservation, LedgerError> {
        self.1.call(self.0.reserve(key)).await
    }
    async fn confirm(&self, key: &DeliveryKey, receipt: &SendReceipt) -> Result<(), LedgerError> {
        self.1.call(self.0.confirm(key, receipt)).await
    }
}

/// xorshift64*: a tiny seeded generator, so every run is reproducible from its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SUBSCRIBERS: usize = 12;

#[tokio::test]
async fn killing_processing_at_random_points_never_loses_a_send_and_duplicates_only_what_was_in_flight() {
    let mut rng = Rng(0x5eed_cc3d_2026);
    let mut total_calls = None;
    let (mut kills, mut runs_with_repeats) = (0, 0);
    for run in 0..120 {
        let rig = Rig::new().await;
        rig.subscribers("acme", "aws-announce", SUBSCRIBERS);
        let o = change(&format!("CHG-k{run}"), "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
        rig.archive_and_trigger(&o).await;

        // Learn how many port calls a clean run makes (once), then kill somewhere inside it.
        let calls = match total_calls {
            Some(n) => n,
            None => {
                let probe = Rig::new().await;
                probe.subscribers("acme", "aws-announce", SUBSCRIBERS);
                probe.archive_and_trigger(&o).await;
                let k = Arc::new(Killer {
                    calls: AtomicUsize::new(0),
                    kill_at: usize::MAX,
                    after: false,
                    killed: AtomicBool::new(false),
                });
                let mut p = probe.processor.clone();
                p.store = Arc::new(KStore(probe.store.clone(), k.clone()));
                p.process(&code("acme"), o.id()).await.unwrap();
                let n = k.calls.load(Ordering::SeqCst);
                total_calls = Some(n);
                n
            }
        };
        let killer = Arc::new(Killer {
            calls: AtomicUsize::new(0),
            kill_at: 1 + rng.below(calls as u64 + SUBSCRIBERS as u64 * 3) as usize,
            after: rng.below(2) == 1,
            killed: AtomicBool::new(false),
        });
        let mut crashing = rig.processor.clone();
        crashing.store = Arc::new(KStore(rig.store.clone(), killer.clone()));
        crashing.mailer = Arc::new(KMailer(rig.mailer.clone(), killer.clone()));
        crashing.ledger = Arc::new(KLedger(rig.ledger.clone(), killer.clone()));
        let task = tokio::spawn(async move {
            crashing.process(&code("acme"), &ccm_core::ObjectId::parse(&format!("CHG-k{run}")).unwrap()).await
        });
        // Let it run until it finishes or freezes.
        for _ in 0..200 {
            if task.is_finished() || killer.killed.load(Ordering::SeqCst) {
                break;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        task.abort();
        let _ = task.await;
        if killer.killed.load(Ordering::SeqCst) {
            kills += 1;
        }

        // Who was sent to but never confirmed: in flight at the kill.
        let sent_before: Vec<String> = rig.mailer.sent().iter().map(|s| s.email.to.normalized()).collect();

        // Redelivery until done (SQS would redeliver the message).
        for _ in 0..3 {
            match rig.processor.process(&code("acme"), o.id()).await {
                Ok(_) => break,
                Err(e) => assert!(e.retryable, "run {run}: {e}"),
            }
        }
        assert!(!rig.trigger_exists("acme", o.id()).await, "run {run}: finished");

        let counts = rig.mailer.counts();
        assert_eq!(
            counts.len(),
            SUBSCRIBERS,
            "run {run}: every subscriber got the notice (kill at {})",
            killer.kill_at
        );
        let mut duplicated = HashSet::new();
        for ((_, to), n) in &counts {
            assert!(*n <= 2, "run {run}: {to} got {n} copies");
            if *n == 2 {
                assert!(sent_before.contains(to), "run {run}: {to} was repeated without having been in flight");
                duplicated.insert(to.clone());
            }
        }
        assert!(
            duplicated.len() <= rig.processor.settings.send_concurrency,
            "run {run}: more repeats than sends that can be in flight at once"
        );
        if !duplicated.is_empty() {
            runs_with_repeats += 1;
        }
    }
    // The test must really exercise crashes, including the in-flight window.
    assert!(kills >= 100, "only {kills} runs were killed");
    assert!(runs_with_repeats >= 1, "no run killed a send in flight");
}
