//! `ccm domain …` against the moto emulator: SES domain identities in two customer accounts, the
//! records in a central Route 53 zone of a third (DNS) account.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use ccm_admin::session::assume_role;
use serde_json::json;
use support::{Run, SENDER_DOMAIN, World, random_account};

struct Zone {
    client: aws_sdk_route53::Client,
    id: String,
}

impl Zone {
    async fn records(&self) -> Vec<(String, String, BTreeSet<String>)> {
        let out = self.client.list_resource_record_sets().hosted_zone_id(&self.id).send().await.unwrap();
        out.resource_record_sets()
            .iter()
            .map(|r| {
                let values = r.resource_records().iter().map(|v| v.value().trim_matches('"').to_owned()).collect();
                (r.name().trim_end_matches('.').to_owned(), r.r#type().as_str().to_owned(), values)
            })
            .collect()
    }

    async fn values(&self, name: &str, kind: &str) -> BTreeSet<String> {
        self.records().await.into_iter().find(|(n, k, _)| n == name && k == kind).map(|(_, _, v)| v).unwrap_or_default()
    }
}

/// A DNS account with the zone (holding another system's verification token), referenced by config.
async fn with_zone(w: &World) -> Zone {
    let account = random_account();
    let cfg =
        assume_role(&w.moto.sdk_config(), &format!("arn:aws:iam::{account}:role/ccm-test-admin"), "t", "us-east-1")
            .await;
    let client = aws_sdk_route53::Client::new(&cfg);
    let zone = client
        .create_hosted_zone()
        .name(SENDER_DOMAIN)
        .caller_reference(ccm_testkit::moto::unique_name("zone"))
        .send()
        .await
        .unwrap();
    let id = zone.hosted_zone().unwrap().id().trim_start_matches("/hostedzone/").to_owned();
    let existing = ResourceRecordSet::builder()
        .name(format!("_amazonses.{SENDER_DOMAIN}."))
        .r#type(RrType::Txt)
        .ttl(600)
        .resource_records(ResourceRecord::builder().value("\"someone-elses-token\"").build().unwrap())
        .build()
        .unwrap();
    client
        .change_resource_record_sets()
        .hosted_zone_id(&id)
        .change_batch(
            ChangeBatch::builder()
                .changes(Change::builder().action(ChangeAction::Create).resource_record_set(existing).build().unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let first = w.customer(0).code.clone();
    w.write_config(|doc| {
        doc["route53_config"] = json!({"zone_id": id, "role_arn": format!("arn:aws:iam::{account}:role/ccm-dns")});
        doc["customer_mappings"][&first]["deliverability_sns_topic_arn"] =
            json!(format!("arn:aws:sns:us-east-1:{}:ccm-deliverability", w.customer(0).account));
    });
    Zone { client, id }
}

#[tokio::test]
async fn onboarding_creates_identities_and_merges_every_customers_records_into_the_zone() {
    let Some(w) = World::new(2, 0).await else { return };
    let zone = with_zone(&w).await;
    let before = zone.records().await;

    let dry = w.json(&["domain", "onboard", "--all-customers", "--dry-run"]).await.expect_ok();
    assert_eq!(dry.result(&w.customer(0).code)["result"]["dry_run"], true);
    assert_eq!(zone.records().await, before, "a dry run writes no record");
    let ses = w.ses(w.customer(0)).await;
    assert!(ses.client().get_email_identity().email_identity(SENDER_DOMAIN).send().await.is_err(), "nor an identity");

    let run = w.json(&["domain", "onboard", "--all-customers"]).await.expect_ok();
    let mut tokens = BTreeSet::new();
    for c in &w.customers {
        let result = &run.result(&c.code)["result"];
        let identity = &result["identity"];
        assert_eq!(identity["dkim_tokens"].as_array().unwrap().len(), 3, "{result}");
        for t in identity["dkim_tokens"].as_array().unwrap() {
            let t = t.as_str().unwrap();
            let cname = zone.values(&format!("{t}._domainkey.{SENDER_DOMAIN}"), "CNAME").await;
            assert_eq!(cname, BTreeSet::from([format!("{t}.dkim.amazonses.com")]));
        }
        let verification = result["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == format!("_amazonses.{SENDER_DOMAIN}"))
            .unwrap()
            .clone();
        tokens.insert(verification["values"][0].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens.len(), 2, "each account has its own token");
    let txt = zone.values(&format!("_amazonses.{SENDER_DOMAIN}"), "TXT").await;
    let mut expected = tokens.clone();
    expected.insert("someone-elses-token".into());
    assert_eq!(txt, expected, "merged, nothing dropped");
    assert_eq!(
        zone.values(&format!("bounce.{SENDER_DOMAIN}"), "MX").await,
        BTreeSet::from(["10 feedback-smtp.us-east-1.amazonses.com".to_owned()])
    );
    assert_eq!(
        zone.values(&format!("bounce.{SENDER_DOMAIN}"), "TXT").await,
        BTreeSet::from(["v=spf1 include:amazonses.com ~all".to_owned()])
    );
    let dmarc = zone.values(&format!("_dmarc.{SENDER_DOMAIN}"), "TXT").await;
    assert!(
        dmarc.iter().next().unwrap().starts_with("v=DMARC1; p=quarantine; rua=mailto:dmarc@notify.example.com"),
        "{dmarc:?}"
    );

    // Idempotent: nothing left to write.
    let again = w.json(&["domain", "onboard", "--all-customers"]).await.expect_ok();
    for c in &w.customers {
        assert_eq!(again.result(&c.code)["result"]["upserted"], json!([]), "{}", again.stdout);
    }

    let shown = w.json(&["domain", "show-dns", "--customer", &w.customer(1).code]).await.expect_ok();
    assert_eq!(shown.result(&w.customer(1).code)["result"]["records"].as_array().unwrap().len(), 7);

    // The emulator leaves DKIM pending, so verify reports it and fails; everything else is in place.
    let verify = w.json(&["domain", "verify", "--customer", &w.customer(0).code]).await;
    assert!(!verify.ok());
    let checks = verify.result(&w.customer(0).code)["result"]["checks"].clone();
    let ok = |name: &str| checks.as_array().unwrap().iter().find(|c| c["check"] == name).map(|c| c["ok"].clone());
    assert_eq!(ok("identity"), Some(json!(true)), "{checks}");
    assert_eq!(ok("configuration set"), Some(json!(true)), "{checks}");
    assert_eq!(ok("event destination"), Some(json!(true)), "{checks}");
    assert_eq!(ok("DNS records"), Some(json!(true)), "{checks}");
    assert_eq!(ok("DKIM"), Some(json!(false)), "{checks}");
    for check in checks.as_array().unwrap().iter().filter(|c| c["ok"] == false) {
        assert!(!check["detail"].as_str().unwrap().contains("SUCCESS"), "a failing row says SUCCESS: {check}");
    }
}

/// Each customer's `changes` as sorted strings, with the tokens SES generated in the real run
/// replaced by the dry run's stand-ins.
fn normalized(run: &Run, replacements: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    run.changes()
        .into_iter()
        .map(|(customer, changes)| {
            let mut all: Vec<String> = changes
                .as_array()
                .unwrap()
                .iter()
                .map(|c| replacements.iter().fold(c.to_string(), |text, (real, stand_in)| text.replace(real, stand_in)))
                .collect();
            all.sort();
            (customer, all)
        })
        .collect()
}

#[tokio::test]
async fn the_onboarding_dry_run_lists_every_write_the_real_run_makes() {
    let Some(w) = World::new(2, 0).await else { return };
    let _zone = with_zone(&w).await;
    let args = ["domain", "onboard", "--all-customers", "--max-customer-concurrency", "1"];
    let dry = w.json(&[&args[..], &["--dry-run"]].concat()).await.expect_ok();
    let real = w.json(&args).await.expect_ok();

    let mut replacements = Vec::new();
    for c in &w.customers {
        let result = &real.result(&c.code)["result"];
        for (i, t) in result["identity"]["dkim_tokens"].as_array().unwrap().iter().enumerate() {
            replacements.push((t.as_str().unwrap().to_owned(), format!("<{}-dkim-token-{}>", c.code, i + 1)));
        }
        let verification = result["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == format!("_amazonses.{SENDER_DOMAIN}"))
            .unwrap()["values"][0]
            .as_str()
            .unwrap()
            .to_owned();
        replacements.push((verification, format!("<{}-verification-token>", c.code)));
    }
    assert_eq!(normalized(&dry, &replacements), normalized(&real, &replacements));

    // What the dry run showed: each customer's DKIM CNAMEs, and the records the customers share (the
    // _amazonses TXT, MX, SPF, DMARC) merged with what the zone has. Customers are planned
    // concurrently, so a shared record is planned by whichever comes first, on top of the others.
    let first = &w.customer(0).code;
    let all: Vec<serde_json::Value> = (0..2)
        .flat_map(|i| dry.changes()[&w.customer(i).code].as_array().unwrap().clone())
        .filter(|c| c["op"] == "Route53 UPSERT")
        .collect();
    for i in 0..2 {
        let code = &w.customer(i).code;
        for n in 1..=3 {
            let name = format!("<{code}-dkim-token-{n}>._domainkey.{SENDER_DOMAIN} CNAME");
            assert!(all.iter().any(|c| c["target"] == name), "{name} planned: {all:?}");
        }
        let mine = format!("<{code}-verification-token>");
        let txt = all.iter().any(|c| {
            c["target"] == format!("_amazonses.{SENDER_DOMAIN} TXT")
                && c["detail"]["values"]
                    .as_array()
                    .is_some_and(|v| v.contains(&json!("someone-elses-token")) && v.contains(&json!(mine)))
        });
        assert!(txt, "the shared TXT keeps the other token and adds {mine}: {all:?}");
    }
    for shared in [
        format!("bounce.{SENDER_DOMAIN} MX"),
        format!("bounce.{SENDER_DOMAIN} TXT"),
        format!("_dmarc.{SENDER_DOMAIN} TXT"),
    ] {
        assert!(all.iter().any(|c| c["target"] == shared), "{shared} planned: {all:?}");
    }
    assert!(dry.changes()[first].as_array().unwrap().iter().any(|c| c["op"] == "SES CreateEmailIdentity"));

    // A changed event topic: the dry run and the real run both update the one destination.
    let topic = format!("arn:aws:sns:us-east-1:{}:ccm-events-v2", w.customer(0).account);
    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&w.config).unwrap()).unwrap();
    config["customer_mappings"][first]["deliverability_sns_topic_arn"] = json!(topic);
    support::write_json(&w.config, &config);
    let (dry, _) = w.dry_run_then_real(&["domain", "onboard", "--customer", first], |_| {}).await;
    assert_eq!(
        dry.changes()[first],
        json!([{"op": "SES UpdateConfigurationSetEventDestination", "target": format!("{first}-ccoe-emails/email-events"),
                "detail": {"sns_topic_arn": topic}}])
    );

    // Everything in place: both runs plan nothing.
    let again = w.json(&["domain", "onboard", "--all-customers", "--dry-run"]).await.expect_ok();
    assert!(again.changes().values().all(|c| c == &json!([])), "{}", again.stdout);
}

#[tokio::test]
async fn onboarding_without_dns_only_prints_the_records() {
    let Some(w) = World::new(1, 0).await else { return };
    let run = w.run(&["domain", "onboard", "--customer", &w.customer(0).code, "--no-dns"]).await.expect_ok();
    assert!(run.stdout.contains("._domainkey.notify.example.com"), "{}", run.stdout);
    assert!(run.stdout.contains("_amazonses.notify.example.com"), "{}", run.stdout);
}
