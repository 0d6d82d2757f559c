//! `ccm ses …` against the moto emulator, each customer in its own account.

mod support;

use std::collections::BTreeMap;

use ccm_core::config::SubscriptionStatus::{OptIn, OptOut};
use serde_json::json;
use support::{World, write_json};

#[tokio::test]
async fn one_failing_customer_does_not_stop_the_others_and_the_exit_code_says_so() {
    let Some(w) = World::new(2, 1).await else { return };
    let run = w.json(&["ses", "list", "create", "--all-customers"]).await;
    assert!(!run.ok(), "{}", run.stdout);
    let doc = run.json();
    assert_eq!(doc["summary"]["failed"], 1, "{doc}");
    assert_eq!(doc["summary"]["succeeded"], 2, "{doc}");
    let denied = run.result(&w.customer(2).code);
    assert_eq!(denied["status"], "failed");
    assert!(denied["error"].as_str().unwrap().contains("AccessDenied"), "{denied}");
    for i in 0..2 {
        let list = w.ses(w.customer(i)).await.require_list().await.unwrap();
        assert_eq!(list.name, "ccoe-customer-contacts");
        assert!(list.topic_names().contains("aws-approval"));
    }
    // Again: the lists exist, nothing is re-created, the working customers still succeed.
    let again = w.json(&["ses", "list", "create", "--customer", &w.customer(0).code]).await;
    assert!(again.ok());
    assert_eq!(again.result(&w.customer(0).code)["result"]["action"], "exists");
}

#[tokio::test]
async fn dry_run_list_creation_changes_nothing() {
    let Some(w) = World::new(1, 0).await else { return };
    let run = w.json(&["ses", "list", "create", "--all-customers", "--dry-run"]).await;
    assert!(run.ok(), "{}", run.stdout);
    assert_eq!(run.result(&w.customer(0).code)["result"]["action"], "would_create");
    assert!(w.ses(w.customer(0)).await.resolve_list().await.unwrap().is_none());
}

async fn seed_contacts(w: &World, n: usize) -> Vec<ccm_aws::admin::ContactRecord> {
    let c = w.customer(0);
    let ses = w.ses(c).await;
    let mut out = Vec::new();
    for i in 0..n {
        let mut contact = ccm_aws::admin::ContactRecord::new(c.address(&format!("user{i:02}")));
        if i % 2 == 0 {
            contact.topic_preferences.insert("aws-calendar".into(), OptIn);
        }
        if i % 3 == 0 {
            contact.topic_preferences.insert("aws-announce".into(), OptOut);
        }
        contact.unsubscribe_all = i == 4;
        if i == 5 {
            contact.attributes_data = Some(r#"{"managed_by":"ccm","topics_set":["aws-calendar"]}"#.into());
        }
        ses.create_contact("ccoe-customer-contacts", &contact).await.unwrap();
        out.push(contact);
    }
    out
}

#[tokio::test]
async fn a_topic_change_keeps_every_contact_and_its_preferences_across_pages() {
    let Some(w) = World::new(1, 0).await else { return };
    let code = w.customer(0).code.clone();
    w.run(&["ses", "list", "create", "--customer", &code]).await.expect_ok();
    seed_contacts(&w, 7).await;
    let before = w.contacts(w.customer(0)).await;

    // A changed display name and default, a new topic, a dropped topic.
    let mut ses_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&w.ses_config).unwrap()).unwrap();
    ses_config["topic_group_members"][0]["DisplayName"] = json!("Change Calendar (renamed)");
    ses_config["topic_group_members"][1]["DefaultSubscriptionStatus"] = json!("OPT_OUT");
    let topics = ses_config["topics"].as_array_mut().unwrap();
    topics.retain(|t| t["TopicName"] != "subscription-preferences");
    topics.push(json!({"TopicName": "wiz-announce", "DisplayName": "Wiz", "Description": "Wiz news",
                       "DefaultSubscriptionStatus": "OPT_OUT", "OptInRoles": []}));
    write_json(&w.ses_config, &ses_config);

    let dry = w.json(&["ses", "topics", "apply", "--customer", &code, "--dry-run"]).await;
    assert!(dry.ok(), "{}", dry.stdout);
    let plan = &dry.result(&code)["result"]["plan"];
    assert_eq!(plan["add"][0]["TopicName"], "wiz-announce", "{plan}");
    assert_eq!(plan["update"].as_array().unwrap().len(), 2, "{plan}");
    assert_eq!(plan["kept"][0]["TopicName"], "subscription-preferences", "{plan}");
    assert!(!w.ses(w.customer(0)).await.require_list().await.unwrap().topic_names().contains("wiz-announce"));

    let run = w.json(&["ses", "topics", "apply", "--customer", &code]).await;
    assert!(run.ok(), "{}", run.stdout);
    let list = w.ses(w.customer(0)).await.require_list().await.unwrap();
    assert!(list.topic_names().contains("wiz-announce"));
    assert!(list.topic_names().contains("subscription-preferences"), "kept without --prune");
    assert_eq!(list.default_of("aws-announce"), Some(OptOut));

    // Every contact is still there with the same preferences, read in pages of two.
    let listed = w.json(&["ses", "contacts", "list", "--customer", &code, "--page-size", "2"]).await;
    assert_eq!(listed.result(&code)["result"]["count"], 7);
    assert_eq!(w.contacts(w.customer(0)).await, before);

    // Applying again is a no-op.
    let again = w.json(&["ses", "topics", "apply", "--customer", &code]).await;
    assert_eq!(again.result(&code)["result"]["applied"], false);
}

#[tokio::test]
async fn backup_then_remove_all_then_restore_round_trips_every_contact() {
    let Some(w) = World::new(1, 0).await else { return };
    let code = w.customer(0).code.clone();
    w.run(&["ses", "list", "create", "--customer", &code]).await.expect_ok();
    seed_contacts(&w, 5).await;
    let before = w.contacts(w.customer(0)).await;
    let backups = w.path("backups");
    let backups = backups.to_str().unwrap();

    let backup =
        w.json(&["ses", "backup", "--customer", &code, "--dir", backups, "--requests-per-second", "100"]).await;
    assert!(backup.ok(), "{}", backup.stdout);
    let file = backup.result(&code)["result"]["file"].as_str().unwrap().to_owned();
    assert!(file.contains("ses-backup-ccoe-customer-contacts-"), "{file}");

    let dry =
        w.json(&["ses", "contacts", "remove-all", "--customer", &code, "--dry-run", "--backup-dir", backups]).await;
    assert!(dry.ok());
    assert_eq!(w.contacts(w.customer(0)).await.len(), 5, "dry run removed nothing");

    let removed = w
        .json(&[
            "ses",
            "contacts",
            "remove-all",
            "--customer",
            &code,
            "--yes",
            "--backup-dir",
            backups,
            "--requests-per-second",
            "100",
        ])
        .await;
    assert!(removed.ok(), "{}", removed.stdout);
    assert!(w.contacts(w.customer(0)).await.is_empty());

    let restored =
        w.json(&["ses", "restore", "--customer", &code, "--file", &file, "--requests-per-second", "100"]).await;
    assert!(restored.ok(), "{}", restored.stdout);
    assert_eq!(w.contacts(w.customer(0)).await, before);
}

#[tokio::test]
async fn updating_a_contact_keeps_the_preferences_it_was_not_asked_to_change() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let jane = c.address("jane");
    let add = w
        .json(&[
            "ses",
            "contacts",
            "add",
            "--customer",
            &c.code,
            "--email",
            &jane,
            "--topics",
            "aws-calendar,aws-approval",
        ])
        .await;
    assert!(add.ok(), "{}", add.stdout);
    w.run(&["ses", "contacts", "update", "--customer", &c.code, "--email", &jane, "--unsubscribe-all", "true"])
        .await
        .expect_ok();

    let dry = w
        .json(&[
            "ses",
            "contacts",
            "update",
            "--customer",
            &c.code,
            "--email",
            &jane,
            "--unsubscribe",
            "aws-calendar",
            "--dry-run",
        ])
        .await;
    assert_eq!(dry.result(&c.code)["result"]["action"], "would_update");
    let upd = w
        .json(&[
            "ses",
            "contacts",
            "update",
            "--customer",
            &c.code,
            "--email",
            &jane,
            "--unsubscribe",
            "aws-calendar",
            "--subscribe",
            "cic-announce",
        ])
        .await;
    assert!(upd.ok(), "{}", upd.stdout);

    let contact = w.contacts(c).await.into_iter().find(|x| x.email == jane).unwrap();
    assert_eq!(
        contact.topic_preferences,
        BTreeMap::from([
            ("aws-approval".into(), OptIn),
            ("aws-calendar".into(), OptOut),
            ("cic-announce".into(), OptIn)
        ])
    );
    assert!(contact.unsubscribe_all, "unsubscribe-all was not asked about and stays");

    let unknown =
        w.json(&["ses", "contacts", "update", "--customer", &c.code, "--email", &jane, "--subscribe", "nope"]).await;
    assert!(!unknown.ok());

    let removed = w.json(&["ses", "contacts", "remove", "--customer", &c.code, "--email", &jane]).await;
    assert_eq!(removed.result(&c.code)["result"]["action"], "removed");
    assert!(w.contacts(c).await.is_empty());
}

#[tokio::test]
async fn a_subscription_file_opts_addresses_in_and_out_of_topics() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let (a, b) = (c.address("a"), c.address("b"));
    let file = w.path("SubscriptionConfig.json");
    write_json(&file, &json!({"aws-calendar": [a, b], "aws-approval": [a]}));
    let file = file.to_str().unwrap();

    let dry = w.json(&["ses", "subscribe", "--customer", &c.code, "--file", file, "--dry-run"]).await;
    assert!(dry.ok(), "{}", dry.stdout);
    assert!(w.contacts(c).await.is_empty());

    w.run(&["ses", "subscribe", "--customer", &c.code, "--file", file]).await.expect_ok();
    let contacts = w.contacts(c).await;
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        contacts[0].topic_preferences,
        BTreeMap::from([("aws-approval".into(), OptIn), ("aws-calendar".into(), OptIn)])
    );

    write_json(std::path::Path::new(file), &json!({"aws-calendar": [a]}));
    w.run(&["ses", "unsubscribe", "--customer", &c.code, "--file", file]).await.expect_ok();
    let contacts = w.contacts(c).await;
    assert_eq!(
        contacts[0].topic_preferences,
        BTreeMap::from([("aws-approval".into(), OptIn), ("aws-calendar".into(), OptOut)])
    );
    assert_eq!(contacts[1].topic_preferences["aws-calendar"], OptIn, "b was not in the file");

    let described = w.json(&["ses", "list", "describe", "--customer", &c.code]).await;
    let topics = described.result(&c.code)["result"]["topics"].clone();
    let calendar = topics.as_array().unwrap().iter().find(|t| t["topic"] == "aws-calendar").unwrap().clone();
    assert_eq!((calendar["subscribed"].as_u64(), calendar["opted_out"].as_u64()), (Some(1), Some(1)), "{calendar}");
}

#[tokio::test]
async fn suppression_add_list_and_remove() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    let (x, y) = (c.address("bounced"), c.address("complained"));
    w.run(&["ses", "suppression", "add", "--customer", &c.code, "--email", &x]).await.expect_ok();
    w.run(&["ses", "suppression", "add", "--customer", &c.code, "--email", &y, "--reason", "complaint"])
        .await
        .expect_ok();
    let listed = w.json(&["ses", "suppression", "list", "--customer", &c.code]).await;
    assert_eq!(listed.result(&c.code)["result"]["suppressed"].as_array().unwrap().len(), 2, "{}", listed.stdout);
    let bounces = w.json(&["ses", "suppression", "list", "--customer", &c.code, "--reason", "bounce"]).await;
    assert_eq!(bounces.result(&c.code)["result"]["suppressed"][0]["email"], x.as_str());
    w.run(&["ses", "suppression", "remove", "--customer", &c.code, "--email", &x]).await.expect_ok();
    let after = w.json(&["ses", "suppression", "list", "--customer", &c.code]).await;
    assert_eq!(after.result(&c.code)["result"]["suppressed"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn send_test_mails_one_rendered_notification_to_one_address() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    w.ses(c).await.client().create_email_identity().email_identity(support::SENDER_DOMAIN).send().await.unwrap();
    let to = c.address("tester");
    let dry = w.json(&["ses", "send-test", "--customer", &c.code, "--to", &to, "--dry-run"]).await;
    assert!(dry.ok(), "{}", dry.stdout);
    assert!(w.moto.sent_to(&c.account, &to).await.is_empty());
    let run = w
        .json(&[
            "ses",
            "send-test",
            "--customer",
            &c.code,
            "--to",
            &to,
            "--event",
            "approval-request",
            "--kind",
            "finops",
        ])
        .await;
    assert!(run.ok(), "{}", run.stdout);
    let sent = w.moto.sent_to(&c.account, &to).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].subject.as_deref().unwrap_or_default().starts_with("[TEST]"), "{:?}", sent[0].subject);
}
