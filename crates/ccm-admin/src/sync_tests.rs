//! The sync plan's rules, one test each.

use ccm_core::TopicName;
use ccm_core::config::SubscriptionStatus::{OptIn, OptOut};

use super::*;

fn topic(name: &str, default: SubscriptionStatus, roles: &[&str]) -> ExpandedTopic {
    ExpandedTopic {
        name: TopicName::parse(name).unwrap(),
        display_name: name.into(),
        description: String::new(),
        default_status: default,
        opt_in_roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn topics() -> Vec<ExpandedTopic> {
    vec![
        topic("aws-announce", OptIn, &[]),
        topic("aws-calendar", OptOut, &["devops", "security"]),
        topic("aws-approval", OptOut, &["security"]),
    ]
}

fn names() -> BTreeSet<String> {
    topics().iter().map(|t| t.name.as_str().to_owned()).collect()
}

fn user(id: &str, email: &str, active: bool) -> DirectoryUser {
    DirectoryUser {
        user_id: id.into(),
        user_name: id.into(),
        display_name: None,
        email: Some(email.into()),
        given_name: None,
        family_name: None,
        active,
        timezone: None,
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn wanted(email: &str, topics: &[&str]) -> Wanted {
    Wanted { email: email.into(), topics: set(topics), source: "identity-center", timezone: None }
}

/// The plan without adoption.
fn plan(current: &[ContactRecord], wanted: &[Wanted]) -> SyncPlan {
    super::plan(current, wanted, PlanOptions::default())
}

fn adopting(current: &[ContactRecord], wanted: &[Wanted]) -> SyncPlan {
    super::plan(current, wanted, PlanOptions { adopt: true })
}

#[test]
fn users_get_the_opt_in_defaults_and_the_topics_of_their_roles() {
    let users = [user("u1", "dev@x.com", true), user("u2", "sec@x.com", true), user("u3", "gone@x.com", false)];
    let roles = BTreeMap::from([("u1".to_owned(), set(&["devops"])), ("u2".to_owned(), set(&["Security"]))]);
    let (w, missing) = wanted_contacts(&users, &roles, &topics(), &names(), &[]);
    assert!(missing.is_empty());
    assert_eq!(
        w,
        [
            wanted("dev@x.com", &["aws-announce", "aws-calendar"]),
            wanted("sec@x.com", &["aws-announce", "aws-approval", "aws-calendar"])
        ]
    );
}

#[test]
fn additional_contacts_are_wanted_and_unknown_topics_are_reported() {
    let extra = AdditionalContact {
        email: ccm_core::EmailAddress::parse("noc@x.com").unwrap(),
        topics: vec![TopicName::parse("aws-calendar").unwrap(), TopicName::parse("nope").unwrap()],
    };
    let (w, missing) = wanted_contacts(&[], &BTreeMap::new(), &topics(), &names(), &[extra]);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].topics, set(&["aws-calendar"]));
    assert_eq!(w[0].source, "config");
    assert_eq!(missing, set(&["nope"]));
}

#[test]
fn new_users_are_added_opted_in_and_marked() {
    let p = plan(&[], &[wanted("a@x.com", &["aws-announce"])]);
    assert_eq!(p.add.len(), 1);
    assert_eq!(p.add[0].topic_preferences, BTreeMap::from([("aws-announce".to_owned(), OptIn)]));
    assert_eq!(p.add[0].marker().unwrap().topics_set, set(&["aws-announce"]));
}

#[test]
fn planning_again_after_applying_changes_nothing() {
    let w = [wanted("a@x.com", &["aws-announce", "aws-calendar"])];
    let first = plan(&[], &w);
    let second = plan(&first.add, &w);
    assert!(second.is_empty(), "{second:?}");
    assert_eq!(second.unchanged, 1);
}

#[test]
fn a_new_role_opts_a_managed_contact_in_and_keeps_its_own_opt_out() {
    let mut c = plan(&[], &[wanted("a@x.com", &["aws-announce"])]).add.remove(0);
    c.topic_preferences.insert("aws-announce".into(), OptOut); // the contact unsubscribed
    let p = plan(&[c], &[wanted("A@x.com", &["aws-announce", "aws-calendar"])]);
    let after = &p.update[0].after;
    assert_eq!(after.topic_preferences["aws-announce"], OptOut);
    assert_eq!(after.topic_preferences["aws-calendar"], OptIn);
    assert_eq!(p.update[0].kind, UpdateKind::Update);
}

#[test]
fn a_lost_role_withdraws_only_the_opt_in_ccm_set() {
    let mut c = plan(&[], &[wanted("a@x.com", &["aws-announce", "aws-calendar", "aws-approval"])]).add.remove(0);
    c.topic_preferences.insert("aws-approval".into(), OptOut);
    let p = plan(&[c], &[wanted("a@x.com", &["aws-announce"])]);
    let after = &p.update[0].after;
    assert!(!after.topic_preferences.contains_key("aws-calendar"));
    assert_eq!(after.topic_preferences["aws-approval"], OptOut);
    assert_eq!(after.marker().unwrap().topics_set, set(&["aws-announce"]));
}

#[test]
fn unsubscribe_all_is_never_touched() {
    let mut c = plan(&[], &[wanted("a@x.com", &["aws-announce"])]).add.remove(0);
    c.unsubscribe_all = true;
    let p = plan(&[c], &[wanted("a@x.com", &["aws-announce", "aws-calendar"])]);
    assert!(p.update[0].after.unsubscribe_all);
}

#[test]
fn a_manual_contact_matching_a_user_is_left_alone_without_adopt() {
    let mut c = ContactRecord::new("a@x.com");
    c.topic_preferences.insert("aws-calendar".into(), OptOut);
    let p = plan(&[c], &[wanted("A@x.com", &["aws-announce"])]);
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(p.not_adopted, ["a@x.com"]);
}

#[test]
fn an_adopted_manual_contact_keeps_its_own_preferences_and_is_marked_adopted() {
    let mut c = ContactRecord::new("a@x.com");
    c.topic_preferences.insert("aws-calendar".into(), OptOut);
    let p = adopting(&[c], &[wanted("a@x.com", &["aws-announce", "aws-calendar"])]);
    let u = &p.update[0];
    assert_eq!(u.kind, UpdateKind::Adopt);
    assert_eq!(u.after.topic_preferences["aws-calendar"], OptOut);
    assert_eq!(u.after.topic_preferences["aws-announce"], OptIn);
    let marker = u.after.marker().unwrap();
    assert_eq!(marker.topics_set, set(&["aws-announce"]));
    assert!(marker.adopted);
}

#[test]
fn an_additional_contact_from_config_is_adopted_without_the_flag() {
    let c = ContactRecord::new("noc@x.com");
    let w = Wanted { email: "noc@x.com".into(), topics: set(&["aws-calendar"]), source: "config", timezone: None };
    let p = plan(&[c], &[w]);
    assert_eq!(p.update[0].kind, UpdateKind::Adopt);
}

#[test]
fn an_adopted_contact_whose_user_left_is_handed_back_not_removed() {
    let mut c = ContactRecord::new("a@x.com");
    c.attributes_data = Some(r#"{"team":"ops"}"#.into());
    c.topic_preferences.insert("aws-approval".into(), OptIn);
    let adopted =
        adopting(&[c.clone()], &[wanted("a@x.com", &["aws-announce", "aws-approval"])]).update[0].after.clone();
    let p = plan(&[adopted], &[]);
    assert!(p.remove.is_empty(), "{p:?}");
    let u = &p.update[0];
    assert_eq!(u.kind, UpdateKind::Release);
    assert!(!u.after.is_managed());
    assert_eq!(u.after.topic_preferences, c.topic_preferences, "its own OPT_IN stays, ccm's goes");
    assert_eq!(u.after.attributes_data.as_deref(), Some(r#"{"team":"ops"}"#));
}

#[test]
fn new_contacts_are_written_in_lower_case() {
    let p = plan(&[], &[wanted("Jane.Doe@X.com", &["aws-announce"])]);
    assert_eq!(p.add[0].email, "jane.doe@x.com");
}

#[test]
fn a_marker_only_change_does_not_count_as_a_preference_change() {
    let mut c = plan(&[], &[wanted("a@x.com", &["aws-announce", "aws-calendar"])]).add.remove(0);
    c.topic_preferences.insert("aws-calendar".into(), OptOut); // the contact's own choice since
    let p = plan(&[c], &[wanted("a@x.com", &["aws-announce"])]);
    assert_eq!(p.update.len(), 1, "ccm stops managing aws-calendar");
    assert!(!p.update[0].changes_preferences());
}

fn managed(n: usize) -> Vec<ContactRecord> {
    let w: Vec<Wanted> = (0..n).map(|i| wanted(&format!("u{i}@x.com"), &["aws-announce"])).collect();
    plan(&[], &w).add
}

#[test]
fn removing_more_than_the_threshold_of_managed_contacts_is_a_mass_removal() {
    let current = managed(10);
    let keep: Vec<Wanted> = (0..7).map(|i| wanted(&format!("u{i}@x.com"), &["aws-announce"])).collect();
    let p = plan(&current, &keep);
    assert_eq!(p.remove.len(), 3);
    let why = mass_removal(&p, 10, 20).unwrap();
    assert!(why.contains("3 of 10") && why.contains("--allow-mass-removal"), "{why}");
    assert_eq!(mass_removal(&p, 10, 30), None, "30 % is allowed");
}

#[test]
fn a_wrong_directory_removing_everything_is_a_mass_removal() {
    let p = plan(&managed(3), &[wanted("stranger@y.com", &["aws-announce"])]);
    assert!(mass_removal(&p, 3, 20).is_some());
}

#[test]
fn a_single_leaver_is_never_a_mass_removal() {
    let current = managed(2);
    let p = plan(&current, &[wanted("u0@x.com", &["aws-announce"])]);
    assert_eq!(p.remove.len(), 1);
    assert_eq!(mass_removal(&p, 2, 20), None);
}

#[test]
fn managed_contacts_that_left_are_removed_and_manual_ones_are_kept() {
    let managed = plan(&[], &[wanted("left@x.com", &["aws-announce"])]).add.remove(0);
    let manual = ContactRecord::new("manual@x.com");
    let p = plan(&[managed.clone(), manual], &[]);
    assert_eq!(p.remove, [managed]);
    assert_eq!(p.kept_manual, 1);
}

#[test]
fn a_users_identity_center_time_zone_becomes_their_contacts_and_an_invalid_one_is_skipped() {
    let mut berlin = user("u1", "dev@x.com", true);
    berlin.timezone = Some("Europe/Berlin".into());
    let mut bogus = user("u2", "ops@x.com", true);
    bogus.timezone = Some("Mars/Olympus".into());
    let (w, _) = wanted_contacts(&[berlin, bogus], &BTreeMap::new(), &topics(), &names(), &[]);
    assert_eq!(w[0].timezone, Some(chrono_tz::Europe::Berlin));
    assert_eq!(w[1].timezone, None, "skipped, not fatal");

    let added = plan(&[], &w).add;
    assert_eq!(added[0].timezone(), Some(chrono_tz::Europe::Berlin));
    assert!(added[0].is_managed(), "the zone sits beside the marker");
    assert_eq!(added[1].timezone(), None);
    assert!(plan(&added, &w).is_empty(), "a second run changes nothing");

    // The user moves: the managed contact's zone follows; a user without a zone leaves it as set.
    let mut moved = w.clone();
    moved[0].timezone = Some(chrono_tz::Asia::Tokyo);
    moved[1].timezone = None;
    let mut by_hand = added.clone();
    by_hand[1].set_timezone(Some(chrono_tz::Europe::London));
    let p = plan(&by_hand, &moved);
    assert_eq!(p.update.len(), 1, "{p:?}");
    assert_eq!(p.update[0].after.timezone(), Some(chrono_tz::Asia::Tokyo));
    assert!(!p.update[0].changes_preferences());
}
