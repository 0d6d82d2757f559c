//! A reschedule end to end in `ccm serve`: approve a change, move its window, approve it again, and
//! find the "rescheduled" mail with old → new in the outbox, in the reader's zone first.

use serde_json::{Value, json};

use super::{Running, args, build, repo, sign_in};

/// `ccm serve` with the demo contacts, initech's ops contact reading times in Tokyo.
async fn start_with_a_tokyo_reader() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let mut contacts: Value = serde_json::from_str(ccm_cli::serve::DEMO_CONTACTS).unwrap();
    for c in contacts["initech"]["contacts"].as_array_mut().unwrap() {
        if c["email"] == "ops@initech.example.com" {
            c["timezone"] = json!("Asia/Tokyo");
        }
    }
    let file = dir.path().join("contacts.json");
    std::fs::write(&file, contacts.to_string()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut serve_args = args(dir.path());
    serve_args.port = listener.local_addr().unwrap().port();
    serve_args.contacts = Some(file);
    let server = build(&repo().join("config.json"), &repo().join("SESConfig.json"), &serve_args).await.unwrap();
    server.start_queue().await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (outbox, contacts) = (server.outbox.clone(), server.contacts.clone().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, server.router).await.unwrap();
    });
    Running { base, outbox, contacts, data: dir.path().to_path_buf(), _dir: dir, task }
}

/// The text parts of initech's messages whose subject starts with `prefix`, by recipient, once
/// there are at least `want` (waiting up to 30 s: the whole suite shares two cores); parsed from
/// the `.eml` files.
async fn texts(app: &Running, prefix: &str, want: usize) -> Vec<(String, String)> {
    for _ in 0..300 {
        let found: Vec<(String, String)> = ccm_embedded::outbox::list(&app.outbox)
            .unwrap()
            .into_iter()
            .filter(|e| e.customer == "initech" && e.subject.starts_with(prefix))
            .map(|e| {
                let raw = std::fs::read(app.outbox.join(&e.customer).join(&e.file)).unwrap();
                let msg = mail_parser::MessageParser::default().parse(&raw).expect("a MIME message");
                assert_eq!(msg.subject(), Some(e.subject.as_str()));
                let to = msg.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap().to_owned();
                (to, msg.body_text(0).unwrap().into_owned())
            })
            .collect();
        if found.len() >= want {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no {want} mails starting {prefix:?}: {:#?}", ccm_embedded::outbox::list(&app.outbox).unwrap());
}

#[tokio::test]
async fn moving_an_approved_changes_window_mails_its_audience_a_reschedule_with_old_and_new() {
    let app = start_with_a_tokyo_reader().await;
    let http = reqwest::Client::new();
    let (alice, alice_csrf) = sign_in(&http, &app.base, "alice@example.com").await;
    let (bob, bob_csrf) = sign_in(&http, &app.base, "bob@example.com").await;
    let title = "Reschedule end to end <b>";
    let created: Value = http
        .post(format!("{}/api/changes", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &alice_csrf)
        .json(&json!({
            "changeTitle": title, "changeReason": "Test", "implementationPlan": "Do it",
            "customers": ["initech"], "status": "submitted", "timezone": "Europe/Paris",
            "implementationStart": "2030-06-10T07:00:00Z", "implementationEnd": "2030-06-10T08:00:00Z"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["object"]["changeId"].as_str().unwrap().to_owned();
    let approve = || async {
        let res = http
            .post(format!("{}/api/changes/{id}/approve", app.base))
            .header("cookie", &bob)
            .header("x-csrf-token", &bob_csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    };
    let initech = ccm_core::CustomerCode::parse("initech").unwrap();
    let announce = ccm_core::TopicName::parse("aws-announce").unwrap();
    let audience = ccm_core::ports::ContactDirectory::subscribers(&*app.contacts, &initech, &announce).await.unwrap();
    assert!(audience.len() > 1);
    // The first approval requests go out before the approval (else the processor, finding the
    // object approved already, sends only the approved notice).
    assert_eq!(texts(&app, "⚠️ Approval requested: Reschedule end to end", 2).await.len(), 2, "bob and security");
    approve().await;
    let approved = texts(&app, "🟢 Reschedule end to end", audience.len()).await;

    // alice moves the window by a day: the change goes back for approval.
    let current = http.get(format!("{}/api/changes/{id}", app.base)).header("cookie", &alice).send().await.unwrap();
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let mut edited: Value = current.json().await.unwrap();
    edited["implementationStart"] = json!("2030-06-11T07:00:00Z");
    edited["implementationEnd"] = json!("2030-06-11T08:00:00Z");
    let res = http
        .put(format!("{}/api/changes/{id}", app.base))
        .header("cookie", &alice)
        .header("x-csrf-token", &alice_csrf)
        .header("if-match", etag)
        .json(&edited)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // Two approval requests per approver now: the first submission's and this one.
    let requests = texts(&app, "⚠️ Approval requested: Reschedule end to end", 4).await;
    let moved: Vec<_> = requests.iter().filter(|(_, t)| t.contains("Window moved:")).collect();
    assert_eq!(moved.len(), 2, "the second request says the window moved: {requests:#?}");
    assert!(moved[0].1.contains("was: June 10, 2030 at 9:00 AM CEST"), "{}", moved[0].1);
    assert!(moved[0].1.contains("now: June 11, 2030 at 9:00 AM CEST"), "{}", moved[0].1);

    approve().await;
    let rescheduled = texts(&app, "🕒 Rescheduled: Reschedule end to end <b>", approved.len()).await;
    assert_eq!(rescheduled.len(), approved.len(), "everyone who was told the old window hears of the new one");
    for (to, text) in &rescheduled {
        assert!(text.contains("Reschedule end to end <b>"), "the text part shows the title as written");
        let paris_was = text.find("June 10, 2030 at 9:00 AM CEST – June 10, 2030 at 10:00 AM CEST").expect(text);
        let paris_now = text.find("June 11, 2030 at 9:00 AM CEST – June 11, 2030 at 10:00 AM CEST").expect(text);
        assert!(paris_was < paris_now, "old, then new: {text}");
        if to == "ops@initech.example.com" {
            let tokyo =
                text.find("June 10, 2030 at 4:00 PM JST – June 10, 2030 at 5:00 PM JST (Asia/Tokyo)").expect(text);
            assert!(tokyo < paris_was, "the reader's zone first: {text}");
        }
    }
    assert!(rescheduled.iter().any(|(to, _)| to == "ops@initech.example.com"));
    // The re-approval sent no second "approved" notice.
    assert_eq!(texts(&app, "🟢 Reschedule end to end", 1).await.len(), approved.len());
}
