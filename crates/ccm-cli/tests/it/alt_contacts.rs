//! `ccm alt-contact …` against the moto emulator: an organization whose management account is
//! reached by AssumeRole, with member accounts.

use crate::support;

use aws_sdk_account::types::AlternateContactType;
use ccm_admin::session::assume_role;
use serde_json::json;
use support::{World, random_account, write_json};

struct Org {
    account: aws_sdk_account::Client,
    members: Vec<String>,
    management: String,
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
    Org { account, members, management }
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

/// `alt` with `--dry-run`, then without: the same writes, and some.
async fn dry_then_real(w: &World, cmd: &str, extra: &[&str]) -> serde_json::Value {
    let (orgs, contacts) = (w.path("OrgConfig.json"), w.path("ContactConfig.json"));
    let mut args = vec!["alt-contact", cmd, "--org-prefix", "tst", "--org-config", orgs.to_str().unwrap()];
    args.extend(["--contact-config", contacts.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let (dry, _) = w.dry_run_then_real(&args, |_| {}).await;
    dry.changes()["tst"].clone()
}

#[tokio::test]
async fn alternate_contact_dry_runs_list_exactly_the_writes_of_the_real_run() {
    let Some(w) = World::new(1, 0).await else { return };
    let org = organization(&w).await;
    let set = dry_then_real(&w, "set", &[]).await;
    let targets: Vec<&str> = set.as_array().unwrap().iter().map(|c| c["target"].as_str().unwrap()).collect();
    assert!(!targets.contains(&format!("{}/SECURITY", org.members[0]).as_str()), "kept without --overwrite: {set}");
    let overwrite = dry_then_real(&w, "set", &["--overwrite", "--contact-types", "security"]).await;
    assert_eq!(overwrite.as_array().unwrap().len(), 1, "only the different one: {overwrite}");
    let delete = dry_then_real(&w, "delete", &["--contact-types", "billing"]).await;
    assert!(delete.as_array().unwrap().iter().all(|c| c["op"] == "Account DeleteAlternateContact"), "{delete}");
}

/// `ccm` (the binary) against the emulator with `env` set and the AWS files in `dir`.
fn ccm_binary(w: &World, dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ccm"));
    cmd.args(["--config", w.config.to_str().unwrap(), "--ses-config", w.ses_config.to_str().unwrap()])
        .args(args)
        .env("AWS_ENDPOINT_URL", &w.moto.endpoint)
        .env("AWS_REGION", ccm_testkit::moto::TEST_REGION)
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .env_remove("AWS_PROFILE")
        .env_remove("CCM_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running ccm")
}

#[tokio::test]
async fn a_named_profile_wins_over_credentials_in_the_environment_and_an_unknown_one_is_refused() {
    let Some(w) = World::new(1, 0).await else { return };
    let org = organization(&w).await;
    // The profile's keys are the management account's; the environment's are the default account's.
    let creds = aws_sdk_sts::Client::new(&w.moto.sdk_config())
        .assume_role()
        .role_arn(format!("arn:aws:iam::{}:role/ccm-test-admin", org.management))
        .role_session_name("operator")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let dir = w.path("aws");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config"), "[profile ops]\nregion = us-east-1\n").unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!(
            "[ops]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token()
        ),
    )
    .unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", ccm_testkit::moto::TEST_ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", ccm_testkit::moto::TEST_SECRET_KEY),
    ];
    let (orgs, contacts) = (w.path("OrgConfig.json"), w.path("ContactConfig.json"));
    // Only credentials of the management account itself work: assuming this role is refused.
    let show = [
        "alt-contact",
        "show",
        "--org-prefix",
        "tst",
        "--org-config",
        orgs.to_str().unwrap(),
        "--contact-config",
        contacts.to_str().unwrap(),
        "--management-role-name",
        "ccm-denied-management",
    ];
    let env_only = ccm_binary(&w, &dir, &env, &[&["--output", "json"], &show[..]].concat());
    assert_eq!(env_only.status.code(), Some(1), "the environment's credentials are another account's");
    let with_profile = ccm_binary(&w, &dir, &env, &[&["--output", "json", "--profile", "ops"], &show[..]].concat());
    assert!(with_profile.status.success(), "{}", String::from_utf8_lossy(&with_profile.stdout));

    let unknown = ccm_binary(&w, &dir, &env, &[&["--output", "json", "--profile", "nope"], &show[..]].concat());
    assert_eq!(unknown.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&unknown.stdout).expect("one JSON document");
    let error = doc["error"].as_str().unwrap();
    assert!(error.starts_with("AWS profile \"nope\": no such profile"), "{error}");
}
