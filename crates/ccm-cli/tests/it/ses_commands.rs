//! `ccm ses …` against the moto emulator, each customer in its own account.

use crate::support;

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
    let error = denied["error"].as_str().unwrap();
    let role = format!("arn:aws:iam::{}:role/ccm-denied-ses", w.customer(2).account);
    assert!(error.starts_with(&format!("STS AssumeRole of {role} failed: AccessDenied: ")), "{error}");
    assert!(error.ends_with("(SES ListContactLists was not called)"), "{error}");
    assert!(!error.contains("Error {") && !error.contains("dispatch failure"), "no Debug dump: {error}");
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

async fn seed_contacts(w: &World, n: usize) -> Vec<ccm_admin::ContactRecord> {
    let c = w.customer(0);
    let ses = w.ses(c).await;
    let mut out = Vec::new();
    for i in 0..n {
        let mut contact = ccm_admin::ContactRecord::new(c.address(&format!("user{i:02}")));
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
async fn a_contacts_time_zone_is_set_on_add_changed_on_update_and_cleared_keeping_its_preferences() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    let bucket = w.with_bucket().await;
    let in_book = |who: &str| {
        let (w, bucket, who) = (&w, &bucket, ccm_core::EmailAddress::parse(who).unwrap());
        async move { w.zone_book(bucket, c).await.and_then(|b| b.zone_of(&who)) }
    };
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let jane = c.address("jane");
    let contacts = ["ses", "contacts"];
    let base = ["--customer", c.code.as_str(), "--email", jane.as_str()];
    let add = [&contacts[..], &["add"], &base, &["--topics", "aws-approval", "--timezone", "Europe/Berlin"]].concat();
    w.run(&add).await.expect_ok();
    let jane_now = || async { w.contacts(c).await.into_iter().find(|x| x.email == jane).unwrap() };
    let contact = jane_now().await;
    assert_eq!(contact.timezone(), Some(chrono_tz::Europe::Berlin));
    assert_eq!(contact.topic_preferences, BTreeMap::from([("aws-approval".into(), OptIn)]));
    assert_eq!(in_book(&jane).await, Some(chrono_tz::Europe::Berlin), "the zone book has it too");

    let update = [&contacts[..], &["update"], &base, &["--timezone", "Asia/Tokyo"]].concat();
    let out = w.json(&update).await;
    assert_eq!(out.result(&c.code)["result"]["action"], "updated", "{}", out.stdout);
    assert_eq!(jane_now().await.timezone(), Some(chrono_tz::Asia::Tokyo));
    assert_eq!(in_book(&jane).await, Some(chrono_tz::Asia::Tokyo));
    assert_eq!(out.result(&c.code)["result"]["zone_book"], "written");

    let bad = [&["ccm"][..], &contacts, &["update"], &base, &["--timezone", "Mars/Olympus"]].concat();
    let refused = <ccm_cli::Cli as clap::Parser>::try_parse_from(bad).map(|_| ()).unwrap_err().to_string();
    assert!(refused.contains("not an IANA time zone"), "an unknown zone is refused: {refused}");
    assert_eq!(jane_now().await.timezone(), Some(chrono_tz::Asia::Tokyo));

    w.run(&[&contacts[..], &["update"], &base, &["--clear-timezone"]].concat()).await.expect_ok();
    let contact = jane_now().await;
    assert_eq!(contact.timezone(), None);
    assert_eq!(contact.topic_preferences, BTreeMap::from([("aws-approval".into(), OptIn)]), "preferences stay");
    assert_eq!(in_book(&jane).await, None, "--clear-timezone removes the book's entry");
    assert!(w.zone_book(&bucket, c).await.unwrap().is_empty());
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

#[tokio::test]
async fn every_changing_ses_command_lists_in_its_dry_run_exactly_what_the_real_run_writes() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    let code = c.code.as_str();
    let same = |_: &mut serde_json::Value| {};
    w.dry_run_then_real(&["ses", "list", "create", "--customer", code], same).await;

    let mut ses_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&w.ses_config).unwrap()).unwrap();
    ses_config["topics"].as_array_mut().unwrap().push(json!({"TopicName": "wiz-announce", "DisplayName": "Wiz",
        "Description": "Wiz news", "DefaultSubscriptionStatus": "OPT_OUT", "OptInRoles": []}));
    write_json(&w.ses_config, &ses_config);
    w.dry_run_then_real(&["ses", "topics", "apply", "--customer", code], same).await;

    let (jane, kim) = (c.address("jane"), c.address("kim"));
    let contacts = ["ses", "contacts"];
    w.dry_run_then_real(
        &[&contacts[..], &["add", "--customer", code, "--email", &jane, "--topics", "aws-calendar"]].concat(),
        same,
    )
    .await;
    let update = [
        "update",
        "--customer",
        code,
        "--email",
        &jane,
        "--unsubscribe",
        "aws-calendar",
        "--subscribe",
        "wiz-announce",
    ];
    w.dry_run_then_real(&[&contacts[..], &update].concat(), same).await;

    let file = w.path("SubscriptionConfig.json");
    write_json(&file, &json!({"aws-announce": [jane, kim], "aws-approval": [kim]}));
    let file = file.to_str().unwrap();
    w.dry_run_then_real(&["ses", "subscribe", "--customer", code, "--file", file], same).await;
    write_json(std::path::Path::new(file), &json!({"aws-announce": [kim]}));
    w.dry_run_then_real(&["ses", "unsubscribe", "--customer", code, "--file", file], same).await;

    let bounced = c.address("bounced");
    w.dry_run_then_real(&["ses", "suppression", "add", "--customer", code, "--email", &bounced], same).await;
    let again = w.json(&["ses", "suppression", "add", "--customer", code, "--email", &bounced, "--dry-run"]).await;
    assert_eq!(again.changes()[code], json!([]), "already suppressed: nothing to write");
    w.dry_run_then_real(&["ses", "suppression", "remove", "--customer", code, "--email", &bounced], same).await;

    let backups = w.path("backups");
    let backups = backups.to_str().unwrap();
    let backup = w.json(&["ses", "backup", "--customer", code, "--dir", backups]).await.expect_ok();
    let backup_file = backup.result(code)["result"]["file"].as_str().unwrap().to_owned();
    w.dry_run_then_real(&[&contacts[..], &["remove", "--customer", code, "--email", &jane]].concat(), same).await;
    w.dry_run_then_real(&["ses", "restore", "--customer", code, "--file", &backup_file], same).await;
    w.run(&[&contacts[..], &["update", "--customer", code, "--email", &kim, "--unsubscribe-all", "true"]].concat())
        .await
        .expect_ok();
    let (dry, _) =
        w.dry_run_then_real(&["ses", "restore", "--customer", code, "--file", &backup_file, "--overwrite"], same).await;
    let planned = dry.changes();
    let reset: Vec<&str> = planned[code].as_array().unwrap().iter().map(|x| x["target"].as_str().unwrap()).collect();
    assert_eq!(reset, [kim.as_str()], "contacts already as in the backup are not listed as updates");
    w.dry_run_then_real(
        &[&contacts[..], &["remove-all", "--customer", code, "--yes", "--backup-dir", backups]].concat(),
        same,
    )
    .await;
    assert!(w.contacts(c).await.is_empty());

    w.ses(c).await.client().create_email_identity().email_identity(support::SENDER_DOMAIN).send().await.unwrap();
    let to = c.address("tester");
    // The subject names a sample object with a fresh id each run.
    let without_subject = |changes: &mut serde_json::Value| {
        for change in changes.as_array_mut().into_iter().flatten() {
            change["detail"].as_object_mut().map(|d| d.remove("subject"));
        }
    };
    w.dry_run_then_real(&["ses", "send-test", "--customer", code, "--to", &to], without_subject).await;
}

async fn add(w: &World, code: &str, email: &str, topics: &str, force: bool) -> support::Run {
    let mut args = vec!["ses", "contacts", "add", "--customer", code, "--email", email, "--topics", topics];
    if force {
        args.push("--force");
    }
    w.json(&args).await.expect_ok()
}

#[tokio::test]
async fn contacts_add_lower_cases_the_address_and_keeps_a_topic_the_contact_opted_out_of() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let typed = format!("Jane.Doe@{}.EXAMPLE.org", c.code);
    let stored = typed.to_lowercase();
    add(&w, &c.code, &typed, "aws-calendar", false).await;
    let contacts = w.contacts(c).await;
    assert_eq!(contacts.iter().map(|x| x.email.as_str()).collect::<Vec<_>>(), [stored.as_str()]);

    // She opts out of the calendar; adding her again (any spelling) keeps her choice.
    w.run(&[
        "ses",
        "contacts",
        "update",
        "--customer",
        &c.code,
        "--email",
        &typed.to_uppercase(),
        "--unsubscribe",
        "aws-calendar",
    ])
    .await
    .expect_ok();
    let again = add(&w, &c.code, &typed, "aws-calendar,aws-approval", false).await;
    assert_eq!(again.result(&c.code)["result"]["kept_opt_out"], json!(["aws-calendar"]));
    let jane = w.contacts(c).await.remove(0);
    assert_eq!(jane.email, stored, "no second contact");
    assert_eq!(jane.topic_preferences["aws-calendar"], OptOut);
    assert_eq!(jane.topic_preferences["aws-approval"], OptIn);

    // A bulk subscription keeps it too, unless forced; --force on add opts her in.
    let file = w.path("SubscriptionConfig.json");
    write_json(&file, &json!({"aws-calendar": [typed]}));
    let file = file.to_str().unwrap();
    let bulk = w.json(&["ses", "subscribe", "--customer", &c.code, "--file", file]).await.expect_ok();
    assert_eq!(bulk.changes()[&c.code], json!([]), "{}", bulk.stdout);
    add(&w, &c.code, &typed, "aws-calendar", true).await;
    assert_eq!(w.contacts(c).await[0].topic_preferences["aws-calendar"], OptIn);
}

#[tokio::test]
async fn contacts_are_read_within_the_rate_limit_with_a_progress_count() {
    let Some(w) = World::new(1, 0).await else { return };
    let code = w.customer(0).code.clone();
    w.run(&["ses", "list", "create", "--customer", &code]).await.expect_ok();
    seed_contacts(&w, 10).await;
    let started = std::time::Instant::now();
    let backup = w
        .json(&[
            "ses",
            "backup",
            "--customer",
            &code,
            "--dir",
            w.path("b").to_str().unwrap(),
            "--requests-per-second",
            "20",
            "--max-concurrency",
            "5",
        ])
        .await
        .expect_ok();
    // Ten GetContact calls at 20 per second, however many are in flight: at least 9 × 50 ms.
    assert!(started.elapsed() >= std::time::Duration::from_millis(450), "{:?}", started.elapsed());
    assert_eq!(backup.result(&code)["result"]["contacts"], 10);
    assert!(backup.progress.contains(&format!("{code} reading contacts: 10")), "{:?}", backup.progress);
}
