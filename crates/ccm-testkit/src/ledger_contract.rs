//! The contract every [`DeliveryLedger`] keeps: a send is acquired once, stays in flight until it is
//! confirmed, and is sent from then on; keys differing in any part are separate sends; of racing
//! reservations exactly one acquires. The processor's exactly-once delivery (ADR 0007) rests on these
//! answers. Each check panics with its name when the ledger breaks it; [`run_all`] runs them in
//! sequence.
//!
//! Every check uses keys under a fresh object id, so the checks do not interfere with each other or
//! with records already in the ledger, and the suite may run twice against the same ledger.

use ccm_core::ports::{DeliveryKey, DeliveryLedger, Recorded, Reservation, SendReceipt};
use ccm_core::{CustomerCode, EmailAddress, ObjectId};
use futures::future::join_all;

use crate::store_contract::RACERS;

/// Runs every check of the contract, one after the other.
pub async fn run_all(ledger: &dyn DeliveryLedger) {
    the_first_reservation_is_acquired_and_the_next_ones_are_in_flight(ledger).await;
    a_confirmed_send_is_sent_to_every_later_reservation(ledger).await;
    a_send_confirmed_without_a_reservation_is_sent(ledger).await;
    confirming_twice_keeps_the_send_sent(ledger).await;
    keys_differing_in_any_part_are_separate_sends(ledger).await;
    a_race_of_reservations_has_exactly_one_acquirer(ledger).await;
    a_lookup_tells_missing_in_flight_and_sent_with_its_message_id(ledger).await;
}

/// A key under a fresh object id, `CHG-ledger-{what}-{random}`, so each check owns its records.
fn fresh_key(what: &str) -> DeliveryKey {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let object = ObjectId::parse(&format!("CHG-ledger-{what}-{}", &suffix[..12])).expect("a valid object id");
    DeliveryKey {
        object,
        version: 1,
        event: "approved".to_owned(),
        customer: CustomerCode::parse("acme").expect("a valid customer code"),
        recipient_hash: recipient_hash("jane@example.com"),
    }
}

fn recipient_hash(address: &str) -> String {
    DeliveryKey::recipient_hash(&EmailAddress::parse(address).expect("a valid address"))
}

async fn reserve(check: &str, ledger: &dyn DeliveryLedger, key: &DeliveryKey) -> Reservation {
    ledger.reserve(key).await.unwrap_or_else(|e| panic!("{check}: reserve {key:?}: {e}"))
}

async fn confirm(check: &str, ledger: &dyn DeliveryLedger, key: &DeliveryKey, message_id: &str) {
    let receipt = SendReceipt { message_id: message_id.to_owned() };
    ledger.confirm(key, &receipt).await.unwrap_or_else(|e| panic!("{check}: confirm {key:?}: {e}"));
}

pub async fn the_first_reservation_is_acquired_and_the_next_ones_are_in_flight(ledger: &dyn DeliveryLedger) {
    let check = "first reservation";
    let key = fresh_key("reserve");
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Acquired, "{check}: the first caller acquires");
    assert_eq!(
        reserve(check, ledger, &key).await,
        Reservation::InFlight,
        "{check}: a second caller finds it in flight"
    );
    assert_eq!(reserve(check, ledger, &key).await, Reservation::InFlight, "{check}: and so does a third");
}

pub async fn a_confirmed_send_is_sent_to_every_later_reservation(ledger: &dyn DeliveryLedger) {
    let check = "confirmed send";
    let key = fresh_key("confirm");
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Acquired, "{check}: the first caller acquires");
    confirm(check, ledger, &key, "m-1").await;
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Sent, "{check}: after confirm");
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Sent, "{check}: reserving does not undo a confirm");
}

pub async fn a_send_confirmed_without_a_reservation_is_sent(ledger: &dyn DeliveryLedger) {
    let check = "confirm without reserve";
    let key = fresh_key("confirm-only");
    confirm(check, ledger, &key, "m-1").await;
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Sent, "{check}");
}

pub async fn confirming_twice_keeps_the_send_sent(ledger: &dyn DeliveryLedger) {
    let check = "confirm twice";
    let key = fresh_key("confirm-twice");
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Acquired, "{check}: the first caller acquires");
    confirm(check, ledger, &key, "m-1").await;
    confirm(check, ledger, &key, "m-2").await;
    assert_eq!(reserve(check, ledger, &key).await, Reservation::Sent, "{check}");
}

pub async fn keys_differing_in_any_part_are_separate_sends(ledger: &dyn DeliveryLedger) {
    let check = "separate sends";
    let sent = fresh_key("separate");
    confirm(check, ledger, &sent, "m-1").await;
    let others = [
        ("another version", DeliveryKey { version: 2, ..sent.clone() }),
        ("another event", DeliveryKey { event: "completed".to_owned(), ..sent.clone() }),
        (
            "another customer",
            DeliveryKey { customer: CustomerCode::parse("globex").expect("a valid customer code"), ..sent.clone() },
        ),
        ("another recipient", DeliveryKey { recipient_hash: recipient_hash("john@example.com"), ..sent.clone() }),
        ("another object", DeliveryKey { object: fresh_key("separate").object, ..sent.clone() }),
    ];
    for (what, key) in &others {
        assert_eq!(reserve(check, ledger, key).await, Reservation::Acquired, "{check}: {what}");
    }
    assert_eq!(reserve(check, ledger, &sent).await, Reservation::Sent, "{check}: the first send is still sent");
}

pub async fn a_race_of_reservations_has_exactly_one_acquirer(ledger: &dyn DeliveryLedger) {
    let check = "reservation race";
    let key = fresh_key("race");
    let results = join_all((0..RACERS).map(|_| ledger.reserve(&key))).await;
    let mut acquired = 0;
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(Reservation::Acquired) => acquired += 1,
            Ok(Reservation::InFlight) => {}
            Ok(Reservation::Sent) => panic!("{check}: racer {i} found a send nobody confirmed"),
            Err(e) => panic!("{check}: racer {i} failed: {e}"),
        }
    }
    assert_eq!(acquired, 1, "{check}: exactly one of {RACERS} racers acquires");
}

/// Delivery feedback matches SES's message id against the ledger: a lookup reserves nothing.
pub async fn a_lookup_tells_missing_in_flight_and_sent_with_its_message_id(ledger: &dyn DeliveryLedger) {
    let check = "lookup";
    let key = fresh_key("lookup");
    let lookup = |key: DeliveryKey| async move {
        ledger.lookup(&key).await.unwrap_or_else(|e| panic!("{check}: lookup {key:?}: {e}"))
    };
    assert_eq!(lookup(key.clone()).await, Recorded::Missing, "{check}: nothing recorded yet");
    assert_eq!(lookup(key.clone()).await, Recorded::Missing, "{check}: a lookup reserves nothing");
    reserve(check, ledger, &key).await;
    assert_eq!(lookup(key.clone()).await, Recorded::InFlight, "{check}: reserved, not confirmed");
    confirm(check, ledger, &key, "m-lookup").await;
    assert_eq!(
        lookup(key.clone()).await,
        Recorded::Sent(SendReceipt { message_id: "m-lookup".into() }),
        "{check}: confirmed, with its message id"
    );
}
