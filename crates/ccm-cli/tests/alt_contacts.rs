//! `ccm alt-contact …` against the moto emulator: an organization whose management account is
//! reached by AssumeRole, with member accounts.

mod support;

use aws_sdk_account::types::AlternateContactType;
use ccm_aws::admin::session::assume_role;
use serde_json::json;
use support::{World, random_account, write_json};

struct Org {
    account: aws_sdk_account::Client,
    members: Vec<String>,
}

impl Org {
    async fn contact(&self, account: &str, kind: AlternateContactType) -> Option<String> {
        let out =
            self.account.get_alternate_contact().account_id(account).alternate_contact_type(kind).send().await.ok()?;
        out.alternate_contact()?.email_address().map(str::to_owned)
    }
}

async fn organization(w: &World) -> Org {
    let management = random_account();
    let cfg =
        assume_role(&w.moto.sdk_config(), &format!("arn:aws:iam::{management}:role/ccm-test-admin"), "t", "us-east-1")
            .await;
    let orgs = aws_sdk_organizations::Client::new(&cfg);
    orgs.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members = Vec::new();
    for name in ["shop", "data"] {
        let out = orgs.create_account().account_name(name).email(format!("{name}@example.com")).send().await.unwrap();
        members.push(out.create_account_status().unwrap().account_id().unwrap().to_owned());
    }
    write_json(
        &w.path("OrgConfig.json"),
        &json!([{"mocb_org_friendly_name": "Test org", "mocb_org_prefix": "tst", "environment": "nonprod",
                 "management_account_id": management}]),
    );
    write_json(
        &w.path("ContactConfig.json"),
        &json!({"security_email": "sec@example.com", "security_name": "Security", "security_title": "CISO", "security_phone": "+1-555-0100",
                "billing_email": "bill@example.com", "billing_name": "Billing", "billing_title": "CFO", "billing_phone": "+1-555-0101"}),
    );
    let account = aws_sdk_account::Client::new(&cfg);
    // Someone already set a security contact on the first member.
    account
        .put_alternate_contact()
        .account_id(&members[0])
        .alternate_contact_type(AlternateContactType::Security)
        .email_address("old@example.com")
        .name("Old")
        .title("Old")
        .phone_number("+1-555-0199")
        .send()
        .await
        .unwrap();
    Org { account, members }
}

/// `ccm --output json alt-contact <cmd> --org-prefix tst --org-config … --contact-config … <extra>`.
async fn alt(w: &World, cmd: &str, extra: &[&str]) -> support::Run {
    let (orgs, contacts) = (w.path("OrgConfig.json"), w.path("ContactConfig.json"));
    let mut args = vec!["alt-contact", cmd, "--org-prefix", "tst", "--org-config", orgs.to_str().unwrap()];
    args.extend(["--contact-config", contacts.to_str().unwrap()]);
    args.extend_from_slice(extra);
    w.json(&args).await
}

#[tokio::test]
async fn alternate_contacts_are_set_on_every_account_without_overwriting_unless_asked() {
    let Some(w) = World::new(1, 0).await else { return };
    let org = organization(&w).await;
    let dry = alt(&w, "set", &["--dry-run"]).await.expect_ok();
    assert_eq!(dry.json()["orgs"][0]["org"], "tst");
    assert_eq!(org.contact(&org.members[1], AlternateContactType::Billing).await, None, "a dry run sets nothing");

    alt(&w, "set", &[]).await.expect_ok();
    for m in &org.members {
        assert_eq!(org.contact(m, AlternateContactType::Billing).await.as_deref(), Some("bill@example.com"));
        assert_eq!(org.contact(m, AlternateContactType::Operations).await, None, "not configured");
    }
    assert_eq!(
        org.contact(&org.members[0], AlternateContactType::Security).await.as_deref(),
        Some("old@example.com"),
        "kept"
    );
    assert_eq!(org.contact(&org.members[1], AlternateContactType::Security).await.as_deref(), Some("sec@example.com"));

    alt(&w, "set", &["--overwrite", "--contact-types", "security"]).await.expect_ok();
    assert_eq!(org.contact(&org.members[0], AlternateContactType::Security).await.as_deref(), Some("sec@example.com"));

    let shown = alt(&w, "show", &[]).await.expect_ok();
    let rows = shown.json()["orgs"][0]["result"]["contacts"].as_array().unwrap().len();
    assert!(rows >= 6, "{}", shown.stdout);

    alt(&w, "delete", &["--contact-types", "billing"]).await.expect_ok();
    assert_eq!(org.contact(&org.members[1], AlternateContactType::Billing).await, None);
    assert_eq!(org.contact(&org.members[1], AlternateContactType::Security).await.as_deref(), Some("sec@example.com"));
}

#[tokio::test]
async fn an_unknown_org_prefix_is_an_error_naming_the_file() {
    let Some(w) = World::new(1, 0).await else { return };
    organization(&w).await;
    let org_config = w.path("OrgConfig.json");
    let cli = <ccm_cli::Cli as clap::Parser>::try_parse_from([
        "ccm",
        "alt-contact",
        "show",
        "--org-prefix",
        "nope",
        "--org-config",
        org_config.to_str().unwrap(),
    ])
    .unwrap();
    let err = ccm_cli::run_with(cli, ccm_cli::Runtime { sdk: Some(w.moto.sdk_config()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}
