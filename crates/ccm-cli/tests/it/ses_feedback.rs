//! Delivery feedback's operator commands against the moto emulator: `ccm ses configure-events`
//! (dry run, first run, an idempotent second run) and `ccm ses deliverability` (recorded events
//! in the bucket against SES's thresholds, with the account's GetAccount status).

use crate::support;

use ccm_core::feedback::{FeedbackKind, FeedbackRecord};
use ccm_core::model::DeliveryResult;
use ccm_core::{CustomerCode, EmailAddress, ObjectId};
use serde_json::json;
use support::World;

#[tokio::test]
async fn configure_events_plans_creates_then_finds_everything_in_place() {
    let Some(w) = World::new(2, 0).await else { return };
    let (with_topic, without) = (w.customer(0).code.clone(), w.customer(1).code.clone());
    let topic = format!("arn:aws:sns:us-east-1:999999999999:ccm-ses-events-{with_topic}");
    w.write_config(|doc| doc["customer_mappings"][&with_topic]["deliverability_sns_topic_arn"] = json!(topic));
    let set = format!("{with_topic}-ccoe-emails");
    let ses = w.ses(w.customer(0)).await;
    let exists = || async { ses.client().get_configuration_set().configuration_set_name(&set).send().await.is_ok() };

    let dry = w.json(&["ses", "configure-events", "--all-customers", "--dry-run"]).await.expect_ok();
    let planned = dry.result(&with_topic)["result"].clone();
    assert_eq!(planned["dry_run"], true);
    let steps: Vec<&str> = planned["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["create_configuration_set", "put_event_destination"], "{planned}");
    assert!(!exists().await, "a dry run creates nothing");
    let skipped = dry.result(&without);
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert!(skipped["reason"].as_str().unwrap().contains("deliverability_sns_topic_arn"), "{skipped}");

    let first = w.json(&["ses", "configure-events", "--customer", &with_topic]).await.expect_ok();
    assert_eq!(first.result(&with_topic)["result"]["changed"], true);
    assert!(exists().await);
    let destinations =
        ses.client().get_configuration_set_event_destinations().configuration_set_name(&set).send().await.unwrap();
    let d = &destinations.event_destinations()[0];
    assert_eq!(
        (d.name(), d.enabled(), d.sns_destination().map(|s| s.topic_arn())),
        ("email-events", true, Some(topic.as_str()))
    );
    let kinds: Vec<&str> = d.matching_event_types().iter().map(|e| e.as_str()).collect();
    for wanted in ["DELIVERY", "BOUNCE", "COMPLAINT", "REJECT"] {
        assert!(kinds.contains(&wanted), "{kinds:?}");
    }

    let second = w.json(&["ses", "configure-events", "--customer", &with_topic]).await.expect_ok();
    let again = second.result(&with_topic)["result"].clone();
    assert_eq!((again["changed"].clone(), again["steps"].clone()), (json!(false), json!([])), "{again}");
    let table = w.run(&["ses", "configure-events", "--customer", &with_topic]).await.expect_ok();
    assert!(table.stdout.contains("nothing changed"), "{}", table.stdout);
}

#[tokio::test]
async fn deliverability_judges_recent_bounces_and_complaints_against_ses_thresholds() {
    let Some(w) = World::new(2, 0).await else { return };
    let bucket = w.moto.create_bucket("ccm-deliverability").await;
    w.write_config(|doc| doc["s3_config"] = json!({"bucket_name": bucket}));
    let s3 = w.moto.s3_client();
    let put = |key: String, body: Vec<u8>| {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        async move { s3.put_object().bucket(bucket).key(key).body(body.into()).send().await.unwrap() }
    };
    let now = chrono::Utc::now();
    let (risky, healthy) = (w.customer(0).code.clone(), w.customer(1).code.clone());
    // An event's age is when it was recorded (its key's LastModified: the command counts events from
    // the listing alone), which the emulator cannot set in the past; old sends are told by their result.
    for (customer, sent, bounces, age_days) in
        [(&risky, 20usize, 2usize, 1i64), (&healthy, 40, 1, 1), (&healthy, 10, 0, 30)]
    {
        let object = ObjectId::parse(&format!("CHG-deliv-{age_days}-{sent}")).unwrap();
        let at = now - chrono::Duration::days(age_days);
        let result = DeliveryResult {
            object: object.clone(),
            version: 1,
            customer: CustomerCode::parse(customer).unwrap(),
            event: "approved".into(),
            topic: "aws-announce".into(),
            at,
            subscribers: sent,
            restricted: 0,
            sent,
            already_sent: 0,
            rejected: 0,
        };
        put(result.key().unwrap().to_string(), serde_json::to_vec(&result).unwrap()).await;
        for i in 0..bounces {
            let record = FeedbackRecord {
                object: object.clone(),
                version: 1,
                customer: CustomerCode::parse(customer).unwrap(),
                event: "approved".into(),
                kind: FeedbackKind::Bounce,
                message_id: format!("m-{customer}-{age_days}-{i}"),
                recipients: vec![EmailAddress::parse(&format!("gone{i}@example.com")).unwrap()],
                detail: Some("Permanent/General".into()),
                at,
            };
            put(record.key().unwrap().to_string(), serde_json::to_vec(&record).unwrap()).await;
        }
    }

    let run = w.json(&["ses", "deliverability", "--all-customers", "--days", "14"]).await;
    assert!(!run.ok(), "a customer at risk fails the run:\n{}", run.stdout);
    let at_risk = run.result(&risky);
    assert_eq!(at_risk["result"]["sent"], 20, "{at_risk}");
    assert_eq!(at_risk["result"]["bounces"]["count"], 2);
    assert_eq!(at_risk["result"]["bounces"]["standing"], "pause", "10 % bounces: {at_risk}");
    assert_eq!(at_risk["result"]["account"]["sending_enabled"], true);
    assert!(at_risk["error"].as_str().unwrap().contains("bounces at risk of a sending pause"), "{at_risk}");
    let fine = run.result(&healthy);
    assert_eq!(
        (fine["result"]["sent"].clone(), fine["result"]["bounces"]["count"].clone()),
        (json!(40), json!(1)),
        "older than 14 days is left out: {fine}"
    );
    assert_eq!(fine["result"]["bounces"]["standing"], "healthy");
    assert_eq!(fine["status"], "ok", "{fine}");

    let table = w.run(&["ses", "deliverability", "--customer", &healthy]).await.expect_ok();
    assert!(
        table.stdout.contains("bounces: 1 of 40 (2.50 %) — healthy (review at 5 %, pause at 10 %)"),
        "{}",
        table.stdout
    );
}
