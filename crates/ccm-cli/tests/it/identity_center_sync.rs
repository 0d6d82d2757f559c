//! `ccm sync` / `ccm identity-center …` against the moto emulator: Identity Center users and groups
//! in each customer's account become contacts of that customer's SES list.

use crate::support;

use ccm_core::config::SubscriptionStatus::{OptIn, OptOut};
use serde_json::json;
use support::World;

const DEVOPS: &str = "ccoe-cloud-shop-prod-123456789012-idp-web-shop-devops";
const SECURITY: &str = "ccoe-cloud-shop-prod-123456789012-idp-web-shop-security";

/// A list, two users (one devops), and a contact added by hand, in customer `i`.
async fn set_up(w: &World, i: usize) -> (support::Directory, String, String) {
    let c = w.customer(i);
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let dir = w.directory(c).await;
    let ann = dir.user("ann", &c.address("ann")).await;
    let bob = dir.user("bob", &c.address("bob")).await;
    let devops = dir.group(DEVOPS).await;
    dir.join(&devops, &ann).await;
    dir.group("administrators").await;
    w.run(&[
        "ses",
        "contacts",
        "add",
        "--customer",
        &c.code,
        "--email",
        &c.address("manual"),
        "--topics",
        "finops-announce",
    ])
    .await
    .expect_ok();
    (dir, ann, bob)
}

#[tokio::test]
async fn sync_adds_users_with_their_role_topics_and_a_second_sync_is_a_no_op() {
    let Some(w) = World::new(2, 0).await else { return };
    for i in 0..2 {
        set_up(&w, i).await;
    }
    let first = w.json(&["sync", "--all-customers", "--requests-per-second", "100"]).await.expect_ok();
    for c in &w.customers {
        let result = first.result(&c.code);
        assert_eq!(result["result"]["applied"]["added"], 2, "{result}");
        let contacts = w.contacts(c).await;
        assert_eq!(contacts.len(), 3);
        let ann = contacts.iter().find(|x| x.email == c.address("ann")).unwrap();
        assert_eq!(ann.topic_preferences["aws-calendar"], OptIn, "devops opts in to the calendar");
        assert_eq!(ann.topic_preferences["aws-announce"], OptIn, "OPT_IN default");
        assert!(ann.is_managed());
        let bob = contacts.iter().find(|x| x.email == c.address("bob")).unwrap();
        assert!(!bob.topic_preferences.contains_key("aws-calendar"));
        let manual = contacts.iter().find(|x| x.email == c.address("manual")).unwrap();
        assert!(!manual.is_managed());
    }
    let before: Vec<_> = futures_contacts(&w).await;
    let second = w.json(&["sync", "--all-customers", "--requests-per-second", "100"]).await.expect_ok();
    for c in &w.customers {
        let plan = &second.result(&c.code)["result"]["plan"];
        assert_eq!(plan["add"], json!([]), "{plan}");
        assert_eq!(plan["update"], json!([]), "{plan}");
        assert_eq!(plan["remove"], json!([]), "{plan}");
        assert_eq!(plan["unchanged"], 2);
        assert_eq!(plan["kept_manual"], 1);
        assert!(second.result(&c.code)["result"].get("applied").is_none());
    }
    assert_eq!(futures_contacts(&w).await, before);
}

async fn futures_contacts(w: &World) -> Vec<Vec<ccm_admin::ContactRecord>> {
    let mut all = Vec::new();
    for c in &w.customers {
        all.push(w.contacts(c).await);
    }
    all
}

#[tokio::test]
async fn a_dry_run_sync_prints_the_plan_and_changes_nothing() {
    let Some(w) = World::new(1, 0).await else { return };
    set_up(&w, 0).await;
    let c = w.customer(0);
    let run = w.json(&["identity-center", "sync", "--customer", &c.code, "--dry-run"]).await.expect_ok();
    let plan = &run.result(&c.code)["result"]["plan"];
    assert_eq!(plan["add"].as_array().unwrap().len(), 2, "{plan}");
    assert_eq!(w.contacts(c).await.len(), 1, "only the manual contact");
    let table = w.run(&["sync", "--customer", &c.code, "--dry-run"]).await.expect_ok();
    assert!(table.stdout.contains("DRY RUN") && table.stdout.contains(&c.address("ann")), "{}", table.stdout);
}

#[tokio::test]
async fn sync_follows_role_changes_and_leavers_but_keeps_what_contacts_chose_and_manual_contacts() {
    let Some(w) = World::new(1, 0).await else { return };
    let (dir, ann, bob) = set_up(&w, 0).await;
    let c = w.customer(0);
    w.json(&["sync", "--customer", &c.code]).await.expect_ok();

    // Ann opts out of announcements herself; Bob becomes security; Ann leaves devops… by leaving.
    w.run(&[
        "ses",
        "contacts",
        "update",
        "--customer",
        &c.code,
        "--email",
        &c.address("ann"),
        "--unsubscribe",
        "aws-announce",
    ])
    .await
    .expect_ok();
    let security = dir.group(SECURITY).await;
    dir.join(&security, &bob).await;
    let run = w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    let plan = &run.result(&c.code)["result"]["plan"];
    assert_eq!(plan["update"].as_array().unwrap().len(), 1, "{plan}");
    let contacts = w.contacts(c).await;
    let bob_contact = contacts.iter().find(|x| x.email == c.address("bob")).unwrap();
    assert_eq!(bob_contact.topic_preferences["aws-approval"], OptIn);
    assert_eq!(bob_contact.topic_preferences["announce-approval"], OptIn);
    let ann_contact = contacts.iter().find(|x| x.email == c.address("ann")).unwrap();
    assert_eq!(ann_contact.topic_preferences["aws-announce"], OptOut, "her own choice stays");

    dir.delete_user(&ann).await;
    w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    let emails: Vec<String> = w.contacts(c).await.into_iter().map(|x| x.email).collect();
    assert_eq!(emails, [c.address("bob"), c.address("manual")], "the leaver is removed, the manual contact stays");
}

#[tokio::test]
async fn additional_contacts_from_config_are_kept_subscribed() {
    let Some(w) = World::new(1, 0).await else { return };
    set_up(&w, 0).await;
    let c = w.customer(0);
    let noc = c.address("noc");
    w.write_config(|doc| {
        doc["customer_mappings"][&c.code]["additional_contacts"] = json!([{"email": noc, "topics": ["aws-calendar"]}]);
    });
    w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    let contact = w.contacts(c).await.into_iter().find(|x| x.email == noc).unwrap();
    assert_eq!(contact.topic_preferences["aws-calendar"], OptIn);
    assert!(contact.is_managed());
}

#[tokio::test]
async fn an_empty_directory_is_refused_instead_of_removing_every_managed_contact() {
    let Some(w) = World::new(1, 0).await else { return };
    let (dir, ann, bob) = set_up(&w, 0).await;
    let c = w.customer(0);
    w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    dir.delete_user(&ann).await;
    dir.delete_user(&bob).await;
    let run = w.json(&["sync", "--customer", &c.code]).await;
    assert!(!run.ok());
    assert!(run.result(&c.code)["error"].as_str().unwrap().contains("--allow-empty-directory"));
    assert_eq!(w.contacts(c).await.len(), 3);
}

#[tokio::test]
async fn customers_without_a_role_are_skipped_and_a_failing_customer_fails_the_run() {
    let Some(w) = World::new(2, 1).await else { return };
    for i in 0..2 {
        set_up(&w, i).await;
    }
    let skipped = w.customer(1).code.clone();
    w.write_config(|doc| {
        doc["customer_mappings"][&skipped].as_object_mut().unwrap().remove("identity_center_role_arn");
    });
    let run = w.json(&["sync", "--all-customers"]).await;
    assert!(!run.ok(), "{}", run.stdout);
    let doc = run.json();
    assert_eq!(
        doc["summary"],
        json!({"total": 3, "succeeded": 1, "failed": 1, "skipped": 1, "duration_ms": doc["summary"]["duration_ms"]})
    );
    assert_eq!(run.result(&w.customer(0).code)["status"], "ok");
    assert_eq!(run.result(&skipped)["status"], "skipped");
    assert_eq!(run.result(&w.customer(2).code)["status"], "failed");
    assert_eq!(w.contacts(w.customer(0)).await.len(), 3);
}

#[tokio::test]
async fn users_and_memberships_are_listed_with_the_roles_their_groups_grant() {
    let Some(w) = World::new(1, 0).await else { return };
    set_up(&w, 0).await;
    let c = w.customer(0);
    let exports = w.path("exports");
    let users = w
        .json(&["identity-center", "users", "--customer", &c.code, "--save", exports.to_str().unwrap()])
        .await
        .expect_ok();
    let result = users.result(&c.code)["result"].clone();
    assert_eq!(result["users"].as_array().unwrap().len(), 2);
    assert!(std::path::Path::new(result["saved"].as_str().unwrap()).is_file());
    let one = w.json(&["identity-center", "users", "--customer", &c.code, "--username", "bob"]).await.expect_ok();
    assert_eq!(one.result(&c.code)["result"]["users"][0]["email"], c.address("bob"));

    let m = w.json(&["identity-center", "memberships", "--customer", &c.code]).await.expect_ok();
    let entries = m.result(&c.code)["result"]["memberships"].clone();
    let ann = entries.as_array().unwrap().iter().find(|e| e["user_name"] == "ann").unwrap().clone();
    assert_eq!(ann["groups"], json!([DEVOPS]));
    assert_eq!(ann["roles"], json!(["devops"]));
}

#[tokio::test]
async fn customers_validate_checks_roles_lists_and_topics() {
    let Some(w) = World::new(1, 1).await else { return };
    set_up(&w, 0).await;
    let run = w.json(&["customers", "validate", "--all-customers"]).await;
    assert!(!run.ok());
    let good = run.result(&w.customer(0).code);
    assert_eq!(good["status"], "ok", "{good}");
    let bad = run.result(&w.customer(1).code);
    assert_eq!(bad["status"], "failed", "{bad}");
    let checks = bad["result"]["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["check"] == "ses role" && c["ok"] == false));
}

#[tokio::test]
async fn a_sync_dry_run_lists_exactly_the_writes_the_real_sync_makes() {
    let Some(w) = World::new(1, 0).await else { return };
    let (dir, ann, bob) = set_up(&w, 0).await;
    let c = w.customer(0);
    w.dry_run_then_real(&["sync", "--customer", &c.code], |_| {}).await;
    // Role changes, a leaver and a newcomer: updates and a removal, listed alike.
    let security = dir.group(SECURITY).await;
    dir.join(&security, &ann).await;
    dir.user("cat", &c.address("cat")).await;
    dir.delete_user(&bob).await;
    let (dry, real) = w.dry_run_then_real(&["sync", "--customer", &c.code], |_| {}).await;
    let ops: Vec<String> =
        real.changes()[&c.code].as_array().unwrap().iter().map(|x| x["op"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ops, ["SES CreateContact", "SES UpdateContact", "SES DeleteContact"], "{}", dry.stdout);
}

#[tokio::test]
async fn a_contact_added_by_hand_is_never_adopted_changed_or_removed_without_adopt() {
    let Some(w) = World::new(1, 0).await else { return };
    let (dir, ann, _) = set_up(&w, 0).await;
    let c = w.customer(0);
    // Ann was on the list before the sync, with a preference of her own.
    let mut own = ccm_admin::ContactRecord::new(c.address("ann"));
    own.topic_preferences.insert("aws-calendar".into(), OptOut);
    w.ses(c).await.create_contact("ccoe-customer-contacts", &own).await.unwrap();

    let run = w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    let plan = &run.result(&c.code)["result"]["plan"];
    assert_eq!(plan["not_adopted"], json!([c.address("ann")]), "{plan}");
    let table = w.run(&["sync", "--customer", &c.code, "--dry-run"]).await.expect_ok();
    assert!(table.stdout.contains("--adopt takes it over"), "the plan says why: {}", table.stdout);
    let after = w.contacts(c).await.into_iter().find(|x| x.email == c.address("ann")).unwrap();
    assert_eq!(after, own, "untouched");

    dir.delete_user(&ann).await;
    w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    let still = w.contacts(c).await.into_iter().find(|x| x.email == c.address("ann"));
    assert_eq!(still, Some(own), "her user left; the contact added by hand stays as it was");
}

#[tokio::test]
async fn an_adopted_contact_is_shown_in_the_plan_and_handed_back_not_deleted_when_its_user_leaves() {
    let Some(w) = World::new(1, 0).await else { return };
    let (dir, ann, _) = set_up(&w, 0).await;
    let c = w.customer(0);
    let mut own = ccm_admin::ContactRecord::new(c.address("ann"));
    own.topic_preferences.insert("finops-announce".into(), OptIn);
    w.ses(c).await.create_contact("ccoe-customer-contacts", &own).await.unwrap();

    let dry = w.json(&["sync", "--customer", &c.code, "--adopt", "--dry-run"]).await.expect_ok();
    let update = dry.result(&c.code)["result"]["plan"]["update"].clone();
    assert_eq!(update[0]["kind"], "adopt", "{update}");
    w.json(&["sync", "--customer", &c.code, "--adopt"]).await.expect_ok();
    let adopted = w.contacts(c).await.into_iter().find(|x| x.email == c.address("ann")).unwrap();
    assert!(adopted.marker().unwrap().adopted);
    assert_eq!(adopted.topic_preferences["aws-calendar"], OptIn, "devops role");

    dir.delete_user(&ann).await;
    let run = w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    assert_eq!(run.result(&c.code)["result"]["plan"]["update"][0]["kind"], "release");
    let released = w.contacts(c).await.into_iter().find(|x| x.email == c.address("ann")).unwrap();
    assert!(!released.is_managed());
    assert_eq!(released.topic_preferences, own.topic_preferences, "only her own preference is left");
}

#[tokio::test]
async fn a_sync_removing_more_than_the_threshold_stops_unless_allowed() {
    let Some(w) = World::new(1, 0).await else { return };
    let (dir, _, _) = set_up(&w, 0).await;
    let c = w.customer(0);
    let mut extra = Vec::new();
    for name in ["cat", "dan", "eve"] {
        extra.push(dir.user(name, &c.address(name)).await);
    }
    w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    for user in &extra {
        dir.delete_user(user).await;
    }
    let before = w.contacts(c).await;

    // 3 of 5 managed contacts (60 %): refused, in the dry run too, and nothing changes.
    for dry in [true, false] {
        let mut args = vec!["sync", "--customer", &c.code];
        if dry {
            args.push("--dry-run");
        }
        let run = w.json(&args).await;
        assert!(!run.ok(), "{}", run.stdout);
        let result = run.result(&c.code);
        assert!(result["error"].as_str().unwrap().contains("3 of 5 managed contacts"), "{result}");
        assert!(result["error"].as_str().unwrap().contains("--allow-mass-removal"), "{result}");
        assert_eq!(result["result"]["plan"]["remove"].as_array().unwrap().len(), 3, "the plan is shown");
        assert_eq!(w.contacts(c).await, before);
    }
    let table = w.run(&["sync", "--customer", &c.code]).await;
    assert!(table.stdout.contains("refused, nothing changed"), "{}", table.stdout);

    // The threshold is configurable, and the guard can be lifted for one run.
    w.json(&["sync", "--customer", &c.code, "--max-removal-percent", "60", "--dry-run"]).await.expect_ok();
    w.json(&["sync", "--customer", &c.code, "--allow-mass-removal"]).await.expect_ok();
    assert_eq!(w.contacts(c).await.len(), 3, "ann, bob and the manual contact");
}

#[tokio::test]
async fn two_customers_on_one_ses_account_are_not_synced_against_each_other() {
    let Some(w) = World::new(2, 0).await else { return };
    set_up(&w, 0).await;
    let (first, second) = (w.customer(0), w.customer(1));
    w.write_config(|doc| {
        doc["customer_mappings"][&second.code]["ses_role_arn"] =
            json!(format!("arn:aws:iam::{}:role/ccm-ses", first.account));
    });
    let before = w.contacts(first).await;
    let run = w.json(&["sync", "--all-customers"]).await;
    assert!(!run.ok());
    for c in [first, second] {
        let result = run.result(&c.code);
        assert_eq!(result["status"], "failed");
        assert!(result["error"].as_str().unwrap().contains("share SES account"), "{result}");
    }
    assert_eq!(w.contacts(first).await, before);
    let validate = w.json(&["config", "validate"]).await;
    assert!(!validate.ok());
    assert!(
        validate.stdout.contains(&format!("customer_mappings.{}.ses_role_arn", second.code)),
        "{}",
        validate.stdout
    );
}

#[tokio::test]
async fn ccm_sync_skips_a_named_customer_without_an_identity_center_role() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    w.write_config(|doc| {
        doc["customer_mappings"][&c.code].as_object_mut().unwrap().remove("identity_center_role_arn");
    });
    let run = w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    assert_eq!(run.result(&c.code)["status"], "skipped");
    let explicit = w.json(&["identity-center", "sync", "--customer", &c.code]).await;
    assert!(!explicit.ok(), "identity-center sync names the missing role");
    assert!(explicit.result(&c.code)["error"].as_str().unwrap().contains("identity_center_role_arn"));
}

#[tokio::test]
async fn reading_the_contacts_shows_progress_with_their_number() {
    let Some(w) = World::new(1, 0).await else { return };
    set_up(&w, 0).await;
    let c = w.customer(0);
    let run = w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    assert!(run.progress.contains(&format!("{} reading contacts: 1", c.code)), "{:?}", run.progress);
    let again = w.json(&["sync", "--customer", &c.code]).await.expect_ok();
    assert!(again.progress.contains(&format!("{} reading contacts: 3", c.code)), "{:?}", again.progress);
}

#[tokio::test]
async fn a_users_identity_center_time_zone_becomes_their_contacts_attribute_and_an_invalid_one_is_skipped() {
    let Some(w) = World::new(1, 0).await else { return };
    let c = w.customer(0);
    let bucket = w.with_bucket().await;
    w.run(&["ses", "list", "create", "--customer", &c.code]).await.expect_ok();
    let dir = w.directory(c).await;
    dir.user_in_zone("ann", &c.address("ann"), Some("Europe/Berlin")).await;
    dir.user_in_zone("bob", &c.address("bob"), Some("Mars/Olympus")).await;
    dir.user("cy", &c.address("cy")).await;
    let out = w.json(&["sync", "--customer", &c.code, "--requests-per-second", "100"]).await.expect_ok();
    assert_eq!(out.result(&c.code)["result"]["applied"]["added"], 3, "an invalid zone is not fatal");
    let contacts = w.contacts(c).await;
    let zone = |who: &str| contacts.iter().find(|x| x.email == c.address(who)).unwrap().timezone();
    assert_eq!(zone("ann"), Some(chrono_tz::Europe::Berlin));
    assert_eq!(zone("bob"), None);
    assert_eq!(zone("cy"), None);
    assert!(contacts.iter().all(|x| x.is_managed()));
    // The zone book the processor reads has the same zones, by recipient hash.
    let book = w.zone_book(&bucket, c).await.expect("the sync wrote the zone book");
    let in_book = |who: &str| book.zone_of(&ccm_core::EmailAddress::parse(&c.address(who)).unwrap());
    assert_eq!(in_book("ann"), Some(chrono_tz::Europe::Berlin));
    assert_eq!((in_book("bob"), in_book("cy"), book.len()), (None, None, 1));
    // A user without a zone leaves an operator's entry alone.
    let cy = c.address("cy");
    w.run(&["ses", "contacts", "update", "--customer", &c.code, "--email", &cy, "--timezone", "Asia/Tokyo"])
        .await
        .expect_ok();
    w.json(&["sync", "--customer", &c.code, "--requests-per-second", "100"]).await.expect_ok();
    let book = w.zone_book(&bucket, c).await.unwrap();
    assert_eq!(book.zone_of(&ccm_core::EmailAddress::parse(&cy).unwrap()), Some(chrono_tz::Asia::Tokyo));
    assert_eq!(book.len(), 2);
}
