use super::*;
use crate::model::Object;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

fn bob() -> Actor<'static> {
    Actor::new(BOB, false)
}

/// Every (status, action) pair and what it must give. `None` = refused.
#[test]
fn every_status_and_action_pair_follows_the_table() {
    use Action::*;
    use Status::*;
    type Expect = Option<(Option<Status>, bool, bool)>; // (target or None for delete/duplicate, notify, cancel_meeting)
    let table: Vec<(Status, Action, Expect)> = vec![
        (Draft, Submit, Some((Some(Submitted), true, false))),
        (Draft, Approve, None),
        (Draft, Complete, None),
        (Draft, Cancel, None),
        (Draft, Edit, Some((Some(Draft), false, false))),
        (Draft, Delete, Some((None, false, false))),
        (Draft, Duplicate, Some((None, false, false))),
        (Submitted, Submit, None),
        (Submitted, Approve, Some((Some(Approved), true, false))),
        (Submitted, Complete, None),
        (Submitted, Cancel, Some((Some(Cancelled), true, false))),
        (Submitted, Edit, Some((Some(Submitted), false, false))),
        (Submitted, Delete, None),
        (Submitted, Duplicate, Some((None, false, false))),
        (Approved, Submit, None),
        (Approved, Approve, None),
        (Approved, Complete, Some((Some(Completed), true, false))),
        (Approved, Cancel, Some((Some(Cancelled), true, true))),
        (Approved, Edit, Some((Some(Submitted), true, true))),
        (Approved, Delete, None),
        (Approved, Duplicate, Some((None, false, false))),
        (Completed, Submit, None),
        (Completed, Approve, None),
        (Completed, Complete, None),
        (Completed, Cancel, None),
        (Completed, Edit, None),
        (Completed, Delete, None),
        (Completed, Duplicate, Some((None, false, false))),
        (Cancelled, Submit, None),
        (Cancelled, Approve, None),
        (Cancelled, Complete, None),
        (Cancelled, Cancel, None),
        (Cancelled, Edit, None),
        (Cancelled, Delete, Some((None, false, false))),
        (Cancelled, Duplicate, Some((None, false, false))),
    ];
    assert_eq!(table.len(), Status::ALL.len() * Action::ALL.len(), "the table covers every pair");
    for (from, action, expect) in table {
        let got = decide(from, action, bob(), Some(ALICE), Some(ALICE));
        match (expect, got) {
            (None, Err(_)) => {}
            (Some((Some(to), notify, cancel)), Ok(Transition::To { to: t, notify: n, cancel_meeting: c, .. })) => {
                assert_eq!((t, n, c), (to, notify, cancel), "{from} + {action}")
            }
            (Some((None, ..)), Ok(Transition::SoftDelete)) if action == Delete => {}
            (Some((None, ..)), Ok(Transition::Duplicate)) if action == Duplicate => {}
            (expect, got) => panic!("{from} + {action}: expected {expect:?}, got {got:?}"),
        }
    }
}

/// The approve column again, for an approval that leaves a customer's policy unmet.
#[test]
fn a_partial_approval_keeps_the_object_submitted_and_notifies_nobody() {
    let partial = Actor { approval_completes: false, ..bob() };
    for from in Status::ALL {
        let got = decide(from, Action::Approve, partial, Some(ALICE), Some(ALICE));
        match from {
            Status::Submitted => assert_eq!(
                got,
                Ok(Transition::To {
                    to: Status::Submitted,
                    record: ModificationType::PartiallyApproved,
                    notify: false,
                    cancel_meeting: false
                })
            ),
            _ => assert!(got.is_err(), "{from}"),
        }
    }
    let own = Actor { approval_completes: false, ..Actor::new(ALICE, false) };
    assert_eq!(decide(Status::Submitted, Action::Approve, own, Some(ALICE), None), Err(TransitionError::SelfApproval));
    let mut o = submitted_change();
    let now: DateTime<Utc> = "2026-01-02T00:00:00Z".parse().unwrap();
    apply(&mut o, Action::Approve, partial, now).unwrap();
    let life = o.life();
    assert_eq!((life.status, life.version, life.approved_by.as_deref()), (Status::Submitted, 2, None));
    assert_eq!(life.modifications.last().unwrap().modification_type, ModificationType::PartiallyApproved);
    assert!(!life.ever_approved());
}

#[test]
fn editing_after_a_partial_approval_resets_every_approval() {
    let mut o = submitted_change();
    let now: DateTime<Utc> = "2026-01-02T00:00:00Z".parse().unwrap();
    o.life_mut().approvals.push(crate::model::Approval::new(BOB, now, vec![], None));
    apply(&mut o, Action::Edit, Actor::new(ALICE, false), now).unwrap();
    assert!(o.life().approvals.is_empty());
    let last = o.life().modifications.last().unwrap();
    assert_eq!(last.modification_type, ModificationType::Updated);
    assert_eq!(last.comment.as_deref(), Some("1 approval(s) reset by the edit"));
}

#[test]
fn completed_and_cancelled_objects_are_final() {
    for from in [Status::Completed, Status::Cancelled] {
        for action in [Action::Submit, Action::Approve, Action::Complete, Action::Cancel, Action::Edit] {
            assert!(matches!(decide(from, action, bob(), None, None), Err(TransitionError::Final { .. })));
        }
    }
}

#[test]
fn an_author_cannot_approve_their_own_change_unless_config_allows_it() {
    let me = Actor::new("Alice@Example.com", false);
    assert_eq!(decide(Status::Submitted, Action::Approve, me, Some(ALICE), None), Err(TransitionError::SelfApproval));
    assert_eq!(
        decide(Status::Submitted, Action::Approve, me, Some(BOB), Some(ALICE)),
        Err(TransitionError::SelfApproval)
    );
    let allowed = Actor { allow_self_approval: true, ..me };
    assert!(decide(Status::Submitted, Action::Approve, allowed, Some(ALICE), None).is_ok());
}

fn submitted_change() -> Object {
    let mut o = Object::from_json(
        br#"{"changeId":"CHG-1","changeTitle":"Patch","customers":["acme"],"status":"draft","modifications":[]}"#,
    )
    .unwrap();
    stamp_new(&mut o, Status::Submitted, ALICE, "2026-01-01T00:00:00Z".parse().unwrap());
    o
}

#[test]
fn applying_an_action_records_who_when_version_and_a_server_history_entry() {
    let mut o = submitted_change();
    assert_eq!(o.life().version, 1);
    let now: DateTime<Utc> = "2026-01-02T00:00:00Z".parse().unwrap();
    apply(&mut o, Action::Approve, bob(), now).unwrap();
    let life = o.life();
    assert_eq!(life.status, Status::Approved);
    assert_eq!(life.prior_status, Some(Status::Submitted));
    assert_eq!(life.version, 2);
    assert_eq!(life.approved_by.as_deref(), Some(BOB));
    assert_eq!(life.approved_at, Some(now));
    let last = life.modifications.last().unwrap();
    assert_eq!((last.modification_type, last.user_id.as_str(), last.timestamp), (ModificationType::Approved, BOB, now));
    let types: Vec<_> = life.modifications.iter().map(|m| m.modification_type).collect();
    assert_eq!(types, [ModificationType::Created, ModificationType::Submitted, ModificationType::Approved]);
}

#[test]
fn editing_an_approved_change_returns_it_to_submitted_and_drops_the_approval() {
    let mut o = submitted_change();
    let now: DateTime<Utc> = "2026-01-02T00:00:00Z".parse().unwrap();
    apply(&mut o, Action::Approve, bob(), now).unwrap();
    let t = apply(&mut o, Action::Edit, Actor::new(ALICE, false), now).unwrap();
    assert!(matches!(t, Transition::To { to: Status::Submitted, cancel_meeting: true, notify: true, .. }));
    assert_eq!(o.life().status, Status::Submitted);
    assert_eq!(o.life().approved_by, None);
    assert!(o.life().ever_approved(), "the history still shows the approval");
}

#[test]
fn a_refused_action_changes_nothing() {
    let mut o = submitted_change();
    let before = o.clone();
    assert!(apply(&mut o, Action::Complete, bob(), Utc::now()).is_err());
    assert_eq!(o, before);
}

#[test]
fn duplicating_gives_a_fresh_draft_without_history_or_meeting() {
    let mut o = Object::from_json(
        br#"{"changeId":"CHG-1","changeTitle":"Patch","customers":["acme"],"status":"approved","version":4,
            "approvedBy":"bob@example.com","meeting_metadata":{"meeting_id":"m1","join_url":"https://t/x",
            "start_time":"2026-01-01T10:00:00Z","end_time":"2026-01-01T11:00:00Z","subject":"s"},
            "join_url":"https://t/x","survey_url":"https://s","modifications":[
              {"timestamp":"2026-01-01T00:00:00Z","user_id":"a@example.com","modification_type":"created"}]}"#,
    )
    .unwrap();
    o.life_mut().modifications.push(Modification::new(ModificationType::Approved, BOB, Utc::now()));
    let new_id = ObjectId::parse("CHG-2").unwrap();
    let now: DateTime<Utc> = "2026-02-01T00:00:00Z".parse().unwrap();
    let copy = duplicate(&o, new_id.clone(), "carol@example.com", now);
    assert_eq!(copy.id(), &new_id);
    assert_eq!(copy.title(), "Patch");
    let life = copy.life();
    assert_eq!((life.status, life.version), (Status::Draft, 1));
    assert_eq!(life.modifications.len(), 1);
    assert_eq!(life.modifications[0].modification_type, ModificationType::Created);
    assert!(life.meeting_metadata.is_none() && life.approved_by.is_none() && life.survey_url.is_none());
    assert_eq!(copy.created_by(), Some("carol@example.com"));
    assert!(!copy.to_value().as_object().unwrap().contains_key("join_url"));
}
