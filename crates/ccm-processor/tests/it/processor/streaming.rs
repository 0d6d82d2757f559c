//! Subscribers streamed page by page into the sender: the first mail leaves before the last page is
//! read, each address gets one mail across pages, `restricted_recipients` holds on every page, and a
//! page that fails after some sends retries the trigger without mailing anyone twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ccm_core::ports::{
    ContactDirectory, ContactError, MailError, Mailer, OutgoingEmail, SendReceipt, Subscriber, SubscriberPages,
};
use ccm_core::survey::{BuiltinSurveys, SurveyKeys, respondent};
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use ccm_processor::Outcome;
use ccm_testkit::fakes::FakeMailer;
use serde_json::json;
use tokio::sync::watch;

use crate::support::*;

/// A page that fails when read, `times` times over.
struct Failure {
    page: usize,
    times: usize,
    permanent: bool,
}

/// A contact list read in fixed pages. A gated page is not read until `sends` mails went out; a
/// failing page answers with an error (and ends the listing, as a paginator does). With `only`, the
/// pages are that topic's and every other topic has nobody.
struct PagedContacts {
    pages: Vec<Vec<EmailAddress>>,
    only: Option<&'static str>,
    gate: Option<(usize, usize, watch::Receiver<usize>)>,
    failure: Mutex<Option<Failure>>,
    /// The pages read, in order, and how many mails had gone out when each was handed over.
    reads: Mutex<Vec<(usize, usize)>>,
    sent: watch::Receiver<usize>,
}

impl PagedContacts {
    fn new(pages: &[&[&str]], sent: watch::Receiver<usize>) -> Self {
        let pages = pages.iter().map(|p| p.iter().map(|a| EmailAddress::parse(a).unwrap()).collect()).collect();
        Self { pages, only: None, gate: None, failure: Mutex::new(None), reads: Mutex::new(Vec::new()), sent }
    }

    fn reads(&self) -> Vec<(usize, usize)> {
        self.reads.lock().unwrap().clone()
    }

    async fn page(&self, i: usize) -> Result<Vec<EmailAddress>, ContactError> {
        if let Some((gated, sends, rx)) = &self.gate
            && *gated == i
        {
            rx.clone().wait_for(|n| n >= sends).await.unwrap();
        }
        self.reads.lock().unwrap().push((i, *self.sent.borrow()));
        let mut failure = self.failure.lock().unwrap();
        if let Some(f) = failure.as_mut().filter(|f| f.page == i && f.times > 0) {
            f.times -= 1;
            return Err(if f.permanent {
                ContactError::Other("InvalidNextToken".into())
            } else {
                ContactError::Unavailable("503 Service Unavailable".into())
            });
        }
        Ok(self.pages[i].clone())
    }
}

#[async_trait]
impl ContactDirectory for PagedContacts {
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        Ok(format!("{customer}-contacts"))
    }
    async fn subscribers(&self, _: &CustomerCode, _: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        Ok(self.pages.concat())
    }
    fn subscriber_pages<'a>(&'a self, _: &'a CustomerCode, topic: &'a TopicName) -> SubscriberPages<'a> {
        if self.only.is_some_and(|only| only != topic.as_str()) {
            return Box::pin(futures::stream::empty());
        }
        Box::pin(futures::stream::unfold(Some(0), move |next| async move {
            let i = next.filter(|i| *i < self.pages.len())?;
            let page = self.page(i).await;
            let next = page.is_ok().then_some(i + 1);
            Some((page.map(|p| p.into_iter().map(Subscriber::from).collect()), next))
        }))
    }
}

/// The fake mailer, counting accepted mails on a watch channel the gated page waits on.
struct Counting {
    inner: Arc<FakeMailer>,
    sent: watch::Sender<usize>,
}

#[async_trait]
impl Mailer for Counting {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        let receipt = self.inner.send(customer, email).await?;
        self.sent.send_modify(|n| *n += 1);
        Ok(receipt)
    }
}

/// A rig whose contacts come in `pages`; `with` adjusts the contacts before they are installed.
async fn paged_rig(pages: &[&[&str]], with: impl FnOnce(&mut PagedContacts)) -> (Rig, Arc<PagedContacts>) {
    let mut rig = Rig::new().await;
    let (tx, rx) = watch::channel(0);
    let mut contacts = PagedContacts::new(pages, rx);
    with(&mut contacts);
    let contacts = Arc::new(contacts);
    rig.processor.contacts = contacts.clone();
    rig.processor.mailer = Arc::new(Counting { inner: rig.mailer.clone(), sent: tx });
    (rig, contacts)
}

fn approved(id: &str, customer: &str) -> ccm_core::Object {
    change(id, "approved", &[customer], json!({"approvedBy": "bob@example.com"}))
}

fn recipients(rig: &Rig) -> Vec<String> {
    let mut out: Vec<String> = rig.mailer.sent().iter().map(|m| m.email.to.as_str().to_owned()).collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_first_mail_leaves_before_the_last_page_is_read() {
    let pages: &[&[&str]] = &[
        &["a1@acme.example.com", "a2@acme.example.com"],
        &["b1@acme.example.com"],
        &["c1@acme.example.com", "c2@acme.example.com"],
    ];
    // The last page is held back until a mail has gone out: read-all-first would wait forever.
    let (rig, contacts) = paged_rig(pages, |c| c.gate = Some((2, 1, c.sent.clone()))).await;
    let o = approved("CHG-P1", "acme");
    rig.archive_and_trigger(&o).await;

    let outcome = tokio::time::timeout(Duration::from_secs(30), rig.processor.process(&code("acme"), o.id()))
        .await
        .expect("the first mail did not leave before the last page was read")
        .unwrap();
    let Outcome::Sent(s) = outcome else { panic!("{outcome:?}") };
    assert_eq!((s.subscribers, s.sent), (5, 5));
    let reads = contacts.reads();
    assert_eq!(reads.iter().map(|(page, _)| *page).collect::<Vec<_>>(), [0, 1, 2], "each page read once, in order");
    assert_eq!(reads[0].1, 0, "nothing is sent before the first page is read");
    assert!(reads[2].1 >= 1, "a mail had gone out before the last page was read: {reads:?}");
    assert!(rig.mailer.counts().values().all(|n| *n == 1));
    assert!(!rig.trigger_exists("acme", o.id()).await);
}

#[tokio::test]
async fn meeting_invitations_stream_too_and_the_extra_attendees_come_last_each_once() {
    let pages: &[&[&str]] =
        &[&["a1@acme.example.com", "a2@acme.example.com"], &["b1@acme.example.com"], &["c1@acme.example.com"]];
    let (mut rig, contacts) = paged_rig(pages, |c| {
        c.only = Some("aws-calendar");
        c.gate = Some((2, 1, c.sent.clone()));
    })
    .await;
    rig.processor.calendar = Some(Arc::new(ccm_processor::IcsCalendar::default()));
    // A1@ is an extra attendee and a subscriber (in another spelling): one invitation.
    let o = super::meetings::change_with_meeting(
        "CHG-P6",
        "approved",
        &["acme"],
        3,
        json!({"attendees": "A1@acme.example.com, guest@partner.example.com"}),
    );
    rig.archive_and_trigger(&o).await;
    tokio::time::timeout(Duration::from_secs(30), rig.processor.process(&code("acme"), o.id()))
        .await
        .expect("the first invitation did not leave before the last page was read")
        .unwrap();
    let invited: Vec<String> =
        rig.mailer.sent().iter().filter(|m| m.email.ics.is_some()).map(|m| m.email.to.as_str().to_owned()).collect();
    assert_eq!(invited.len(), 5, "{invited:?}");
    assert_eq!(invited.last().map(String::as_str), Some("guest@partner.example.com"), "the extra attendee comes last");
    assert!(rig.mailer.counts().values().all(|n| *n == 1), "{:?}", rig.mailer.counts());
    let reads = contacts.reads();
    assert_eq!(reads.iter().map(|(page, _)| *page).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(reads[2].1 >= 1, "an invitation had gone out before the last page was read: {reads:?}");
    let results = rig.results(o.id()).await;
    let r = results.iter().find(|r| r.event == "meeting-s1").unwrap();
    assert_eq!((r.subscribers, r.sent), (4, 5), "the extra attendee is sent to, not listed");
}

#[tokio::test]
async fn an_address_on_several_pages_in_any_spelling_gets_one_mail() {
    let pages: &[&[&str]] = &[
        &["Jane@Acme.example.com", "bob@acme.example.com"],
        &["jane@acme.example.com", "carol@acme.example.com"],
        &["JANE@ACME.EXAMPLE.COM", "Bob@acme.example.com"],
    ];
    let (rig, _) = paged_rig(pages, |_| {}).await;
    let o = approved("CHG-P2", "acme");
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.subscribers, s.sent, s.already_sent), (3, 3, 0), "distinct addresses are counted");
    assert_eq!(recipients(&rig), ["Jane@Acme.example.com", "bob@acme.example.com", "carol@acme.example.com"]);
}

#[tokio::test]
async fn restricted_recipients_hold_on_every_page() {
    // hts-nonprod allows only alice@, bob@ and qa-team@example.com (config.json).
    let pages: &[&[&str]] = &[
        &["user0@hts.example.com", "user1@hts.example.com"],
        &["Alice@Example.com", "user2@hts.example.com"],
        &[],
        &["user3@hts.example.com", "ALICE@example.com", "qa-team@example.com"],
    ];
    let (rig, _) = paged_rig(pages, |_| {}).await;
    let o = change("CHG-P3", "completed", &["hts-nonprod"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("hts-nonprod"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.subscribers, s.restricted, s.sent), (6, 4, 2));
    assert_eq!(recipients(&rig), ["Alice@Example.com", "qa-team@example.com"]);
}

#[tokio::test]
async fn a_list_whose_pages_hold_nobody_allowed_sends_nothing_and_finishes() {
    let pages: &[&[&str]] = &[&["user0@hts.example.com"], &["user1@hts.example.com"]];
    let (rig, contacts) = paged_rig(pages, |_| {}).await;
    let o = change("CHG-P4", "completed", &["hts-nonprod"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("hts-nonprod"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.subscribers, s.restricted, s.sent), (2, 2, 0));
    assert_eq!(contacts.reads().len(), 2, "every page was read");
    assert!(!rig.trigger_exists("hts-nonprod", o.id()).await);
}

#[tokio::test]
async fn a_page_that_fails_after_some_sends_retries_the_trigger_and_nobody_gets_two_mails() {
    let pages: &[&[&str]] = &[
        &["a1@acme.example.com", "a2@acme.example.com", "a3@acme.example.com"],
        &["b1@acme.example.com", "A1@acme.example.com"],
        &["c1@acme.example.com"],
    ];
    let (rig, _) =
        paged_rig(pages, |c| *c.failure.get_mut().unwrap() = Some(Failure { page: 1, times: 1, permanent: false }))
            .await;
    let o = approved("CHG-P5", "acme");
    rig.archive_and_trigger(&o).await;

    let first = rig.processor.process(&code("acme"), o.id()).await;
    assert!(first.as_ref().is_err_and(|e| e.retryable), "{first:?}");
    assert_eq!(recipients(&rig), ["a1@acme.example.com", "a2@acme.example.com", "a3@acme.example.com"]);
    assert!(rig.trigger_exists("acme", o.id()).await, "kept for the redelivery");
    assert!(rig.results(o.id()).await.is_empty(), "no result for an unfinished fan-out");

    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.subscribers, s.sent, s.already_sent), (5, 2, 3), "the ledger skips the first three");
    assert_eq!(rig.mailer.sent().len(), 5);
    assert!(rig.mailer.counts().values().all(|n| *n == 1), "{:?}", rig.mailer.counts());
    assert!(!rig.trigger_exists("acme", o.id()).await);
}

#[tokio::test]
async fn a_permanent_listing_error_after_some_sends_is_retried_not_dropped() {
    let pages: &[&[&str]] = &[&["a1@acme.example.com"], &["b1@acme.example.com"]];
    let (rig, _) =
        paged_rig(pages, |c| *c.failure.get_mut().unwrap() = Some(Failure { page: 1, times: 1, permanent: true }))
            .await;
    let o = approved("CHG-P6", "acme");
    rig.archive_and_trigger(&o).await;
    let first = rig.processor.process(&code("acme"), o.id()).await;
    assert!(first.as_ref().is_err_and(|e| e.retryable), "b1 must still get the mail: {first:?}");
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.sent, s.already_sent), (1, 1));
    assert_eq!(recipients(&rig), ["a1@acme.example.com", "b1@acme.example.com"]);
}

#[tokio::test]
async fn a_first_page_that_cannot_be_read_keeps_its_error_class_and_sends_nothing() {
    let pages: &[&[&str]] = &[&["a1@acme.example.com"]];
    let (rig, _) =
        paged_rig(pages, |c| *c.failure.get_mut().unwrap() = Some(Failure { page: 0, times: 1, permanent: true }))
            .await;
    let o = approved("CHG-P7", "acme");
    rig.archive_and_trigger(&o).await;
    let err = rig.processor.process(&code("acme"), o.id()).await.unwrap_err();
    assert!(!err.retryable, "nothing was sent and retrying cannot help: {err}");
    assert!(rig.mailer.sent().is_empty());
}

#[tokio::test]
async fn each_recipient_on_every_page_gets_their_own_survey_link() {
    let pages: &[&[&str]] =
        &[&["a1@acme.example.com"], &["b1@acme.example.com", "A1@acme.example.com"], &["c1@acme.example.com"]];
    let (mut rig, _) = paged_rig(pages, |_| {}).await;
    let keys = SurveyKeys::from_secrets(&"s".repeat(48), None);
    rig.processor.surveys = Some(Arc::new(BuiltinSurveys::new(keys.clone(), "https://ccm.example.com")));
    let o = change(
        "CHG-P8",
        "completed",
        &["acme"],
        json!({"completedBy": "alice@example.com", "completedAt": "2026-06-10T16:05:00Z"}),
    );
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 3);
    for m in rig.mailer.sent() {
        let start = m.email.text.find("https://ccm.example.com/survey.html?t=").expect("a survey link");
        let link = m.email.text[start..].split_whitespace().next().unwrap();
        let token = link.strip_prefix("https://ccm.example.com/survey.html?t=").unwrap();
        let claims = keys.verify(token, "2026-06-11T00:00:00Z".parse().unwrap()).unwrap();
        assert_eq!(claims.respondent, respondent(&m.email.to), "the link is {}'s", m.email.to);
    }
}
