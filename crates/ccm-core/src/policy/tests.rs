use super::*;
use crate::config::ApprovalPolicy;

fn code(c: &str) -> CustomerCode {
    CustomerCode::parse(c).unwrap()
}

fn at(minute: u32) -> DateTime<Utc> {
    format!("2026-06-01T10:{minute:02}:00Z").parse().unwrap()
}

fn approval(user: &str, groups: &[&str], scope: Option<&[&str]>) -> Approval {
    Approval::new(
        user,
        at(0),
        groups.iter().map(|g| g.to_string()).collect(),
        scope.map(|s| s.iter().map(|c| code(c)).collect()),
    )
}

fn policies(acme: ApprovalPolicy) -> ApprovalPolicies {
    ApprovalPolicies {
        default: ApprovalPolicy::default(),
        customers: [(code("acme"), acme)].into_iter().collect(),
        teams: vec!["team-platform".into(), "team-network".into()],
    }
}

/// Every combination of the three rules for one approval, and what it gives for acme.
#[test]
fn every_rule_combination_decides_whether_an_approval_counts() {
    use NotCounted::*;
    let author_groups = vec!["team-platform".to_owned(), "ccm-authors".to_owned()];
    // (approver groups required?, approver's groups, team rule allows the author's team?, scope, expected)
    type Row = (bool, &'static [&'static str], bool, Option<&'static [&'static str]>, Result<(), NotCounted>);
    let table: Vec<Row> = vec![
        (false, &["ccm-approvers"], true, None, Ok(())),
        (false, &["ccm-approvers"], true, Some(&["acme"]), Ok(())),
        (false, &["ccm-approvers"], true, Some(&["globex"]), Err(OutOfScope)),
        (false, &["ccm-approvers", "team-platform"], true, None, Ok(())),
        (false, &["ccm-approvers", "team-platform"], false, None, Err(SameTeamAsAuthor)),
        (false, &["ccm-approvers", "team-network"], false, None, Ok(())),
        (false, &[], false, None, Ok(())),
        (true, &["acme-cab"], true, None, Ok(())),
        (true, &["ccm-approvers"], true, None, Err(NotInApproverGroup)),
        (true, &[], true, None, Err(NotInApproverGroup)),
        (true, &["acme-cab", "team-platform"], true, None, Ok(())),
        (true, &["acme-cab", "team-platform"], false, None, Err(SameTeamAsAuthor)),
        (true, &["acme-cab"], false, Some(&["acme"]), Ok(())),
        (true, &["acme-cab"], false, Some(&["globex"]), Err(OutOfScope)),
        (true, &["ccm-approvers"], false, Some(&["globex"]), Err(OutOfScope)),
    ];
    for (groups_required, groups, team_may, scope, expected) in table {
        let policy = ApprovalPolicy {
            approver_groups: if groups_required { vec!["acme-cab".into()] } else { vec![] },
            quorum: 1,
            author_team_may_approve: team_may,
        };
        let a = approval("bob@example.com", groups, scope);
        let got = counts_for(&policy, &policies(policy.clone()).teams, &code("acme"), &a, &author_groups);
        assert_eq!(
            got, expected,
            "groups required {groups_required}, groups {groups:?}, team may {team_may}, scope {scope:?}"
        );
    }
}

#[test]
fn a_quorum_of_two_needs_two_distinct_people() {
    let p = policies(ApprovalPolicy { quorum: 2, ..ApprovalPolicy::default() });
    let acme = [code("acme")];
    let one = [approval("bob@example.com", &[], None)];
    let progress1 = progress(&p, &acme, &one, &[]);
    assert_eq!(progress1[0].still_needed, 1);
    assert!(!is_complete(&progress1, &one));
    let same_twice = [approval("bob@example.com", &[], None), approval("BOB@example.com", &[], None)];
    assert_eq!(progress(&p, &acme, &same_twice, &[])[0].still_needed, 1, "one person counts once");
    let two = [approval("bob@example.com", &[], None), approval("dave@example.com", &[], None)];
    let done = progress(&p, &acme, &two, &[]);
    assert!(done[0].is_met() && is_complete(&done, &two));
    let names: Vec<&str> = done[0].approved_by.iter().map(|c| c.user_id.as_str()).collect();
    assert_eq!(names, ["bob@example.com", "dave@example.com"]);
}

#[test]
fn an_object_of_several_customers_is_approved_when_every_customer_policy_is_met() {
    let p =
        policies(ApprovalPolicy { approver_groups: vec!["acme-cab".into()], quorum: 1, author_team_may_approve: true });
    let both = [code("acme"), code("globex")];
    let bob = [approval("bob@example.com", &["ccm-approvers"], None)];
    let after_bob = progress(&p, &both, &bob, &[]);
    assert!(!after_bob[0].is_met() && after_bob[1].is_met(), "globex takes anyone; acme needs its board");
    assert!(!is_complete(&after_bob, &bob));
    let with_board = [bob[0].clone(), approval("uma@example.com", &["acme-cab"], Some(&["acme"]))];
    assert!(is_complete(&progress(&p, &both, &with_board, &[]), &with_board));
}

#[test]
fn a_new_approval_must_add_to_a_customer_still_needing_one() {
    let p =
        policies(ApprovalPolicy { approver_groups: vec!["acme-cab".into()], quorum: 2, author_team_may_approve: true });
    let acme = [code("acme")];
    let first = approval("uma@example.com", &["acme-cab"], None);
    assert_eq!(check_adds(&p, &acme, &[], &[], &first), Ok(()));
    assert_eq!(check_adds(&p, &acme, std::slice::from_ref(&first), &[], &first), Err(ApprovalRefused::AlreadyApproved));
    let outsider = approval("bob@example.com", &["ccm-approvers"], None);
    let refused = check_adds(&p, &acme, std::slice::from_ref(&first), &[], &outsider).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "your approval does not count for any customer still needing one: acme needs an approver from acme-cab"
    );
}

#[test]
fn the_default_policy_is_one_approval_by_any_approver() {
    let p = ApprovalPolicies::default();
    let globex = [code("globex")];
    let bob = [approval("bob@example.com", &[], None)];
    assert!(is_complete(&progress(&p, &globex, &bob, &[]), &bob));
    assert!(!is_complete(&progress(&p, &globex, &[], &[]), &[]));
}
