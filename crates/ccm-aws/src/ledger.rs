//! The delivery ledger on a [`DocumentStore`]: one small JSON record per send at
//! `ledger/{object}/v{version}/{event}/{customer}/{recipient-hash}`.
//!
//! `reserve` is a create-only put (`If-None-Match: *` on S3, atomic there and in the embedded
//! store), so exactly one caller acquires a send; the loser reads the record to learn whether the
//! send was confirmed (`Sent`) or only reserved (`InFlight`: a previous attempt died between
//! reserving and confirming, and may or may not have sent). `confirm` overwrites the record.
//!
//! Generic over the store, so the same code runs on S3 and on `ccm serve`'s embedded store.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::ports::{
    Clock, DeliveryKey, DeliveryLedger, DocumentStore, LedgerError, PutOptions, Recorded, Reservation, SendReceipt,
    StoreError, SystemClock,
};
use ccm_core::{StorageKey, Token};
use chrono::SecondsFormat;
use serde_json::json;

const RESERVED: &str = "reserved";
const SENT: &str = "sent";

/// A [`DeliveryLedger`] over any document store.
#[derive(Clone)]
pub struct StoreLedger {
    store: Arc<dyn DocumentStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for StoreLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLedger").finish_non_exhaustive()
    }
}

impl StoreLedger {
    pub fn new(store: Arc<dyn DocumentStore>) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Arc<dyn DocumentStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    fn now(&self) -> String {
        self.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// What an existing record says about the send.
    async fn existing(&self, key: &StorageKey) -> Result<Option<Reservation>, LedgerError> {
        let Some(doc) = self.store.get(key).await.map_err(unavailable)? else { return Ok(None) };
        let state = serde_json::from_slice::<serde_json::Value>(&doc.body)
            .ok()
            .and_then(|v| v.get("state").and_then(|s| s.as_str()).map(str::to_owned));
        Ok(Some(match state.as_deref() {
            Some(SENT) => Reservation::Sent,
            Some(RESERVED) => Reservation::InFlight,
            other => {
                // Unreadable: it may have been sent, so never report it as free.
                tracing::warn!(key = %key, state = ?other, "unreadable delivery ledger record; treating it as in flight");
                Reservation::InFlight
            }
        }))
    }
}

/// The record's key; the event and the recipient hash must be key tokens (`[A-Za-z0-9_-]{1,128}`).
pub fn ledger_key(key: &DeliveryKey) -> Result<StorageKey, LedgerError> {
    let token = |what: &str, raw: &str| {
        Token::parse(raw)
            .map_err(|err| LedgerError::Unavailable(format!("invalid delivery key: {what} {raw:?}: {err}")))
    };
    Ok(StorageKey::Ledger {
        object: key.object.clone(),
        version: key.version,
        event: token("event", &key.event)?,
        customer: key.customer.clone(),
        recipient: token("recipient hash", &key.recipient_hash)?,
    })
}

fn unavailable(err: StoreError) -> LedgerError {
    LedgerError::Unavailable(err.to_string())
}

fn body(value: serde_json::Value) -> Bytes {
    Bytes::from(value.to_string())
}

#[async_trait]
impl DeliveryLedger for StoreLedger {
    #[tracing::instrument(skip_all, fields(object = %key.object, version = key.version, event = %key.event, customer = %key.customer))]
    async fn reserve(&self, key: &DeliveryKey) -> Result<Reservation, LedgerError> {
        let storage_key = ledger_key(key)?;
        // Twice at most: a record deleted between our failed create and our read is created again.
        for _ in 0..2 {
            let record = body(json!({ "state": RESERVED, "at": self.now() }));
            match self.store.put(&storage_key, record, PutOptions::create_only()).await {
                Ok(_) => return Ok(Reservation::Acquired),
                Err(StoreError::PreconditionFailed { .. }) => {
                    if let Some(found) = self.existing(&storage_key).await? {
                        return Ok(found);
                    }
                }
                Err(err) => return Err(unavailable(err)),
            }
        }
        Err(LedgerError::Unavailable(format!("{storage_key}: the record exists but cannot be read")))
    }

    #[tracing::instrument(skip_all, fields(object = %key.object, version = key.version, event = %key.event, customer = %key.customer))]
    async fn confirm(&self, key: &DeliveryKey, receipt: &SendReceipt) -> Result<(), LedgerError> {
        let storage_key = ledger_key(key)?;
        let record = body(json!({ "state": SENT, "message_id": receipt.message_id, "at": self.now() }));
        self.store.put(&storage_key, record, PutOptions::default()).await.map_err(unavailable)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(object = %key.object, version = key.version, event = %key.event, customer = %key.customer))]
    async fn lookup(&self, key: &DeliveryKey) -> Result<Recorded, LedgerError> {
        let storage_key = ledger_key(key)?;
        let Some(doc) = self.store.get(&storage_key).await.map_err(unavailable)? else { return Ok(Recorded::Missing) };
        let record = serde_json::from_slice::<serde_json::Value>(&doc.body).ok();
        let field = |name: &str| record.as_ref().and_then(|v| v.get(name)).and_then(|s| s.as_str());
        Ok(match (field("state"), field("message_id")) {
            (Some(SENT), Some(id)) => Recorded::Sent(SendReceipt { message_id: id.to_owned() }),
            // Unreadable or without a message id: no event can be matched against it.
            _ => Recorded::InFlight,
        })
    }
}

#[cfg(test)]
mod tests {
    use ccm_core::{CustomerCode, EmailAddress, ObjectId};
    use ccm_testkit::MemoryStore;

    use super::*;

    fn key(event: &str) -> DeliveryKey {
        let recipient = EmailAddress::parse("Jane@Example.com").unwrap();
        DeliveryKey {
            object: ObjectId::parse("CHG-ledger-1").unwrap(),
            version: 3,
            event: event.to_owned(),
            customer: CustomerCode::parse("acme").unwrap(),
            recipient_hash: DeliveryKey::recipient_hash(&recipient),
        }
    }

    fn ledger() -> (StoreLedger, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::default());
        (StoreLedger::new(store.clone()), store)
    }

    async fn stored(store: &MemoryStore, key: &DeliveryKey) -> serde_json::Value {
        let doc = store.get(&ledger_key(key).unwrap()).await.unwrap().unwrap();
        serde_json::from_slice(&doc.body).unwrap()
    }

    #[tokio::test]
    async fn the_first_reservation_is_acquired_and_a_second_is_in_flight() {
        let (ledger, store) = ledger();
        assert_eq!(ledger.reserve(&key("approved")).await.unwrap(), Reservation::Acquired);
        assert_eq!(ledger.reserve(&key("approved")).await.unwrap(), Reservation::InFlight);
        assert_eq!(stored(&store, &key("approved")).await["state"], "reserved");
    }

    #[tokio::test]
    async fn a_confirmed_send_is_sent_and_keeps_its_message_id() {
        let (ledger, store) = ledger();
        ledger.reserve(&key("approved")).await.unwrap();
        ledger.confirm(&key("approved"), &SendReceipt { message_id: "m-1".into() }).await.unwrap();
        assert_eq!(ledger.reserve(&key("approved")).await.unwrap(), Reservation::Sent);
        let record = stored(&store, &key("approved")).await;
        assert_eq!((record["state"].as_str(), record["message_id"].as_str()), (Some("sent"), Some("m-1")));
    }

    #[tokio::test]
    async fn another_event_of_the_same_object_is_a_separate_send() {
        let (ledger, _) = ledger();
        ledger.confirm(&key("approved"), &SendReceipt { message_id: "m-1".into() }).await.unwrap();
        assert_eq!(ledger.reserve(&key("completed")).await.unwrap(), Reservation::Acquired);
    }

    #[tokio::test]
    async fn the_key_holds_the_recipient_hash_never_the_address() {
        let k = ledger_key(&key("approved")).unwrap().to_string();
        assert!(k.starts_with("ledger/CHG-ledger-1/v3/approved/acme/"), "{k}");
        assert!(!k.to_lowercase().contains("jane"), "{k}");
    }

    #[tokio::test]
    async fn an_unreadable_record_is_treated_as_in_flight() {
        let (ledger, store) = ledger();
        let k = key("approved");
        store.put(&ledger_key(&k).unwrap(), Bytes::from_static(b"garbage"), PutOptions::default()).await.unwrap();
        assert_eq!(ledger.reserve(&k).await.unwrap(), Reservation::InFlight);
    }

    #[tokio::test]
    async fn an_event_that_cannot_be_a_key_is_refused() {
        let (ledger, _) = ledger();
        let err = ledger.reserve(&key("approved/../x")).await.unwrap_err();
        assert!(err.to_string().contains("invalid delivery key"), "{err}");
    }
}
