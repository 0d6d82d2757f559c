//! A world for the CLI tests on the moto emulator: customers in distinct random accounts (reached by
//! AssumeRole), a config.json written for them, the CLI run in-process against the emulator, and
//! set-up clients in each customer's account.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_sdk_identitystore::types::{Email, MemberId, Name};
use ccm_admin::identity_center::IdentityCenter;
use ccm_admin::session::assume_role;
use ccm_admin::{ContactRecord, SesAdmin};
use ccm_cli::commands::output::Printer;
use ccm_cli::commands::progress::Progress;
use ccm_cli::{Cli, Runtime};
use ccm_testkit::moto::{self, Moto};
use clap::Parser;
use serde_json::{Value, json};

pub const SENDER_DOMAIN: &str = "notify.example.com";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh random 12-digit account id: moto keeps every account's resources apart.
pub fn random_account() -> String {
    let n = u64::from_str_radix(&moto::unique_name("a")[2..14], 16).unwrap_or(1);
    format!("{:012}", 100_000_000_000 + n % 899_999_999_999)
}

pub struct Customer {
    pub code: String,
    pub account: String,
    /// The SES role is refused by STS (the emulator's `ccm-denied` hook).
    pub denied: bool,
}

impl Customer {
    pub fn address(&self, local: &str) -> String {
        format!("{local}@{}.example.org", self.code)
    }
}

pub struct World {
    pub moto: &'static Moto,
    pub dir: tempfile::TempDir,
    pub customers: Vec<Customer>,
    pub config: PathBuf,
    pub ses_config: PathBuf,
}

/// What one run of the CLI gave.
#[derive(Debug)]
pub struct Run {
    pub code: ExitCode,
    pub stdout: String,
    /// The progress bars and spinners the run would have drawn (`"{label} {what}: {len}"`).
    pub progress: Vec<String>,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == ExitCode::SUCCESS
    }

    /// Panics with the output unless the command succeeded.
    #[track_caller]
    pub fn expect_ok(self) -> Self {
        assert!(self.ok(), "the command failed:\n{}", self.stdout);
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    /// Each item's `result.changes` in a fan-out JSON document (customers or orgs), by name.
    pub fn changes(&self) -> BTreeMap<String, Value> {
        let doc = self.json();
        let (noun, items) = match doc.get("orgs") {
            Some(orgs) => ("org", orgs.clone()),
            None => ("customer", doc["customers"].clone()),
        };
        items
            .as_array()
            .unwrap_or_else(|| panic!("not a fan-out document:\n{}", self.stdout))
            .iter()
            .map(|i| (i[noun].as_str().unwrap_or_default().to_owned(), i["result"]["changes"].clone()))
            .collect()
    }

    /// The `result` of `customer` in a fan-out JSON document.
    pub fn result(&self, customer: &str) -> Value {
        let doc = self.json();
        doc["customers"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["customer"] == customer))
            .unwrap_or_else(|| panic!("no result for {customer}:\n{}", self.stdout))
            .clone()
    }
}

impl World {
    /// `n` customers with working roles, plus `denied` whose SES role STS refuses. `None` when moto is
    /// not installed (the test then passes, printing why, unless CCM_REQUIRE_MOTO=1).
    pub async fn new(n: usize, denied: usize) -> Option<Self> {
        let moto = moto::shared().await?;
        let dir = tempfile::tempdir().unwrap();
        let mut customers = Vec::new();
        for i in 0..n + denied {
            let code = format!("c{}", &moto::unique_name("x")[2..12]);
            customers.push(Customer { code, account: random_account(), denied: i >= n });
        }
        let world = Self {
            moto,
            config: dir.path().join("config.json"),
            ses_config: dir.path().join("SESConfig.json"),
            dir,
            customers,
        };
        std::fs::copy(repo().join("SESConfig.json"), &world.ses_config).unwrap();
        world.write_config(|_| {});
        Some(world)
    }

    /// Writes config.json for the customers, after `edit`.
    pub fn write_config(&self, edit: impl FnOnce(&mut Value)) {
        let mut mappings = serde_json::Map::new();
        for c in &self.customers {
            let ses_role = if c.denied { "ccm-denied-ses" } else { "ccm-ses" };
            mappings.insert(
                c.code.clone(),
                json!({
                    "customer_code": c.code,
                    "customer_name": format!("Customer {}", c.code),
                    "environment": "prod",
                    "region": "us-east-1",
                    "ses_role_arn": format!("arn:aws:iam::{}:role/{ses_role}", c.account),
                    "identity_center_role_arn": format!("arn:aws:iam::{}:role/ccm-identity-center", c.account),
                }),
            );
        }
        let mut doc = json!({
            "aws_region": "us-east-1",
            "customer_mappings": mappings,
            "email_config": {
                "sender_address": format!("ccm@{SENDER_DOMAIN}"),
                "meeting_organizer": format!("meetings@{SENDER_DOMAIN}"),
                "portal_base_url": "https://ccm.example.com",
                "domain": SENDER_DOMAIN,
                "mail_from_subdomain": "bounce",
                "dmarc_policy": "quarantine",
                "dmarc_report_email": "dmarc"
            }
        });
        edit(&mut doc);
        std::fs::write(&self.config, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }

    pub fn customer(&self, i: usize) -> &Customer {
        &self.customers[i]
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `ccm --config … --ses-config … <args>` in-process against the emulator, capturing stdout.
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut argv: Vec<String> = vec![
            "ccm".into(),
            "--config".into(),
            self.config.display().to_string(),
            "--ses-config".into(),
            self.ses_config.display().to_string(),
        ];
        argv.extend(args.iter().map(|a| a.to_string()));
        let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
        let printer = Printer::capture();
        let (progress, drawn) = Progress::recording();
        let runtime = Runtime { sdk: Some(self.moto.sdk_config()), printer: printer.clone(), progress: Some(progress) };
        // Boxed: the command futures are large, and a test awaits many in a row.
        let code = Box::pin(ccm_cli::run(cli, runtime)).await;
        let progress = drawn.lock().unwrap().clone();
        Run { code, stdout: printer.captured(), progress }
    }

    /// Runs `args` (JSON output) with `--dry-run`, then without, and checks that every item's dry-run
    /// `changes` are exactly the real run's, after `normalize` (e.g. tokens SES generates only on
    /// the real run), and that there are some.
    pub async fn dry_run_then_real(&self, args: &[&str], normalize: impl Fn(&mut Value)) -> (Run, Run) {
        let mut dry_args = args.to_vec();
        dry_args.push("--dry-run");
        let dry = self.json(&dry_args).await.expect_ok();
        let real = self.json(args).await.expect_ok();
        let (mut planned, mut done) = (dry.changes(), real.changes());
        planned.values_mut().for_each(&normalize);
        done.values_mut().for_each(&normalize);
        assert!(
            planned.values().any(|c| c.as_array().is_some_and(|a| !a.is_empty())),
            "{args:?}: the dry run plans nothing:\n{}",
            dry.stdout
        );
        assert_eq!(planned, done, "{args:?}: the dry run and the real run differ");
        (dry, real)
    }

    /// Like [`run`](Self::run) with `--output json` first.
    pub async fn json(&self, args: &[&str]) -> Run {
        let mut all = vec!["--output", "json"];
        all.extend_from_slice(args);
        self.run(&all).await
    }

    async fn admin_config(&self, c: &Customer) -> aws_config::SdkConfig {
        let role = format!("arn:aws:iam::{}:role/ccm-test-admin", c.account);
        assume_role(&self.moto.sdk_config(), &role, "ccm-test-admin", "us-east-1").await
    }

    /// SES administration in the customer's account, as the test's own role.
    pub async fn ses(&self, c: &Customer) -> SesAdmin {
        SesAdmin::new(ccm_admin::ses::SesClient::new(&self.admin_config(c).await), None)
    }

    /// Every contact of the customer's only list, with attributes.
    pub async fn contacts(&self, c: &Customer) -> Vec<ContactRecord> {
        let ses = self.ses(c).await;
        let list = ses.require_list().await.unwrap();
        ses.contacts_in_detail(&list.name, &ccm_admin::limiter::Pacer::unlimited(), 8, || {}).await.unwrap()
    }

    /// A fresh metadata bucket, named in config.json's `s3_config` (a later `write_config` drops it).
    pub async fn with_bucket(&self) -> String {
        let bucket = self.moto.create_bucket("ccm-zones").await;
        let named = bucket.clone();
        self.write_config(move |doc| doc["s3_config"] = json!({"bucket_name": named}));
        bucket
    }

    /// The metadata bucket as a document store.
    pub fn bucket_store(&self, bucket: &str) -> ccm_aws::S3DocumentStore {
        ccm_aws::S3DocumentStore::new(self.moto.s3_client(), bucket)
    }

    /// The customer's zone book in `bucket`, if there is one.
    pub async fn zone_book(&self, bucket: &str, c: &Customer) -> Option<ccm_core::zone_book::ZoneBook> {
        let code = ccm_core::CustomerCode::parse(&c.code).unwrap();
        let (parsed, _) = ccm_core::zone_book::load(&self.bucket_store(bucket), &code).await.unwrap()?;
        Some(parsed.unwrap().book)
    }

    pub async fn directory(&self, c: &Customer) -> Directory {
        let cfg = self.admin_config(c).await;
        let store = IdentityCenter::new(&cfg).discover().await.unwrap().identity_store_id;
        Directory { client: aws_sdk_identitystore::Client::new(&cfg), store }
    }
}

/// Set-up access to a customer's Identity Store.
pub struct Directory {
    pub client: aws_sdk_identitystore::Client,
    pub store: String,
}

impl Directory {
    pub async fn user(&self, name: &str, email: &str) -> String {
        self.user_in_zone(name, email, None).await
    }

    /// A user whose `Timezone` attribute is `zone`.
    pub async fn user_in_zone(&self, name: &str, email: &str, zone: Option<&str>) -> String {
        self.client
            .create_user()
            .identity_store_id(&self.store)
            .set_timezone(zone.map(str::to_owned))
            .user_name(name)
            .display_name(name)
            .name(Name::builder().given_name(name).family_name("Test").build())
            .emails(Email::builder().value(email).primary(true).build())
            .send()
            .await
            .unwrap()
            .user_id
    }

    pub async fn group(&self, name: &str) -> String {
        self.client.create_group().identity_store_id(&self.store).display_name(name).send().await.unwrap().group_id
    }

    pub async fn join(&self, group: &str, user: &str) {
        self.client
            .create_group_membership()
            .identity_store_id(&self.store)
            .group_id(group)
            .member_id(MemberId::UserId(user.to_owned()))
            .send()
            .await
            .unwrap();
    }

    pub async fn delete_user(&self, user: &str) {
        self.client.delete_user().identity_store_id(&self.store).user_id(user).send().await.unwrap();
    }
}

pub fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}
