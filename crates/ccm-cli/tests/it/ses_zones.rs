//! The readers' zone book from the CLI on the emulator: `--timezone` needs the bucket and refuses
//! before changing SES without one, two operators writing at once keep both entries, `ccm ses
//! zones rebuild` makes the book again from the contacts' SES attributes (dry run first), and
//! `ccm ses zones show` counts readers per zone without addresses.

use ccm_core::EmailAddress;

use crate::support::*;

fn address(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

#[tokio::test]
async fn a_time_zone_without_a_metadata_bucket_is_refused_before_anything_changes_in_ses() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let jane = c.address("jane");
    let run = w
        .run(&["ses", "contacts", "add", "--customer", &c.code, "--email", &jane, "--timezone", "Europe/Berlin"])
        .await;
    assert!(!run.ok(), "refused (the error names --bucket): {}", run.stdout);
    assert!(w.contacts(c).await.is_empty(), "nothing was added");
}

#[tokio::test]
async fn two_operators_setting_zones_at_once_keep_both_entries() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    let bucket = w.moto.create_bucket("ccm-zones").await;
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let (ann, bob) = (c.address("ann"), c.address("bob"));
    let add = |who: &str, zone: &str| {
        let args: Vec<String> = ["ses", "contacts", "add", "--customer", &c.code, "--email", who, "--timezone", zone]
            .iter()
            .map(|s| s.to_string())
            .chain(["--bucket".to_owned(), bucket.clone()])
            .collect();
        let w = &w;
        async move { w.run(&args.iter().map(String::as_str).collect::<Vec<_>>()).await }
    };
    let (a, b) = tokio::join!(add(&ann, "Europe/Berlin"), add(&bob, "Asia/Tokyo"));
    a.expect_ok();
    b.expect_ok();
    let book = w.zone_book(&bucket, c).await.expect("a zone book");
    assert_eq!(book.zone_of(&address(&ann)), Some(chrono_tz::Europe::Berlin));
    assert_eq!(book.zone_of(&address(&bob)), Some(chrono_tz::Asia::Tokyo));
}

#[tokio::test]
async fn zones_rebuild_makes_the_book_again_from_the_ses_attributes_and_show_counts_it() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    let bucket = w.with_bucket().await;
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    // Zones set in SES only (the console, or before the zone book existed), one in the book only.
    for who in ["ann", "bob", "cy"] {
        w.run(&[
            "ses",
            "contacts",
            "add",
            "--customer",
            &c.code,
            "--email",
            &c.address(who),
            "--topics",
            "aws-announce",
        ])
        .await
        .expect_ok();
    }
    let ses = w.ses(c).await;
    let list = ses.require_list().await.unwrap().name;
    for (who, zone) in [("ann", chrono_tz::Europe::Berlin), ("bob", chrono_tz::Europe::Berlin)] {
        let mut contact = ses.get_contact(&list, &c.address(who)).await.unwrap().unwrap();
        contact.set_timezone(Some(zone));
        ses.update_contact(&list, &contact).await.unwrap();
    }
    let code = ccm_core::CustomerCode::parse(&c.code).unwrap();
    let gone = address(&c.address("gone"));
    ccm_core::zone_book::update(&w.bucket_store(&bucket), &code, |b| b.set(&gone, Some(chrono_tz::Asia::Tokyo)))
        .await
        .unwrap();

    let rebuild = ["ses", "zones", "rebuild", "--customer", &c.code, "--requests-per-second", "50"];
    let dry = w.json(&[&rebuild[..], &["--dry-run"]].concat()).await.expect_ok();
    let planned = dry.result(&c.code)["result"].clone();
    assert_eq!((planned["added"].as_u64(), planned["removed"].as_u64()), (Some(2), Some(1)), "{planned}");
    assert!(dry.progress.contains(&format!("{} reading contacts: 3", c.code)), "{:?}", dry.progress);
    let untouched = w.zone_book(&bucket, c).await.unwrap();
    assert_eq!(
        (untouched.len(), untouched.zone_of(&gone)),
        (1, Some(chrono_tz::Asia::Tokyo)),
        "a dry run writes nothing"
    );

    w.json(&rebuild).await.expect_ok();
    let book = w.zone_book(&bucket, c).await.unwrap();
    assert_eq!(book.len(), 2);
    assert_eq!(book.zone_of(&address(&c.address("ann"))), Some(chrono_tz::Europe::Berlin));
    assert_eq!(book.zone_of(&gone), None, "an entry SES does not have goes");
    let again = w.json(&rebuild).await.expect_ok();
    assert_eq!(again.result(&c.code)["result"]["changes"], serde_json::json!([]), "a second rebuild changes nothing");

    let shown = w.json(&["ses", "zones", "show", "--customer", &c.code]).await.expect_ok();
    let result = shown.result(&c.code)["result"].clone();
    assert_eq!(result["zones"], serde_json::json!({"Europe/Berlin": 2}));
    assert!(!shown.stdout.contains(&c.address("ann")), "no addresses: {}", shown.stdout);
    let table = w.run(&["ses", "zones", "show", "--customer", &c.code]).await.expect_ok();
    assert!(table.stdout.contains("Europe/Berlin") && table.stdout.contains("2 reader(s)"), "{}", table.stdout);
}
