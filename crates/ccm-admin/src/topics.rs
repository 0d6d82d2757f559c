//! Topic changes from SESConfig.json as a diff against the live list, applied with one
//! UpdateContactList. The original deleted and re-created the list (losing contacts beyond the first
//! page, §12 item 17); here the list, its contacts and their preferences stay.

use serde::Serialize;

use super::ses::TopicInfo;

/// A topic whose definition changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicChange {
    pub before: TopicInfo,
    pub after: TopicInfo,
}

/// What applying SESConfig.json to a list does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TopicPlan {
    pub add: Vec<TopicInfo>,
    pub update: Vec<TopicChange>,
    /// Live topics SESConfig.json no longer defines, removed because `prune` was asked.
    pub remove: Vec<TopicInfo>,
    /// Live topics SESConfig.json no longer defines, kept because `prune` was not asked.
    pub kept: Vec<TopicInfo>,
    /// The list's topics after the change: SESConfig.json's order, then the kept ones.
    pub result: Vec<TopicInfo>,
}

impl TopicPlan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.remove.is_empty()
    }
}

/// Compares by display name, description and default status; an empty display name in the file
/// counts as the topic name (SES requires one, and that is what gets written).
pub fn plan(live: &[TopicInfo], wanted: &[TopicInfo], prune: bool) -> TopicPlan {
    let mut p = TopicPlan::default();
    for w in wanted {
        let w = normalized(w);
        match live.iter().find(|l| l.name == w.name) {
            None => p.add.push(w.clone()),
            Some(l) if *l != w => p.update.push(TopicChange { before: l.clone(), after: w.clone() }),
            Some(_) => {}
        }
        p.result.push(w);
    }
    for l in live.iter().filter(|l| !wanted.iter().any(|w| w.name == l.name)) {
        if prune {
            p.remove.push(l.clone());
        } else {
            p.kept.push(l.clone());
            p.result.push(l.clone());
        }
    }
    p
}

fn normalized(t: &TopicInfo) -> TopicInfo {
    let mut t = t.clone();
    if t.display_name.is_empty() {
        t.display_name = t.name.clone();
    }
    t
}

#[cfg(test)]
mod tests {
    use ccm_core::config::SubscriptionStatus::{OptIn, OptOut};

    use super::*;

    fn topic(name: &str, display: &str, default: ccm_core::config::SubscriptionStatus) -> TopicInfo {
        TopicInfo {
            name: name.into(),
            display_name: display.into(),
            description: format!("{name} mail"),
            default_status: default,
        }
    }

    #[test]
    fn identical_topics_plan_nothing() {
        let live = [topic("a", "A", OptIn), topic("b", "B", OptOut)];
        let p = plan(&live, &live, true);
        assert!(p.is_empty());
        assert_eq!(p.result, live);
    }

    #[test]
    fn new_changed_and_missing_topics_are_added_updated_and_kept_without_prune() {
        let live = [topic("a", "A", OptIn), topic("old", "Old", OptOut)];
        let wanted = [topic("a", "A", OptOut), topic("new", "New", OptIn)];
        let p = plan(&live, &wanted, false);
        assert_eq!(p.add, [topic("new", "New", OptIn)]);
        assert_eq!(p.update.len(), 1);
        assert_eq!(p.update[0].after.default_status, OptOut);
        assert!(p.remove.is_empty());
        assert_eq!(p.kept, [topic("old", "Old", OptOut)]);
        let names: Vec<_> = p.result.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "new", "old"]);
    }

    #[test]
    fn prune_removes_topics_the_file_no_longer_defines() {
        let live = [topic("a", "A", OptIn), topic("old", "Old", OptOut)];
        let p = plan(&live, &[topic("a", "A", OptIn)], true);
        assert_eq!(p.remove, [topic("old", "Old", OptOut)]);
        assert_eq!(p.result, [topic("a", "A", OptIn)]);
    }

    #[test]
    fn an_empty_display_name_compares_as_the_topic_name() {
        let live = [topic("a", "a", OptIn)];
        assert!(plan(&live, &[topic("a", "", OptIn)], false).is_empty());
    }
}
