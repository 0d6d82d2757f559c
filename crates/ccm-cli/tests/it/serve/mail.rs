//! The mail `ccm serve` writes to its outbox, read back from the `.eml` files with mail-parser: each
//! customer's copy names only that customer, messages are well-formed and automatic, links follow
//! the port really bound, one-click unsubscribe records opt-outs, and hostile text is refused.

use std::path::Path;

use ccm_embedded::outbox::OutboxEntry;
use serde_json::{Value, json};

use super::{Running, repo, sign_in, start};

/// An outbox entry with the raw bytes of its message.
type Mail = (OutboxEntry, Vec<u8>);

/// Every message in the outbox (read from the `.eml` files, so no session is needed) whose entry
/// matches `pred`, with its raw bytes.
fn mails(outbox: &Path, pred: &dyn Fn(&OutboxEntry) -> bool) -> Vec<Mail> {
    ccm_embedded::outbox::list(outbox)
        .unwrap()
        .into_iter()
        .filter(|e| pred(e))
        .map(|e| {
            let raw = std::fs::read(outbox.join(&e.customer).join(&e.file)).unwrap();
            (e, raw)
        })
        .collect()
}

/// Waits (up to ~10 s) until `done` holds for the matching messages, and returns them.
async fn wait_mails(outbox: &Path, pred: &dyn Fn(&OutboxEntry) -> bool, done: &dyn Fn(&[Mail]) -> bool) -> Vec<Mail> {
    for _ in 0..100 {
        let found = mails(outbox, pred);
        if done(&found) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the outbox never held the expected messages: {:#?}", ccm_embedded::outbox::list(outbox).unwrap());
}

/// Creates a change for `customers` and submits it (approval requests go out), as alice.
async fn submit_change(app: &Running, title: &str, customers: &[&str]) -> String {
    let http = reqwest::Client::new();
    let (alice, csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let day = (chrono::Utc::now() + chrono::Duration::days(7)).format("%Y-%m-%d").to_string();
    let res = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "changeTitle": title, "changeReason": "Test", "implementationPlan": "Do it",
            "customers": customers, "status": "submitted", "timezone": "Europe/Istanbul",
            "implementationBeginDate": day, "implementationBeginTime": "09:00",
            "implementationEndDate": day, "implementationEndTime": "10:00"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    created["object"]["changeId"].as_str().unwrap().to_owned()
}

fn subject_starts(prefix: &'static str) -> impl Fn(&OutboxEntry) -> bool {
    move |e: &OutboxEntry| e.subject.starts_with(prefix)
}

/// The header section of a raw message, unfolded, lower-cased.
fn headers_of(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text.split("\r\n\r\n").next().unwrap().replace("\r\n ", " ").to_lowercase()
}

#[tokio::test]
async fn each_customers_mail_names_that_customer_only_in_every_part_and_header() {
    let app = start().await;
    submit_change(&app, "Shared maintenance", &["initech", "stark"]).await;
    let pred = subject_starts("⚠️ Approval requested: Shared maintenance");
    let both =
        |m: &[Mail]| ["initech", "stark"].iter().all(|c| m.iter().filter(|(e, _)| e.customer == *c).count() >= 2);
    let found = wait_mails(&app.outbox, &pred, &both).await;
    for (entry, raw) in &found {
        let (own, other): (&str, &[&str]) = if entry.customer == "initech" {
            ("initech", &["stark", "stark industries"])
        } else {
            ("stark", &["initech"])
        };
        let msg = mail_parser::MessageParser::default().parse(raw).unwrap();
        let parts = [
            msg.subject().unwrap_or_default().to_lowercase(),
            msg.body_text(0).unwrap_or_default().to_lowercase(),
            msg.body_html(0).unwrap_or_default().to_lowercase(),
            headers_of(raw),
        ];
        for (i, part) in parts.iter().enumerate() {
            for name in other.iter() {
                assert!(!part.contains(name), "{}'s mail part {i} names {name}:\n{part}", entry.customer);
            }
            assert!(!part.contains("customers:"), "part {i} lists customers");
        }
        assert!(parts[1].contains(own), "it names its own customer");
        assert_eq!(msg.attachments().count(), 0, "no calendar or other attachment to leak through");
    }
}

#[tokio::test]
async fn outbox_mail_is_well_formed_automatic_and_links_to_the_port_really_bound() {
    let app = start().await;
    assert!(!app.base.ends_with(":8080"), "config.json says 8080; the test server is elsewhere");
    let title = "Port check — Zertifikate für alle Lastverteiler in Frankfurt und Zürich erneuern, dann prüfen";
    submit_change(&app, title, &["initech"]).await;
    let found = wait_mails(&app.outbox, &subject_starts("⚠️ Approval requested: Port check"), &|m| m.len() >= 2).await;
    for (_, raw) in &found {
        let msg = mail_parser::MessageParser::default().parse(raw).unwrap();
        let subject = msg.subject().unwrap();
        assert!(subject.chars().count() <= ccm_core::render::MAX_SUBJECT_CHARS && subject.ends_with('…'), "{subject}");
        let raw = String::from_utf8(raw.clone()).expect("the message is ASCII");
        for line in raw.split("\r\n\r\n").next().unwrap().split("\r\n") {
            assert!(line.len() <= 998, "a header line over the RFC 5322 limit");
            for word in line.split_whitespace().filter(|w| w.starts_with("=?")) {
                assert!(word.len() <= 75, "encoded-word of {} characters: {word}", word.len());
            }
        }
        assert_eq!(msg.header_raw("Auto-Submitted").map(str::trim), Some("auto-generated"));
        let from = msg.from().and_then(|a| a.first()).unwrap();
        assert_eq!(from.name(), Some("CCOE Customer Contact Manager"));
        let text = msg.body_text(0).unwrap();
        assert!(text.contains(&format!("{}/approvals.html?customerCode=initech", app.base)), "{text}");
        assert!(!text.contains(":8080") && !msg.body_html(0).unwrap().contains(":8080"));
        assert!(text.contains("Europe/Istanbul") && !text.contains("+03"), "a zone without abbreviation: {text}");
        let unsubscribe = msg.header_raw("List-Unsubscribe").unwrap().trim();
        assert!(unsubscribe.starts_with(&format!("<{}/unsubscribe/", app.base)), "{unsubscribe}");
        assert_eq!(msg.header_raw("List-Unsubscribe-Post").map(str::trim), Some("List-Unsubscribe=One-Click"));
    }
}

fn unsubscribe_link(raw: &[u8]) -> String {
    let msg = mail_parser::MessageParser::default().parse(raw).unwrap();
    let header = msg.header_raw("List-Unsubscribe").unwrap().trim().to_owned();
    header.trim_start_matches('<').trim_end_matches('>').to_owned()
}

#[tokio::test]
async fn one_click_unsubscribe_records_the_opt_out_and_the_next_mail_of_that_topic_skips_the_contact() {
    let app = start().await;
    let http = reqwest::Client::new();
    submit_change(&app, "Before unsubscribing", &["initech"]).await;
    let first =
        wait_mails(&app.outbox, &subject_starts("⚠️ Approval requested: Before unsubscribing"), &|m| m.len() >= 2)
            .await;
    let (_, raw) = first.iter().find(|(e, _)| e.to == "security@initech.example.com").unwrap();
    let link = unsubscribe_link(raw);
    let initech = ccm_core::CustomerCode::parse("initech").unwrap();
    let security = ccm_core::EmailAddress::parse("security@initech.example.com").unwrap();
    let approval = ccm_core::TopicName::parse("aws-approval").unwrap();
    let prefs = ccm_embedded::contacts::preferences_path(&app.data);

    // Forged and altered tokens: 400, nothing recorded.
    let (payload, mac) = link.rsplit_once('/').unwrap().1.split_once('.').unwrap();
    let flipped = format!("{}{}", &mac[..mac.len() - 1], if mac.ends_with('A') { 'B' } else { 'A' });
    for bad in ["garbage".to_owned(), format!("{payload}.{flipped}"), "a.b".to_owned()] {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let res = http.request(method.clone(), format!("{}/unsubscribe/{bad}", app.base)).send().await.unwrap();
            assert_eq!(res.status(), 400, "{method} {bad}");
        }
    }
    assert!(!prefs.exists() && !app.contacts.is_opted_out(&initech, &security, &approval));

    // GET shows a confirmation and changes nothing (link scanners follow links).
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("security@initech.example.com") && html.contains("method=\"post\""), "{html}");
    assert!(!app.contacts.is_opted_out(&initech, &security, &approval));

    // RFC 8058 one-click: a POST without cookies or session.
    let res = http
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(app.contacts.is_opted_out(&initech, &security, &approval));
    assert!(std::fs::read_to_string(&prefs).unwrap().contains("security@initech.example.com"));

    // The next approval request for initech goes to its other subscribers, not to security@.
    submit_change(&app, "After unsubscribing", &["initech"]).await;
    wait_mails(&app.outbox, &subject_starts("⚠️ Approval requested: After unsubscribing"), &|m| !m.is_empty()).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let next = mails(&app.outbox, &subject_starts("⚠️ Approval requested: After unsubscribing"));
    let to: Vec<&str> = next.iter().map(|(e, _)| e.to.as_str()).collect();
    assert_eq!(to, ["bob@example.com"], "security@ opted out of aws-approval");
}

#[tokio::test]
async fn control_and_bidi_characters_are_refused_at_input_naming_the_field() {
    let app = start().await;
    let http = reqwest::Client::new();
    let (cookie, csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let cases = [
        (
            "/api/changes",
            json!({"changeTitle": "Line one\r\nBcc: x@example.com", "customers": ["acme"]}),
            "changeTitle",
        ),
        ("/api/changes", json!({"changeTitle": "Tab\tin title", "customers": ["acme"]}), "changeTitle"),
        (
            "/api/changes",
            json!({"changeTitle": "ok", "implementationPlan": "nul\u{0}", "customers": ["acme"]}),
            "implementationPlan",
        ),
        (
            "/api/announcements",
            json!({"announcement_type": "general", "title": "invoice\u{202e}fdp.exe", "customers": ["acme"]}),
            "title",
        ),
        (
            "/api/announcements",
            json!({"announcement_type": "general", "title": "ok", "content": "x\u{2066}y", "customers": ["acme"]}),
            "content",
        ),
    ];
    for (path, body, field) in cases {
        let res = http
            .post(format!("{}{path}", app.base))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        let reply: Value = res.json().await.unwrap();
        assert_eq!(reply["field"], field, "{body}: {reply}");
    }
    let ok = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&json!({"changeTitle": "Fine", "implementationPlan": "1. one\n2.\ttwo", "customers": ["acme"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201, "line feeds and tabs stay allowed in multi-line text");
}

/// Kills the child process when the test ends, whatever happens.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_links_mail_to_the_port_it_listens_on_not_the_one_in_config() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_ccm"))
            .args(["serve", "--port", "0", "--data"])
            .arg(dir.path())
            .current_dir(repo())
            .env("CCM_SESSION_KEY", "k".repeat(48))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (mut running, mut links) = (None, None);
    for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(url) = line.strip_prefix("ccm is running: ") {
            running = Some(url.trim_end_matches('/').to_owned());
        }
        if let Some(url) = line.trim().strip_prefix("links in mail: ") {
            links = Some(url.to_owned());
            break;
        }
    }
    let (running, links) = (running.expect("the banner names the address"), links.expect("and the mail links"));
    assert_eq!(links, running);
    assert!(!links.ends_with(":8080"), "config.json's 8080 is not where this server listens");
}
