//! The change calendar, its feeds and blackout windows through the API.

use http::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::support::*;

/// A blackout window as carol (admin) creates it.
async fn blackout(carol: &Client, body: Value) -> (Value, String) {
    let (status, headers, reply) = carol.post("/api/blackouts", body).await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    (reply["blackout"].clone(), headers[header::ETAG].to_str().unwrap().to_owned())
}

fn june_30_freeze(customers: Value) -> Value {
    json!({"name": "Month-end close", "reason": "Finance closes the books", "customers": customers,
           "schedule": {"kind": "month_end", "days_before_end": 0, "start_time": "00:00", "duration_minutes": 1440},
           "timezone": "UTC"})
}

fn change_on(title: &str, customers: Value, start: &str, end: &str) -> Value {
    let mut body = complete_change(title);
    body["customers"] = customers;
    body["implementationStart"] = json!(start);
    body["implementationEnd"] = json!(end);
    body
}

fn entry_ids(calendar: &Value) -> Vec<&str> {
    calendar["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_calendar_shows_windows_in_the_range_with_blackouts_within_the_customer_scope() {
    let app = TestApp::new().await;
    let (alice, carol, cathy) =
        (app.login("alice@example.com"), app.login("carol@example.com"), app.login("cathy@acme.example.com"));
    let acme = submitted_change(&alice, "Acme patch").await; // 2026-06-10, acme + globex
    let globex = id_of(
        &alice
            .create(
                "/api/changes",
                change_on("Globex only", json!(["globex"]), "2026-06-11T10:00:00Z", "2026-06-11T11:00:00Z"),
            )
            .await,
    );
    alice.act(&globex, "submit").await;
    let later = id_of(
        &alice
            .create(
                "/api/changes",
                change_on("Next month", json!(["acme"]), "2026-07-20T10:00:00Z", "2026-07-20T11:00:00Z"),
            )
            .await,
    );
    blackout(&carol, june_30_freeze(json!(["globex"]))).await;
    blackout(&carol, june_30_freeze(json!([]))).await;

    let june = "/api/calendar?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z";
    let (status, _, cal) = alice.get(june).await;
    assert_eq!(status, StatusCode::OK, "{cal}");
    assert_eq!(entry_ids(&cal), [acme.as_str(), globex.as_str()], "by start; the July change is outside");
    assert!(!entry_ids(&cal).contains(&later.as_str()));
    assert_eq!(cal["blackouts"].as_array().unwrap().len(), 2);
    assert_eq!(cal["blackouts"][0]["start"], "2026-06-30T00:00:00Z");

    let (_, _, scoped) = cathy.get(june).await;
    assert_eq!(entry_ids(&scoped), [acme.as_str()], "a customer user sees their customer only");
    assert_eq!(scoped["entries"][0]["customers"], json!(["acme"]), "and not who else shares it");
    let shown: Vec<&Value> = scoped["blackouts"].as_array().unwrap().iter().collect();
    assert_eq!(shown.len(), 1, "the global blackout only: {scoped}");
    assert_eq!(shown[0]["global"], true);

    let (_, _, filtered) = alice.get(&format!("{june}&customer=globex&status=submitted")).await;
    assert_eq!(entry_ids(&filtered), [acme.as_str(), globex.as_str()]);
    let (_, _, approved) = alice.get(&format!("{june}&status=approved")).await;
    assert!(entry_ids(&approved).is_empty());

    for (bad, field) in [
        ("/api/calendar?from=2026-06-01T00:00:00Z&to=2026-05-01T00:00:00Z", "to"),
        ("/api/calendar?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z", "to"),
        ("/api/calendar?from=yesterday&to=2026-05-01T00:00:00Z", "from"),
        ("/api/calendar?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z&status=lost", "status"),
    ] {
        let (status, _, body) = alice.get(bad).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some(field)), "{bad}: {body}");
    }
    assert_eq!(app.anonymous().get(june).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn blackout_windows_are_written_by_admins_with_versions_and_if_match() {
    let app = TestApp::new().await;
    let (alice, carol) = (app.login("alice@example.com"), app.login("carol@example.com"));
    let (status, _, body) = alice.post("/api/blackouts", june_30_freeze(json!(["acme"]))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");

    let (status, _, body) = carol
        .post("/api/blackouts", json!({"name": "", "reason": "x", "schedule": {"kind": "weekly", "weekday": "friday", "start_time": "25:00", "duration_minutes": 60}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "schedule.start_time"]);

    let (created, etag) = blackout(&carol, june_30_freeze(json!(["acme"]))).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("BLK-"));
    assert_eq!((created["version"].as_u64(), created["created_by"].as_str()), (Some(1), Some("carol@example.com")));
    assert!(app.stored(&format!("blackouts/{id}.json")).await.is_some());
    let path = format!("/api/blackouts/{id}");

    let mut edit = june_30_freeze(json!(["acme", "globex"]));
    edit["name"] = json!("Month-end close (extended)");
    let (status, _, _) = carol.call(Method::PUT, &path).json(edit.clone()).send().await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let (status, headers, saved) = carol.put(&path, &etag, edit.clone()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["blackout"]["version"], 2);
    let fresh = headers[header::ETAG].to_str().unwrap().to_owned();
    let (status, _, stale) = carol.put(&path, &etag, edit).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(stale["current"]["blackout"]["version"], 2, "the conflict carries the current blackout");
    assert!(app.stored(&format!("versions/blackouts/{id}/v1.json")).await.is_some());
    let (_, _, versions) = alice.get(&format!("{path}/versions")).await;
    let numbers: Vec<u64> =
        versions["versions"].as_array().unwrap().iter().map(|v| v["version"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [2, 1]);

    let cathy = app.login("cathy@acme.example.com");
    let (_, _, seen) = cathy.get(&path).await;
    assert_eq!(seen["blackout"]["customers"], json!(["acme"]), "a customer user sees only their customer");
    let (_, _, list) = alice.get("/api/blackouts").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    assert_eq!(alice.delete(&path).await.0, StatusCode::FORBIDDEN);
    let (status, _, _) = carol.call(Method::DELETE, &path).if_match(&etag).send().await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale If-Match does not delete");
    let (status, _, _) = carol.call(Method::DELETE, &path).if_match(&fresh).send().await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(alice.get(&path).await.0, StatusCode::NOT_FOUND);
    assert!(app.stored(&format!("deleted/blackouts/{id}.json")).await.is_some());
}

#[tokio::test]
async fn writes_warn_about_overlaps_and_a_submission_through_a_blackout_needs_a_reason() {
    let app = TestApp::new().await;
    let (alice, bob, carol) =
        (app.login("alice@example.com"), app.login("bob@example.com"), app.login("carol@example.com"));
    let first = submitted_change(&alice, "First").await; // 2026-06-10 10:00-12:00 acme + globex
    let (status, _, reply) = alice
        .post(
            "/api/changes",
            change_on("Second", json!(["globex", "initech"]), "2026-06-10T11:00:00Z", "2026-06-10T13:00:00Z"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let warnings = reply["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{reply}");
    assert_eq!(warnings[0]["kind"], "overlap");
    assert_eq!(warnings[0]["customers"], json!(["globex"]));
    assert_eq!(warnings[0]["object"]["id"], first.as_str());
    let second = id_of(&reply["object"]);

    blackout(
        &carol,
        json!({"name": "Initech freeze", "reason": "Audit week", "customers": ["initech"],
        "schedule": {"kind": "once", "start": "2026-06-10T00:00:00Z", "end": "2026-06-11T00:00:00Z"}}),
    )
    .await;
    let (status, _, refused) = alice.act(&second, "submit").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        (refused["error"].as_str(), refused["field"].as_str()),
        (Some("blackout_override_required"), Some("overrideReason"))
    );
    let kinds: Vec<&str> =
        refused["warnings"].as_array().unwrap().iter().map(|w| w["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["blackout", "overlap"]);
    assert_eq!(app.stored(&format!("drafts/{second}.json")).await.unwrap()["status"], "draft", "nothing was written");

    let path = format!("{}/submit", object_path(&second));
    let (status, _, done) = alice.post(&path, json!({"overrideReason": "Security fix, agreed with Initech"})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let object = &done["object"];
    assert_eq!(object["blackout_overrides"][0]["reason"], "Security fix, agreed with Initech");
    assert_eq!(object["blackout_overrides"][0]["blackouts"][0]["name"], "Initech freeze");
    let last = object["modifications"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["modification_type"] == "submitted")
        .unwrap();
    assert!(last["comment"].as_str().unwrap().contains("Security fix"), "{last}");

    let (status, _, refused) = bob.act(&second, "approve").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("blackout_override_required"))
    );
    let (status, _, approved) =
        bob.post(&format!("{}/approve", object_path(&second)), json!({"overrideReason": "Accepted"})).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["object"]["status"], "approved");
    assert_eq!(approved["object"]["blackout_overrides"][1]["action"], "approve");

    let (status, _, body) = bob.post(&format!("{}/approve", object_path(&first)), json!({"surprise": 1})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("surprise")), "{body}");
}

/// `python3 -c 'import icalendar'` in the project's venv, or why not.
fn icalendar_python() -> Option<std::path::PathBuf> {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let ok = python.is_file()
        && std::process::Command::new(&python)
            .args(["-c", "import icalendar"])
            .output()
            .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    let why = format!("{} with icalendar (scripts/requirements-test.txt) is not installed", python.display());
    if std::env::var("CCM_REQUIRE_MOTO").is_ok_and(|v| v == "1") {
        panic!("CCM_REQUIRE_MOTO=1 but {why}");
    }
    eprintln!("skipping the icalendar check: {why}");
    None
}

/// Parses a feed with Python's icalendar: `[(uid, sequence, dtstart, summary)]` of its events.
fn parse_with_icalendar(python: &std::path::Path, ics: &str) -> Vec<(String, i64, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, ics).unwrap();
    let script = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
assert cal['VERSION'] == '2.0', cal['VERSION']
out = [[str(e['UID']), int(e.get('SEQUENCE', 0)), e.decoded('DTSTART').isoformat(), str(e['SUMMARY'])] for e in cal.walk('VEVENT')]
print(json.dumps(out))
"#;
    let out = std::process::Command::new(python).arg("-c").arg(script).arg(&file).output().unwrap();
    assert!(out.status.success(), "icalendar refused the feed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn feed_text(app: &TestApp, url: &str) -> (StatusCode, String, String) {
    let path = url.split_once("/api/").map(|(_, p)| format!("/api/{p}")).unwrap();
    let (status, headers, body) = app.anonymous().get(&path).await;
    let ct = headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, ct, body.as_str().map(str::to_owned).unwrap_or_else(|| body.to_string()))
}

#[tokio::test]
async fn a_feed_needs_no_session_moves_and_drops_windows_and_stops_when_revoked() {
    let app = TestApp::new().await;
    let (alice, bob, carol) =
        (app.login("alice@example.com"), app.login("bob@example.com"), app.login("carol@example.com"));
    let id = approved_change(&alice, &bob, "Rotate keys; then verify, carefully").await;
    let other = approved_change(&alice, &bob, "Another one").await;
    blackout(&carol, june_30_freeze(json!(["acme"]))).await;

    let (status, _, feeds) = alice.get("/api/calendar/feeds").await;
    assert_eq!(status, StatusCode::OK, "{feeds}");
    let list = feeds["feeds"].as_array().unwrap();
    assert_eq!(list[0]["kind"], "user");
    assert_eq!(list.len(), 1 + 7, "mine and one per configured customer");
    let acme = list.iter().find(|f| f["customer"] == "acme").unwrap();
    let url = acme["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:8080/api/calendar/feed/") && url.ends_with(".ics"), "{url}");
    assert!(acme["webcal"].as_str().unwrap().starts_with("webcal://"));
    assert!(!url.contains("alice"), "no address in a URL");

    let (status, ct, ics) = feed_text(&app, &url).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    assert!(ct.starts_with("text/calendar"), "{ct}");
    assert!(ics.contains(&format!("UID:{id}@ccm\r\n")));
    assert!(ics.contains("SUMMARY:Blackout: Month-end close"));
    assert!(!ics.contains("globex"), "a customer's feed names no other customer");
    let before = ics.clone();

    // Moving the window moves the event (same UID, higher SEQUENCE); cancelling drops it.
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, _) = alice
        .put(
            &object_path(&id),
            &etag,
            json!({"implementationStart": "2026-06-12T08:00:00Z", "implementationEnd": "2026-06-12T09:00:00Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alice.act(&other, "cancel").await.0, StatusCode::OK);
    let (_, _, after) = feed_text(&app, &url).await;
    assert!(after.contains("DTSTART:20260612T080000Z"), "{after}");
    assert!(!after.contains(&format!("UID:{other}@ccm")), "a cancelled window disappears");

    if let Some(python) = icalendar_python() {
        let old = parse_with_icalendar(&python, &before);
        let new = parse_with_icalendar(&python, &after);
        let find = |events: &[(String, i64, String, String)]| {
            events.iter().find(|e| e.0 == format!("{id}@ccm")).cloned().expect("the change's event")
        };
        let (old_event, new_event) = (find(&old), find(&new));
        assert_eq!(old_event.3, "Change: Rotate keys; then verify, carefully", "escaping reads back");
        assert!(new_event.1 > old_event.1, "SEQUENCE grows: {old_event:?} → {new_event:?}");
        assert_eq!(new_event.2, "2026-06-12T08:00:00+00:00");
        assert!(
            old.iter().any(|e| e.0 == format!("{other}@ccm")) && !new.iter().any(|e| e.0 == format!("{other}@ccm"))
        );
    }

    // My own feed works too; revoking it stops the old URL and lists a new one.
    let mine = list[0]["url"].as_str().unwrap().to_owned();
    assert_eq!(feed_text(&app, &mine).await.0, StatusCode::OK);
    let (status, _, revoked) = alice.post("/api/calendar/feeds/revoke", json!({"feed": "user"})).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    let fresh = revoked["feeds"][0]["url"].as_str().unwrap().to_owned();
    assert_ne!(fresh, mine);
    assert_eq!(feed_text(&app, &mine).await.0, StatusCode::NOT_FOUND);
    assert_eq!(feed_text(&app, &fresh).await.0, StatusCode::OK);

    // A customer feed is revoked by an admin only.
    let (status, _, _) =
        alice.post("/api/calendar/feeds/revoke", json!({"feed": "customer", "customer": "acme"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        carol.post("/api/calendar/feeds/revoke", json!({"feed": "customer", "customer": "acme"})).await.0,
        StatusCode::OK
    );
    assert_eq!(feed_text(&app, &url).await.0, StatusCode::NOT_FOUND);

    // Forged or mangled tokens are not found.
    let forged = url.replace("v1.c.acme.", "v1.c.globex.");
    assert_eq!(feed_text(&app, &forged).await.0, StatusCode::NOT_FOUND);
    for junk in ["/api/calendar/feed/x.ics", "/api/calendar/feed/v1.c.acme.0.AAAA.ics", "/api/calendar/feed/..ics"] {
        assert_eq!(app.anonymous().get(junk).await.0, StatusCode::NOT_FOUND, "{junk}");
    }
}

#[tokio::test]
async fn a_customer_user_sees_no_other_customers_blackouts_or_approvers_on_a_shared_change() {
    let app = TestApp::new().await;
    let (alice, bob, carol, cathy) = (
        app.login("alice@example.com"),
        app.login("bob@example.com"),
        app.login("carol@example.com"),
        app.login("cathy@acme.example.com"),
    );
    blackout(
        &carol,
        json!({"name": "Globex freeze", "reason": "Globex audit", "customers": ["globex"],
        "schedule": {"kind": "once", "start": "2026-06-10T00:00:00Z", "end": "2026-06-11T00:00:00Z"}}),
    )
    .await;
    let id = id_of(&alice.create("/api/changes", complete_change("Shared")).await); // acme + globex
    let (status, _, _) = alice.post(&format!("{}/submit", object_path(&id)), json!({"overrideReason": "Agreed"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = bob.post(&format!("{}/approve", object_path(&id)), json!({"overrideReason": "Fine"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, seen) = cathy.get(&object_path(&id)).await;
    assert!(!seen.to_string().contains("globex") && !seen.to_string().contains("Globex"), "{seen}");
    assert!(seen.get("blackout_overrides").is_none(), "only globex blackouts were overridden: {seen}");
    let (_, _, status_body) = cathy.get(&format!("/api/approvals/{id}")).await;
    assert!(!status_body.to_string().to_lowercase().contains("globex"), "{status_body}");
}

#[tokio::test]
async fn the_openapi_document_describes_the_calendar_blackout_and_approval_routes_and_their_wire_types() {
    let app = TestApp::new().await;
    let (_, _, doc) = app.login("victor@example.com").get("/api/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/calendar", "get"),
        ("/api/calendar/feeds", "get"),
        ("/api/calendar/feeds/revoke", "post"),
        ("/api/calendar/feed/{file}", "get"),
        ("/api/blackouts", "get"),
        ("/api/blackouts", "post"),
        ("/api/blackouts/{id}", "put"),
        ("/api/blackouts/{id}", "delete"),
        ("/api/blackouts/{id}/versions", "get"),
        ("/api/approvals/{id}", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in
        ["Warning", "CalendarBody", "FeedsBody", "BlackoutInput", "Blackout", "ApprovalStatusBody", "ActRequest"]
    {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    assert!(schemas["SavedBody"]["properties"].get("warnings").is_some(), "write responses carry warnings");
    let feed = &paths["/api/calendar/feed/{file}"]["get"];
    assert_eq!(feed["security"], json!([{}]), "a feed needs no session: {feed}");
    let revoke = &paths["/api/calendar/feeds/revoke"]["post"];
    assert!(revoke["security"].to_string().contains("csrf"));
}
