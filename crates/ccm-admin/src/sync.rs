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
//! Time zones: a directory user's `Timezone` (an IANA name) becomes their contact's `timezone`
//! attribute when the contact is added or managed (an invalid one is skipped with a warning, never
//! fatal); a user without one leaves the contact's zone as it is (an operator may have set it).
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
    /// The directory user's time zone, when it is a valid IANA zone.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "zone_name")]
    pub timezone: Option<chrono_tz::Tz>,
}

fn zone_name<S: serde::Serializer>(zone: &Option<chrono_tz::Tz>, s: S) -> Result<S::Ok, S::Error> {
    match zone {
        Some(z) => s.serialize_str(z.name()),
        None => s.serialize_none(),
    }
}

/// `user`'s `Timezone` as a zone; an invalid one is skipped with a warning.
fn user_zone(user: &DirectoryUser) -> Option<chrono_tz::Tz> {
    let raw = user.timezone.as_deref()?;
    match ccm_core::schedule::parse_zone("Timezone", raw) {
        Ok(zone) => Some(zone),
        Err(e) => {
            tracing::warn!(user = %user.user_name, error = %e, "skipping the user's time zone");
            None
        }
    }
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
        let timezone = user_zone(user);
        by_key
            .entry(email.to_lowercase())
            .and_modify(|w| {
                w.topics.extend(wanted.iter().cloned());
                w.timezone = w.timezone.or(timezone);
            })
            .or_insert(Wanted { email: email.to_owned(), topics: wanted, source: "identity-center", timezone });
    }
    for extra in additional {
        let wanted: BTreeSet<String> =
            extra.topics.iter().map(|t| t.as_str().to_owned()).filter(|t| keep(t, &mut missing)).collect();
        by_key
            .entry(extra.email.as_str().to_lowercase())
            .and_modify(|w| w.topics.extend(wanted.iter().cloned()))
            .or_insert(Wanted {
                email: extra.email.as_str().to_owned(),
                topics: wanted,
                source: "config",
                timezone: None,
            });
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
        match merged(c, w, adopted) {
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
    if w.timezone.is_some() {
        c.set_timezone(w.timezone);
    }
    c
}

/// The contact after ccm's changes, or `None` when nothing changes.
fn merged(current: &ContactRecord, w: &Wanted, adopted: bool) -> Option<ContactRecord> {
    let wanted = &w.topics;
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
    if w.timezone.is_some() && after.timezone() != w.timezone {
        after.set_timezone(w.timezone);
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
#[path = "sync_tests.rs"]
mod tests;
