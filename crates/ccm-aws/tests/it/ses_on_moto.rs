//! Per-customer SES v2 on the moto emulator (patched by `scripts/moto_ses_patched.py`), through the
//! real SDK calls the adapters make: each customer is a separate AWS account reached by STS
//! AssumeRole; contacts, topics and verified senders live in that account; sent mail is read back
//! per account.
//!
//! Every test makes its own random accounts, so the tests share one server and run in parallel.
//! They skip (printing why) when moto is not installed, and fail with `CCM_REQUIRE_MOTO=1`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sesv2::config::Region;
use aws_sdk_sesv2::types::{SubscriptionStatus, Topic, TopicPreference};
use bytes::Bytes;
use ccm_aws::{CustomerClients, SesGateway, SesOptions};
use ccm_core::config::CustomerConfig;
use ccm_core::ports::{ContactDirectory, ContactError, MailError, Mailer, OutgoingEmail};
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use ccm_testkit::moto::{self, Moto};
use futures::TryStreamExt;
use mail_parser::{MessageParser, MimeHeaders};

const SENDER_DOMAIN: &str = "notify.example.com";
const LIST: &str = "ccoe-customer-contacts";
const PAGE_SIZE: i32 = 3;

/// A fresh random 12-digit account id: moto keeps every account's resources apart.
fn random_account() -> String {
    let n = u64::from_str_radix(&moto::unique_name("a")[2..14], 16).unwrap_or(1);
    format!("{:012}", 100_000_000_000 + n % 899_999_999_999)
}

fn unique_code(prefix: &str) -> CustomerCode {
    CustomerCode::parse(&moto::unique_name(prefix)[..prefix.len() + 9]).unwrap()
}

/// One customer of the test: its config and its account.
struct Customer {
    config: CustomerConfig,
    account: String,
}

impl Customer {
    fn new(prefix: &str, region: &str, role: &str) -> Self {
        let account = random_account();
        let code = unique_code(prefix);
        let config = serde_json::from_value(serde_json::json!({
            "customer_code": code,
            "customer_name": prefix,
            "environment": "nonprod",
            "region": region,
            "ses_role_arn": format!("arn:aws:iam::{account}:role/{role}"),
        }))
        .unwrap();
        Self { config, account }
    }

    fn code(&self) -> &CustomerCode {
        &self.config.customer_code
    }

    fn address(&self, local: &str) -> String {
        format!("{local}@{}.example.org", self.code())
    }

    /// An SES client in the customer's account for setting it up (a role of the test's own).
    async fn admin(&self, moto: &Moto) -> aws_sdk_sesv2::Client {
        let region = Region::new(self.config.region.clone());
        let base =
            moto.sdk_config().into_builder().time_source(aws_smithy_async::time::SystemTimeSource::new()).build();
        let provider = AssumeRoleProvider::builder(format!("arn:aws:iam::{}:role/ccm-test-admin", self.account))
            .session_name("ccm-test-admin")
            .region(region.clone())
            .configure(&base)
            .build()
            .await;
        let conf = aws_sdk_sesv2::config::Builder::from(&base)
            .region(region)
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        aws_sdk_sesv2::Client::from_conf(conf)
    }

    /// A verified sender domain and a contact list with the topics the tests use.
    async fn set_up_account(&self, moto: &Moto) -> aws_sdk_sesv2::Client {
        let ses = self.admin(moto).await;
        ses.create_email_identity().email_identity(SENDER_DOMAIN).send().await.expect("verifying the sender");
        let topic = |name: &str, default: SubscriptionStatus| {
            Topic::builder().topic_name(name).display_name(name).default_subscription_status(default).build().unwrap()
        };
        ses.create_contact_list()
            .contact_list_name(LIST)
            .topics(topic("aws-announce", SubscriptionStatus::OptOut))
            .topics(topic("aws-approval", SubscriptionStatus::OptOut))
            .topics(topic("general-updates", SubscriptionStatus::OptIn))
            .send()
            .await
            .expect("creating the contact list");
        ses
    }
}

async fn add_contact(
    ses: &aws_sdk_sesv2::Client,
    email: &str,
    prefs: &[(&str, SubscriptionStatus)],
    unsubscribe_all: bool,
) {
    let mut req = ses.create_contact().contact_list_name(LIST).email_address(email).unsubscribe_all(unsubscribe_all);
    for (topic, status) in prefs {
        req = req.topic_preferences(
            TopicPreference::builder().topic_name(*topic).subscription_status(status.clone()).build().unwrap(),
        );
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("creating contact {email}: {}", aws_sdk_sesv2::error::DisplayErrorContext(e)));
}

async fn gateway(moto: &Moto, customers: &[&Customer], options: SesOptions) -> SesGateway {
    let clients = CustomerClients::new(&moto.sdk_config(), customers.iter().map(|c| &c.config)).await;
    SesGateway::new(Arc::new(clients), options)
}

fn small_pages() -> SesOptions {
    SesOptions { contacts_page_size: PAGE_SIZE, first_contacts_page_size: 2, ..SesOptions::default() }
}

fn topic(name: &str) -> TopicName {
    TopicName::parse(name).unwrap()
}

fn email(to: &str, subject: &str, ics: Option<&str>) -> OutgoingEmail {
    OutgoingEmail {
        from: EmailAddress::parse(&format!("ccm@{SENDER_DOMAIN}")).unwrap(),
        from_name: None,
        to: EmailAddress::parse(to).unwrap(),
        subject: subject.to_owned(),
        html: "<p>Change <b>approved</b></p>".to_owned(),
        text: "Change approved".to_owned(),
        list_management: Some((LIST.to_owned(), topic("aws-announce"))),
        ics: ics.map(|s| Bytes::from(s.to_owned())),
        feedback: None,
    }
}

fn sorted(addresses: Vec<EmailAddress>) -> Vec<String> {
    let mut out: Vec<String> = addresses.iter().map(|a| a.as_str().to_owned()).collect();
    out.sort();
    out
}

#[tokio::test]
async fn subscribers_are_the_opted_in_contacts_of_a_topic_across_pages_in_each_account() {
    let Some(moto) = moto::shared().await else { return };
    use SubscriptionStatus::{OptIn, OptOut};
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let mut globex = Customer::new("globex", "eu-west-1", "ccm-ses-sender");
    globex.config.contact_list_name = Some(LIST.to_owned());

    let ses = acme.set_up_account(moto).await;
    let mut expected = Vec::new();
    for i in 0..7 {
        let address = acme.address(&format!("in{i}"));
        add_contact(&ses, &address, &[("aws-announce", OptIn)], false).await;
        expected.push(address);
    }
    add_contact(&ses, &acme.address("out"), &[("aws-announce", OptOut)], false).await;
    add_contact(&ses, &acme.address("approver"), &[("aws-approval", OptIn)], false).await;
    add_contact(&ses, &acme.address("gone"), &[("aws-announce", OptIn)], true).await;

    let ses = globex.set_up_account(moto).await;
    add_contact(&ses, &globex.address("only"), &[("aws-announce", OptIn)], false).await;
    add_contact(&ses, &globex.address("default"), &[], false).await;

    let gw = gateway(moto, &[&acme, &globex], small_pages()).await;
    assert_eq!(gw.list_name(acme.code()).await.unwrap(), LIST, "the account's single list is found");

    let announce = gw.subscribers(acme.code(), &topic("aws-announce")).await.expect("acme's subscribers");
    expected.sort();
    assert_eq!(sorted(announce), expected, "7 opted-in contacts over 3 pages, no opt-out, no unsubscribed");

    // Streamed, the same contacts arrive page by page: a short first page, then full ones.
    let announce_topic = topic("aws-announce");
    let pages: Vec<Vec<EmailAddress>> = gw
        .subscriber_pages(acme.code(), &announce_topic)
        .map_ok(|page| page.into_iter().map(|s| s.address).collect())
        .try_collect()
        .await
        .expect("acme's pages");
    assert!(pages.len() > 2 && pages[0].len() <= 2, "{pages:?}");
    assert!(pages.iter().skip(1).all(|p| p.len() <= PAGE_SIZE as usize), "{pages:?}");
    assert_eq!(sorted(pages.concat()), expected, "the pages hold what subscribers() returns");
    let none: Vec<_> = gw.subscriber_pages(globex.code(), &topic("no-such-topic")).try_collect().await.unwrap();
    assert!(none.concat().is_empty());

    let approval = gw.subscribers(acme.code(), &topic("aws-approval")).await.unwrap();
    assert_eq!(sorted(approval), vec![acme.address("approver")]);

    let announce = gw.subscribers(globex.code(), &topic("aws-announce")).await.unwrap();
    assert_eq!(sorted(announce), vec![globex.address("only")], "another account's contacts never leak in");

    // general-updates defaults to OPT_IN: a contact without a preference counts.
    let general = gw.subscribers(globex.code(), &topic("general-updates")).await.unwrap();
    assert_eq!(
        sorted(general),
        sorted(vec![
            EmailAddress::parse(&globex.address("default")).unwrap(),
            EmailAddress::parse(&globex.address("only")).unwrap(),
        ])
    );

    let unknown = gw.subscribers(globex.code(), &topic("no-such-topic")).await.unwrap();
    assert!(unknown.is_empty());
}

#[tokio::test]
async fn streaming_subscribers_reads_no_contact_so_zones_come_from_the_zone_book_not_from_ses() {
    // A GetContact per subscriber (SES allows one per second per account) would read this
    // attribute; the gateway makes none, the processor reads the customer's zone book (ADR 0015).
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let ses = acme.set_up_account(moto).await;
    let optin = [("aws-announce", SubscriptionStatus::OptIn)];
    add_contact(&ses, &acme.address("berlin"), &optin, false).await;
    add_contact(&ses, &acme.address("plain"), &optin, false).await;
    ses.update_contact()
        .contact_list_name(LIST)
        .email_address(acme.address("berlin"))
        .attributes_data(r#"{"timezone":"Europe/Berlin"}"#)
        .send()
        .await
        .unwrap();
    let gw = gateway(moto, &[&acme], small_pages()).await;
    let pages: Vec<Vec<ccm_core::ports::Subscriber>> =
        gw.subscriber_pages(acme.code(), &topic("aws-announce")).try_collect().await.expect("acme's pages");
    let subscribers = pages.concat();
    assert_eq!(subscribers.len(), 2);
    assert!(subscribers.iter().all(|s| s.timezone.is_none()), "no contact was read: {subscribers:?}");
}

#[tokio::test]
async fn a_send_is_accepted_in_each_customers_own_account_and_the_role_is_assumed_once() {
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let globex = Customer::new("globex", "eu-west-1", "ccm-ses-sender");
    acme.set_up_account(moto).await;
    globex.set_up_account(moto).await;
    let gw = gateway(moto, &[&acme, &globex], SesOptions::default()).await;

    for i in 0..3 {
        let receipt =
            gw.send(acme.code(), &email(&acme.address("jane"), &format!("Acme {i}"), None)).await.expect("acme send");
        assert!(!receipt.message_id.is_empty());
    }
    gw.send(globex.code(), &email(&globex.address("john"), "Globex", None)).await.expect("globex send");

    let acme_mail = moto.sent_to(&acme.account, &acme.address("jane")).await;
    assert_eq!(acme_mail.len(), 3, "{acme_mail:?}");
    assert_eq!(acme_mail[0].subject.as_deref(), Some("Acme 0"));
    assert_eq!(acme_mail[0].source, format!("ccm@{SENDER_DOMAIN}"));
    assert_eq!(acme_mail[0].region.as_deref(), Some("us-east-1"));
    let globex_mail = moto.sent_to(&globex.account, &globex.address("john")).await;
    assert_eq!(globex_mail.len(), 1);
    assert_eq!(globex_mail[0].region.as_deref(), Some("eu-west-1"));
    assert!(moto.sent_to(&globex.account, &acme.address("jane")).await.is_empty());

    let sessions = moto.assumed_roles().await;
    let acme_assumes = sessions
        .iter()
        .filter(|(role, session)| role == &acme.config.ses_role_arn && session == &format!("ccm-{}", acme.code()))
        .count();
    assert_eq!(acme_assumes, 1, "credentials are cached across sends: {sessions:?}");
}

#[tokio::test]
async fn an_invitation_goes_out_as_raw_mime_with_a_calendar_part() {
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    acme.set_up_account(moto).await;
    let gw = gateway(moto, &[&acme], SesOptions::default()).await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:chg-1@ccm\r\nSUMMARY:Change window\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    let to = acme.address("cal");
    gw.send(acme.code(), &email(&to, "📅 Change window: façade", Some(ics))).await.expect("raw send");

    let sent = moto.sent_to(&acme.account, &to).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let raw = sent[0].raw.as_deref().expect("a raw message");
    let message = MessageParser::default().parse(raw.as_bytes()).expect("parseable MIME");
    assert_eq!(message.subject(), Some("📅 Change window: façade"));
    assert_eq!(message.body_text(0).as_deref(), Some("Change approved"));
    assert_eq!(message.body_html(0).as_deref(), Some("<p>Change <b>approved</b></p>"));
    let calendar = message
        .attachments()
        .find(|p| p.content_type().is_some_and(|ct| ct.ctype() == "text" && ct.subtype() == Some("calendar")))
        .expect("a text/calendar part");
    let ct = calendar.content_type().unwrap();
    assert_eq!(ct.attribute("method"), Some("REQUEST"));
    assert!(ct.attribute("charset").is_some_and(|c| c.eq_ignore_ascii_case("utf-8")));
    assert_eq!(calendar.attachment_name(), Some("invite.ics"));
    assert_eq!(calendar.text_contents(), Some(ics));
}

#[tokio::test]
async fn a_refused_role_is_rejected_without_affecting_another_customer() {
    let Some(moto) = moto::shared().await else { return };
    let denied = Customer::new("denied", "us-east-1", "ccm-denied-sender");
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let ses = acme.set_up_account(moto).await;
    add_contact(&ses, &acme.address("jane"), &[("aws-announce", SubscriptionStatus::OptIn)], false).await;
    let gw = gateway(moto, &[&denied, &acme], SesOptions::default()).await;

    let denied_mail = email(&denied.address("x"), "never", None);
    let acme_mail = email(&acme.address("jane"), "Acme", None);
    let (refused, sent) = tokio::join!(gw.send(denied.code(), &denied_mail), gw.send(acme.code(), &acme_mail));
    match refused {
        Err(MailError::Rejected(why)) => assert!(why.contains("AccessDenied") && why.contains("assuming"), "{why}"),
        other => panic!("expected Rejected, got {other:?}"),
    }
    sent.expect("the other customer's send");

    let announce = topic("aws-announce");
    let (no_contacts, contacts) =
        tokio::join!(gw.subscribers(denied.code(), &announce), gw.subscribers(acme.code(), &announce));
    assert!(matches!(no_contacts, Err(ContactError::Other(_))), "{no_contacts:?}");
    assert_eq!(sorted(contacts.unwrap()), vec![acme.address("jane")]);
}

#[tokio::test]
async fn a_customer_without_a_contact_list_has_no_list_and_others_are_unaffected() {
    let Some(moto) = moto::shared().await else { return };
    let empty = Customer::new("empty", "us-east-1", "ccm-ses-sender");
    let mut configured = Customer::new("named", "us-east-1", "ccm-ses-sender");
    configured.config.contact_list_name = Some("not-created".to_owned());
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let ses = acme.set_up_account(moto).await;
    add_contact(&ses, &acme.address("jane"), &[("aws-announce", SubscriptionStatus::OptIn)], false).await;
    let gw = gateway(moto, &[&empty, &configured, &acme], SesOptions::default()).await;

    assert!(matches!(gw.list_name(empty.code()).await, Err(ContactError::NoList)));
    assert!(matches!(gw.subscribers(empty.code(), &topic("aws-announce")).await, Err(ContactError::NoList)));
    let missing = gw.subscribers(configured.code(), &topic("aws-announce")).await;
    assert!(matches!(missing, Err(ContactError::NoList)), "a configured list that does not exist: {missing:?}");
    assert_eq!(gw.subscribers(acme.code(), &topic("aws-announce")).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_unverified_sender_is_rejected_for_good() {
    let Some(moto) = moto::shared().await else { return };
    let fresh = Customer::new("fresh", "us-east-1", "ccm-ses-sender");
    let gw = gateway(moto, &[&fresh], SesOptions::default()).await;
    match gw.send(fresh.code(), &email(&fresh.address("jane"), "x", None)).await {
        Err(err @ MailError::Rejected(_)) => {
            assert!(!err.is_retryable());
            assert!(!err.to_string().contains(&format!("ccm@{SENDER_DOMAIN}")), "addresses are masked: {err}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_configured_max_send_rate_paces_the_sends() {
    let Some(moto) = moto::shared().await else { return };
    let mut slow = Customer::new("slow", "us-east-1", "ccm-ses-sender");
    slow.config.max_send_rate = Some(2.0);
    slow.set_up_account(moto).await;
    let gw = gateway(moto, &[&slow], SesOptions::default()).await;
    let started = Instant::now();
    for i in 0..5 {
        gw.send(slow.code(), &email(&slow.address(&format!("r{i}")), "paced", None)).await.expect("send");
    }
    // A burst of 2, then one every 500 ms: the fifth goes out after about 1.5 s.
    assert!(started.elapsed() >= Duration::from_millis(1400), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_restricted_customer_never_mails_outside_its_whitelist() {
    let Some(moto) = moto::shared().await else { return };
    let mut nonprod = Customer::new("nonprod", "us-east-1", "ccm-ses-sender");
    nonprod.config.restricted_recipients = vec![nonprod.address("allowed")];
    nonprod.set_up_account(moto).await;
    let gw = gateway(moto, &[&nonprod], SesOptions::default()).await;
    gw.send(nonprod.code(), &email(&nonprod.address("allowed"), "ok", None)).await.expect("whitelisted");
    let refused = gw.send(nonprod.code(), &email(&nonprod.address("other"), "no", None)).await;
    assert!(matches!(refused, Err(MailError::Rejected(_))), "{refused:?}");
    assert!(moto.sent_to(&nonprod.account, &nonprod.address("other")).await.is_empty());
}

#[tokio::test]
async fn a_throttled_customer_backs_off_then_gives_up_without_delaying_another() {
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let globex = Customer::new("globex", "us-east-1", "ccm-ses-sender");
    acme.set_up_account(moto).await;
    globex.set_up_account(moto).await;
    let options =
        SesOptions { throttle_retries: 2, throttle_backoff: Duration::from_millis(200), ..SesOptions::default() };
    let gw = gateway(moto, &[&acme, &globex], options).await;
    // The patched server answers 429 TooManyRequestsException for these recipients.
    let throttled = email(&format!("ccm-throttle@{}.example.org", acme.code()), "slow down", None);
    let fine = email(&globex.address("john"), "on time", None);

    let started = Instant::now();
    let (refused, delivered) = tokio::join!(gw.send(acme.code(), &throttled), async {
        let result = gw.send(globex.code(), &fine).await;
        (result, started.elapsed())
    });
    match refused {
        Err(err @ MailError::Throttled(_)) => assert!(err.is_retryable()),
        other => panic!("expected Throttled, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(600), "backed off 200 + 400 ms: {:?}", started.elapsed());
    let (result, globex_took) = delivered;
    result.expect("the other customer's send");
    assert!(globex_took < Duration::from_millis(500), "not held up by acme's back-off: {globex_took:?}");
    assert_eq!(moto.sent_to(&globex.account, &globex.address("john")).await.len(), 1);
}

#[tokio::test]
async fn an_ses_outage_is_unavailable_and_left_to_the_caller_to_retry() {
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    acme.set_up_account(moto).await;
    let gw = gateway(moto, &[&acme], SesOptions::default()).await;
    let outage = email(&format!("ccm-unavailable@{}.example.org", acme.code()), "x", None);
    match gw.send(acme.code(), &outage).await {
        Err(err @ MailError::Unavailable(_)) => assert!(err.is_retryable()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

/// The delivery a test send belongs to.
fn tags_for(customer: &Customer) -> ccm_core::feedback::SendTags {
    ccm_core::feedback::SendTags {
        object: ccm_core::ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap(),
        version: 4,
        event: ccm_core::Token::parse("approved").unwrap(),
        customer: customer.code().clone(),
    }
}

#[tokio::test]
async fn a_deliverys_send_carries_the_customers_configuration_set_and_its_tags() {
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let ses = acme.set_up_account(moto).await;
    let set = acme.config.configuration_set();
    ses.create_configuration_set().configuration_set_name(&set).send().await.expect("creating the configuration set");
    let gw = gateway(moto, &[&acme], SesOptions::default()).await;

    let mut tagged = email(&acme.address("jane"), "Tagged", None);
    tagged.feedback = Some(tags_for(&acme));
    let receipt = gw.send(acme.code(), &tagged).await.expect("send");
    gw.send(acme.code(), &email(&acme.address("john"), "Untagged", None)).await.expect("a send outside a delivery");

    let sent = moto.sent_to(&acme.account, &acme.address("jane")).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message_id, receipt.message_id);
    assert_eq!(sent[0].configuration_set.as_deref(), Some(set.as_str()), "{sent:?}");
    let want: std::collections::BTreeMap<String, String> =
        tags_for(&acme).to_pairs().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    assert_eq!(sent[0].tags, want);
    let untagged = moto.sent_to(&acme.account, &acme.address("john")).await;
    assert_eq!((untagged[0].configuration_set.clone(), untagged[0].tags.len()), (None, 0), "{untagged:?}");
}

#[tokio::test]
async fn without_the_configuration_set_in_the_account_a_deliverys_mail_still_goes_without_it() {
    let Some(moto) = moto::shared().await else { return };
    let acme = Customer::new("acme", "us-east-1", "ccm-ses-sender");
    let ses = acme.set_up_account(moto).await;
    // SES refuses a send naming a configuration set the account does not have.
    let refused = ses
        .send_email()
        .from_email_address(format!("ccm@{SENDER_DOMAIN}"))
        .destination(aws_sdk_sesv2::types::Destination::builder().to_addresses(acme.address("x")).build())
        .content(
            aws_sdk_sesv2::types::EmailContent::builder()
                .simple(
                    aws_sdk_sesv2::types::Message::builder()
                        .subject(aws_sdk_sesv2::types::Content::builder().data("s").build().unwrap())
                        .body(
                            aws_sdk_sesv2::types::Body::builder()
                                .text(aws_sdk_sesv2::types::Content::builder().data("t").build().unwrap())
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .configuration_set_name("missing-set")
        .send()
        .await
        .expect_err("refused");
    assert!(refused.as_service_error().is_some_and(|e| e.is_not_found_exception()), "{refused:?}");

    let gw = gateway(moto, &[&acme], SesOptions::default()).await;
    for who in ["jane", "john"] {
        let mut tagged = email(&acme.address(who), "Tagged", None);
        tagged.feedback = Some(tags_for(&acme));
        gw.send(acme.code(), &tagged).await.expect("sent without the configuration set");
        let sent = moto.sent_to(&acme.account, &acme.address(who)).await;
        assert_eq!((sent.len(), sent[0].configuration_set.clone()), (1, None), "{sent:?}");
    }
}
