//! The whole AWS path on the moto emulator, through the real SDK calls: a trigger PUT to S3 → S3 event
//! notification → SQS → the processor (SQS batch handler) → SES SendEmail in **two different customer
//! accounts** reached by assumed roles, read back per account.
//!
//! Skips (printing why) without moto; fails with `CCM_REQUIRE_MOTO=1`.

use std::sync::Arc;

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sesv2::config::Region;
use aws_sdk_sesv2::types::{SubscriptionStatus, Topic, TopicPreference};
use aws_sdk_sqs::types::QueueAttributeName;
use bytes::Bytes;
use ccm_core::config::AppConfig;
use ccm_core::ports::PutOptions;
use ccm_core::{Object, StorageKey};
use ccm_processor::{Settings, SqsEvent};
use ccm_testkit::moto::{self, Moto};
use serde_json::json;

const SENDER_DOMAIN: &str = "ccm.example.com";

fn random_account() -> String {
    let n = u64::from_str_radix(&moto::unique_name("a")[2..14], 16).unwrap_or(1);
    format!("{:012}", 100_000_000_000 + n % 899_999_999_999)
}

async fn admin_ses(moto: &Moto, account: &str) -> aws_sdk_sesv2::Client {
    let base = moto.sdk_config().into_builder().time_source(aws_smithy_async::time::SystemTimeSource::new()).build();
    let provider = AssumeRoleProvider::builder(format!("arn:aws:iam::{account}:role/ccm-test-admin"))
        .session_name("ccm-test-admin")
        .region(Region::new("us-east-1"))
        .configure(&base)
        .build()
        .await;
    let conf = aws_sdk_sesv2::config::Builder::from(&base)
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    aws_sdk_sesv2::Client::from_conf(conf)
}

/// A verified sender, a contact list with the routed topics, and `n` subscribers of aws-announce.
async fn set_up_customer(moto: &Moto, account: &str, code: &str, n: usize) -> Vec<String> {
    let ses = admin_ses(moto, account).await;
    ses.create_email_identity().email_identity(SENDER_DOMAIN).send().await.expect("verifying the sender");
    let topic = |name: &str| {
        Topic::builder()
            .topic_name(name)
            .display_name(name)
            .default_subscription_status(SubscriptionStatus::OptOut)
            .build()
            .unwrap()
    };
    ses.create_contact_list()
        .contact_list_name(format!("{code}-contacts"))
        .topics(topic("aws-announce"))
        .topics(topic("aws-approval"))
        .send()
        .await
        .expect("creating the contact list");
    let mut addresses = Vec::new();
    for i in 0..n {
        let address = format!("user{i}@{code}.example.org");
        ses.create_contact()
            .contact_list_name(format!("{code}-contacts"))
            .email_address(&address)
            .topic_preferences(
                TopicPreference::builder()
                    .topic_name("aws-announce")
                    .subscription_status(SubscriptionStatus::OptIn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("creating a contact");
        addresses.push(address);
    }
    // One contact that did not opt in must receive nothing.
    ses.create_contact()
        .contact_list_name(format!("{code}-contacts"))
        .email_address(format!("quiet@{code}.example.org"))
        .send()
        .await
        .expect("creating a contact");
    addresses
}

fn config(customers: &[(&str, &str)], bucket: &str) -> Arc<AppConfig> {
    let mut mappings = serde_json::Map::new();
    for (code, account) in customers {
        mappings.insert(
            (*code).into(),
            json!({"customer_code": code, "customer_name": format!("Customer {code}"), "environment": "prod", "region": "us-east-1",
                   "ses_role_arn": format!("arn:aws:iam::{account}:role/ccm-ses-sender")}),
        );
    }
    let text = json!({
        "aws_region": "us-east-1",
        "s3_config": {"bucket_name": bucket},
        "customer_mappings": mappings,
        "email_config": {"sender_address": format!("notifications@{SENDER_DOMAIN}"), "meeting_organizer": format!("meetings@{SENDER_DOMAIN}"),
                         "portal_base_url": "https://ccm.example.com"},
        "portal": {"allowed_email_domains": ["example.com"]}
    });
    Arc::new(AppConfig::from_json(&text.to_string()).unwrap())
}

#[tokio::test]
async fn a_trigger_put_to_s3_flows_through_sqs_to_ses_in_two_customer_accounts() {
    let Some(moto) = moto::shared().await else {
        eprintln!("skipping: the moto emulator is not installed (scripts/setup-python.sh)");
        return;
    };
    let suffix = moto::unique_name("c");
    let (alpha, beta) = (format!("alpha{}", &suffix[2..8]), format!("beta{}", &suffix[2..8]));
    let (acct_a, acct_b) = (random_account(), random_account());
    let subs_a = set_up_customer(moto, &acct_a, &alpha, 3).await;
    let subs_b = set_up_customer(moto, &acct_b, &beta, 2).await;

    // The bucket notifies one queue of triggers under customers/ (as infra/ sets up, per customer).
    let sdk = moto.sdk_config();
    let s3 = moto.s3_client();
    let bucket = moto.create_bucket("ccm-e2e").await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url =
        sqs.create_queue().queue_name(moto::unique_name("ccm-events")).send().await.unwrap().queue_url.unwrap();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
        QueueConfiguration, S3KeyFilter,
    };
    let filter = NotificationConfigurationFilter::builder()
        .key(
            S3KeyFilter::builder()
                .filter_rules(FilterRule::builder().name(FilterRuleName::Prefix).value("customers/").build())
                .filter_rules(FilterRule::builder().name(FilterRuleName::Suffix).value(".json").build())
                .build(),
        )
        .build();
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .queue_arn(&queue_arn)
                        .events(Event::S3ObjectCreated)
                        .filter(filter)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    // What the API does on approval: the archive first, then one trigger per customer.
    let cfg = config(&[(&alpha, &acct_a), (&beta, &acct_b)], &bucket);
    let processor = ccm_lambda::wiring::processor(&sdk, cfg, &bucket, Settings::default()).await;
    let object = Object::from_json(
        json!({"changeId": "CHG-e2e-1", "changeTitle": "Emulator end to end", "changeReason": "Proof", "customers": [alpha, beta],
               "status": "approved", "version": 3, "approvedBy": "bob@example.com", "createdBy": "alice@example.com",
               "implementationStart": "2026-06-10T14:00:00Z", "implementationEnd": "2026-06-10T16:00:00Z", "timezone": "UTC"})
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let body = Bytes::from(object.to_json());
    processor.store.put(&StorageKey::Archive(object.id().clone()), body.clone(), PutOptions::default()).await.unwrap();
    for c in object.customers() {
        processor
            .store
            .put(&StorageKey::Trigger(c.clone(), object.id().clone()), body.clone(), PutOptions::default())
            .await
            .unwrap();
    }

    // Drain the queue into SQS-shaped batches for the Lambda handler.
    let mut records = Vec::new();
    for _ in 0..5 {
        let got = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in got.messages.unwrap_or_default() {
            records.push(json!({"messageId": m.message_id.unwrap_or_default(), "body": m.body.unwrap_or_default()}));
        }
        if records.len() >= 3 {
            break;
        }
    }
    assert!(records.len() >= 2, "S3 notified the queue of both triggers: {records:?}");
    let batch: SqsEvent = serde_json::from_value(json!({"Records": records})).unwrap();
    let response = ccm_processor::handle_batch(&processor, &batch).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");

    for (account, subs) in [(&acct_a, &subs_a), (&acct_b, &subs_b)] {
        for address in subs.iter() {
            let sent = moto.sent_to(account, address).await;
            assert_eq!(sent.len(), 1, "{address} in {account} got exactly one message");
            assert!(sent[0].subject.as_deref().unwrap_or_default().contains("Emulator end to end"));
        }
    }
    assert!(
        moto.sent_to(&acct_a, &subs_b[0]).await.is_empty(),
        "beta's subscribers are not mailed from alpha's account"
    );
    for c in object.customers() {
        assert!(processor.store.head(&StorageKey::Trigger(c.clone(), object.id().clone())).await.unwrap().is_none());
    }
    let quiet = format!("quiet@{alpha}.example.org");
    assert!(moto.sent_to(&acct_a, &quiet).await.is_empty(), "a contact without the topic gets nothing");

    // Redelivery of the same batch sends nothing more.
    ccm_processor::handle_batch(&processor, &batch).await;
    assert_eq!(moto.sent_to(&acct_a, &subs_a[0]).await.len(), 1);
}
