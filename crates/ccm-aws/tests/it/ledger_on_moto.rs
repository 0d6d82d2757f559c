//! The delivery ledger on S3 (moto): conditional creates make exactly one reservation win.

use std::sync::Arc;

use ccm_aws::S3DocumentStore;
use ccm_aws::S3Ledger;
use ccm_aws::sdk::s3_client;
use ccm_core::ports::{DeliveryKey, DeliveryLedger, Reservation, SendReceipt};
use ccm_core::{CustomerCode, EmailAddress, ObjectId};
use ccm_testkit::moto::{self, Moto};

async fn ledger_on_moto(moto: &Moto) -> S3Ledger {
    let bucket = moto.create_bucket("ccm-ledger").await;
    S3Ledger::new(Arc::new(S3DocumentStore::new(s3_client(&moto.sdk_config(), true), bucket)))
}

fn key(recipient: &str) -> DeliveryKey {
    DeliveryKey {
        object: ObjectId::parse("CHG-ledger-on-moto").unwrap(),
        version: 2,
        event: "approved".to_owned(),
        customer: CustomerCode::parse("acme").unwrap(),
        recipient_hash: DeliveryKey::recipient_hash(&EmailAddress::parse(recipient).unwrap()),
    }
}

#[tokio::test]
async fn a_send_is_acquired_once_then_in_flight_then_sent_on_s3() {
    let Some(moto) = moto::shared().await else { return };
    let ledger = ledger_on_moto(moto).await;
    let k = key("jane@example.com");
    assert_eq!(ledger.reserve(&k).await.unwrap(), Reservation::Acquired);
    assert_eq!(ledger.reserve(&k).await.unwrap(), Reservation::InFlight);
    ledger.confirm(&k, &SendReceipt { message_id: "m-1".into() }).await.unwrap();
    assert_eq!(ledger.reserve(&k).await.unwrap(), Reservation::Sent);
    assert_eq!(ledger.reserve(&key("john@example.com")).await.unwrap(), Reservation::Acquired);
}

#[tokio::test]
async fn of_sixteen_racing_reservations_exactly_one_is_acquired() {
    let Some(moto) = moto::shared().await else { return };
    let ledger = Arc::new(ledger_on_moto(moto).await);
    let k = key("race@example.com");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (ledger, k) = (Arc::clone(&ledger), k.clone());
            tokio::spawn(async move { ledger.reserve(&k).await.unwrap() })
        })
        .collect();
    let mut acquired = 0;
    for task in tasks {
        match task.await.unwrap() {
            Reservation::Acquired => acquired += 1,
            Reservation::InFlight => {}
            Reservation::Sent => panic!("nothing was confirmed"),
        }
    }
    assert_eq!(acquired, 1);
}
