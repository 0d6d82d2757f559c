//! The Identity Center → SES contact sync as a pure plan, then applied.
//!
//! Who should be on the list: every active directory user with an e-mail address, with the topics
//! whose default is OPT_IN plus those whose `OptInRoles` hold one of the user's roles; and the
//! customer's `additional_contacts` with their configured topics.
//!
//! What changes (fixing §12 item 18):
//! - a wanted address not on the list is **added** (lower-cased), opted in to its topics and marked
//!   managed;
//! - a wanted address already on the list and managed is **updated** only where ccm owns the
//!   preference: topics it newly wants are opted in unless the contact has a preference of their
//!   own for them, topics ccm had opted in that are no longer wanted lose that OPT_IN (an OPT_OUT
//!   the contact chose stays); unsubscribe-all is never touched;
//! - a wanted address on the list **without** the marker (added by hand) is left alone unless
//!   adoption is asked (`--adopt`) or the address is one of the customer's `additional_contacts`:
//!   then it is **adopted** the same way (its existing preferences all count as its own) and marked
//!   `adopted`;
//! - a managed contact no longer wanted (the user left or was disabled) is **removed** when the sync
//!   created it, and **released** when it was adopted: ccm's opt-ins are withdrawn and the marker
//!   removed, the contact and its own preferences stay. A contact without the marker is never
//!   changed or removed.
//!
//! [`mass_removal`] guards against a plan that removes too many managed contacts at once (a customer
//! pointed at the wrong directory). Addresses compare ignoring case. A second run over an unchanged
//! directory plans nothing.

use std::collections::{BTreeMap, BTreeSet};

use ccm_core::config::{AdditionalContact, ExpandedTopic, SubscriptionStatus};
use serde::Serialize;

use super::contact::{ContactRecord, ManagedMarker};
use super::identity_center::DirectoryUser;

/// An address that should be on the list, and its topics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wanted {
    pub email: String,
    pub topics: BTreeSet<String>,
    /// `identity-center` or `config`.
    pub source: &'static str,
}

/// Who should be on the list. Topics not in `list_topics` are left out (SES refuses preferences
/// for unknown topics); they are returned separately so the caller can warn.
pub fn wanted_contacts(
    users: &[DirectoryUser],
    roles: &BTreeMap<String, BTreeSet<String>>,
    topics: &[ExpandedTopic],
    list_topics: &BTreeSet<String>,
    additional: &[AdditionalContact],
) -> (Vec<Wanted>, BTreeSet<String>) {
    let mut missing = BTreeSet::new();
    let mut by_key: BTreeMap<String, Wanted> = BTreeMap::new();
    let keep = |topic: &str, missing: &mut BTreeSet<String>| {
        if list_topics.contains(topic) {
            true
        } else {
            missing.insert(topic.to_owned());
            false
        }
    };
    for user in users.iter().filter(|u| u.active) {
        let Some(email) = user.email.as_deref().filter(|e| e.contains('@')) else { continue };
        let user_roles = roles.get(&user.user_id);
        let mut wanted = BTreeSet::new();
        for t in topics {
            let by_role = user_roles.is_some_and(|rs| rs.iter().any(|r| t.opts_in_role(r)));
            if (t.default_status == SubscriptionStatus::OptIn || by_role) && keep(t.name.as_str(), &mut missing) {
                wanted.insert(t.name.as_str().to_owned());
            }
        }
        by_key.entry(email.to_lowercase()).and_modify(|w| w.topics.extend(wanted.iter().cloned())).or_insert(Wanted {
            email: email.to_owned(),
            topics: wanted,
            source: "identity-center",
        });
    }
    for extra in additional {
        let wanted: BTreeSet<String> =
            extra.topics.iter().map(|t| t.as_str().to_owned()).filter(|t| keep(t, &mut missing)).collect();
        by_key
            .entry(extra.email.as_str().to_lowercase())
            .and_modify(|w| w.topics.extend(wanted.iter().cloned()))
            .or_insert(Wanted { email: extra.email.as_str().to_owned(), topics: wanted, source: "config" });
    }
    (by_key.into_values().collect(), missing)
}

/// Why a contact on the list changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateKind {
    /// A managed contact's topics follow the directory.
    Update,
    /// A contact added by hand, taken over (`--adopt`, or named in `additional_contacts`).
    Adopt,
    /// An adopted contact no longer wanted, handed back: ccm's opt-ins and the marker go, it stays.
    Release,
}

/// One change to a contact, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactUpdate {
    pub before: ContactRecord,
    pub after: ContactRecord,
    pub kind: UpdateKind,
}

impl ContactUpdate {
    /// Whether what the contact receives changes (preferences or unsubscribe-all), not only the
    /// marker ccm keeps on it.
    pub fn changes_preferences(&self) -> bool {
        self.before.topic_preferences != self.after.topic_preferences
            || self.before.unsubscribe_all != self.after.unsubscribe_all
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SyncPlan {
    pub add: Vec<ContactRecord>,
    pub update: Vec<ContactUpdate>,
    pub remove: Vec<ContactRecord>,
    pub unchanged: usize,
    /// Contacts without the marker that are not wanted: left alone.
    pub kept_manual: usize,
    /// Contacts without the marker whose address a directory user has: left alone, because adoption
    /// was not asked (`--adopt`).
    pub not_adopted: Vec<String>,
}

impl SyncPlan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.remove.is_empty()
    }

    pub fn changes(&self) -> usize {
        self.add.len() + self.update.len() + self.remove.len()
    }
}

/// How the plan treats contacts added by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanOptions {
    /// Take over contacts without the marker whose address a directory user has.
    pub adopt: bool,
}

pub fn plan(current: &[ContactRecord], wanted: &[Wanted], options: PlanOptions) -> SyncPlan {
    let mut p = SyncPlan::default();
    let current_by_key: BTreeMap<String, &ContactRecord> =
        current.iter().map(|c| (c.email.to_lowercase(), c)).collect();
    let wanted_keys: BTreeSet<String> = wanted.iter().map(|w| w.email.to_lowercase()).collect();
    for w in wanted {
        let Some(c) = current_by_key.get(&w.email.to_lowercase()) else {
            p.add.push(new_contact(w));
            continue;
        };
        let (kind, adopted) = match c.marker() {
            Some(m) => (UpdateKind::Update, m.adopted),
            None if options.adopt || w.source == "config" => (UpdateKind::Adopt, true),
            None => {
                p.not_adopted.push(c.email.clone());
                continue;
            }
        };
        match merged(c, &w.topics, adopted) {
            Some(after) => p.update.push(ContactUpdate { before: (*c).clone(), after, kind }),
            None => p.unchanged += 1,
        }
    }
    for c in current.iter().filter(|c| !wanted_keys.contains(&c.email.to_lowercase())) {
        match c.marker() {
            Some(m) if m.adopted => {
                p.update.push(ContactUpdate { before: c.clone(), after: released(c, &m), kind: UpdateKind::Release })
            }
            Some(_) => p.remove.push(c.clone()),
            None => p.kept_manual += 1,
        }
    }
    p
}

/// Why `plan` must not be applied without `--allow-mass-removal`: it removes more than
/// `max_percent` % of the `managed` contacts, and more than one (a single leaver is never a mass
/// removal, however small the list).
pub fn mass_removal(plan: &SyncPlan, managed: usize, max_percent: u8) -> Option<String> {
    let removed = plan.remove.len();
    let too_many = removed > 1 && removed * 100 > usize::from(max_percent) * managed;
    too_many.then(|| {
        format!(
            "the sync would remove {removed} of {managed} managed contacts ({}%, more than the {max_percent}% allowed); \
             check the customer's Identity Center role and directory, then pass --allow-mass-removal if it is intended",
            removed * 100 / managed.max(1)
        )
    })
}

fn new_contact(w: &Wanted) -> ContactRecord {
    let mut c = ContactRecord::new(w.email.to_lowercase());
    c.topic_preferences = w.topics.iter().map(|t| (t.clone(), SubscriptionStatus::OptIn)).collect();
    c.set_marker(&ManagedMarker { topics_set: w.topics.clone(), adopted: false });
    c
}

/// The contact after ccm's changes, or `None` when nothing changes.
fn merged(current: &ContactRecord, wanted: &BTreeSet<String>, adopted: bool) -> Option<ContactRecord> {
    let old = current.marker();
    let old_set = old.as_ref().map(|m| m.topics_set.clone()).unwrap_or_default();
    let mut after = current.clone();
    let mut new_set = BTreeSet::new();
    for t in wanted {
        match after.topic_preferences.get(t) {
            None => {
                after.topic_preferences.insert(t.clone(), SubscriptionStatus::OptIn);
                new_set.insert(t.clone());
            }
            // Still ccm's: whatever the contact made of it since (an OPT_OUT) stays.
            Some(_) if old_set.contains(t) => {
                new_set.insert(t.clone());
            }
            // The contact's own preference.
            Some(_) => {}
        }
    }
    withdraw(&mut after, old_set.difference(wanted));
    let marker = ManagedMarker { topics_set: new_set, adopted };
    if old.as_ref() != Some(&marker) {
        after.set_marker(&marker);
    }
    (after != *current).then_some(after)
}

/// An adopted contact handed back: the OPT_INs ccm set are withdrawn and the marker removed.
fn released(current: &ContactRecord, marker: &ManagedMarker) -> ContactRecord {
    let mut after = current.clone();
    withdraw(&mut after, marker.topics_set.iter());
    after.clear_marker();
    after
}

/// Drops the OPT_IN of each of `topics` (an OPT_OUT the contact chose stays).
fn withdraw<'a>(contact: &mut ContactRecord, topics: impl Iterator<Item = &'a String>) {
    for t in topics {
        if contact.topic_preferences.get(t) == Some(&SubscriptionStatus::OptIn) {
            contact.topic_preferences.remove(t);
        }
    }
}

#[cfg(test)]
mod tests {
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
        }
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn wanted(email: &str, topics: &[&str]) -> Wanted {
        Wanted { email: email.into(), topics: set(topics), source: "identity-center" }
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
        let w = Wanted { email: "noc@x.com".into(), topics: set(&["aws-calendar"]), source: "config" };
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
}
