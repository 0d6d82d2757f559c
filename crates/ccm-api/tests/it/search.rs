//! `/api/search`, `/api/statistics`, `/api/recent`, `/api/openapi.json` and unknown routes.

use std::collections::HashSet;

use crate::support::{Client, TestApp, complete_announcement, complete_change, id_of, ids};
use chrono::Duration;
use http::StatusCode;
use serde_json::{Value, json};

/// Five objects, each created 20 minutes after the previous one (from 2026-06-01T12:00Z):
/// a submitted "Database upgrade" for acme (snow ticket INC-4242), a draft "Network maintenance" for
/// globex, a submitted "Database backup policy" for initech by carol (admin),
/// a submitted finops announcement for acme and a cic announcement draft.
struct Fixture {
    app: TestApp,
    alice: Client,
    upgrade: String,
    network: String,
    backup: String,
    finops: String,
    cic: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::new().await;
    let (alice, carol) = (app.login("alice@example.com"), app.login("carol@example.com"));
    let later = || app.clock.advance(Duration::minutes(20));

    let mut body = complete_change("Database upgrade");
    body["customers"] = json!(["acme"]);
    body["snowTicket"] = "INC-4242".into();
    body["implementationPlan"] = "Failover then upgrade the replicas".into();
    body["status"] = "submitted".into();
    let upgrade = id_of(&alice.create("/api/changes", body).await);
    later();
    let mut body = complete_change("Network maintenance");
    body["customers"] = json!(["globex"]);
    body["implementationStart"] = "2026-06-20T10:00:00Z".into();
    body["implementationEnd"] = "2026-06-20T11:00:00Z".into();
    let network = id_of(&alice.create("/api/changes", body).await);
    later();
    let mut body = complete_change("Database backup policy");
    body["customers"] = json!(["initech"]);
    body["changeReason"] = "Retention rules changed".into();
    body["status"] = "submitted".into();
    let backup = id_of(&carol.create("/api/changes", body).await);
    later();
    let mut body = complete_announcement("finops", "Savings plan renewal");
    body["status"] = "submitted".into();
    let finops = id_of(&alice.create("/api/announcements", body).await);
    later();
    let cic = id_of(&alice.create("/api/announcements", complete_announcement("cic", "Database news")).await);
    Fixture { app, alice, upgrade, network, backup, finops, cic }
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

async fn search(client: &Client, query: &str) -> Value {
    let (status, _, page) = client.get(&format!("/api/search?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page
}

#[tokio::test]
async fn every_word_of_the_query_must_match_in_any_case() {
    let f = fixture().await;
    let page = search(&f.alice, "q=DATABASE").await;
    assert_eq!(sorted(ids(&page)), sorted(vec![&f.upgrade, &f.backup, &f.cic]));
    let page = search(&f.alice, "q=database%20upgrade").await;
    assert_eq!(ids(&page), [f.upgrade.as_str()]);
    // The reason, the plan, the ticket and the id are searched too.
    assert_eq!(ids(&search(&f.alice, "q=retention").await), [f.backup.as_str()]);
    assert_eq!(ids(&search(&f.alice, "q=replicas%20failover").await), [f.upgrade.as_str()]);
    assert_eq!(ids(&search(&f.alice, "q=inc-4242").await), [f.upgrade.as_str()]);
    assert_eq!(ids(&search(&f.alice, &format!("q={}", f.network.to_lowercase())).await), [f.network.as_str()]);
    assert!(ids(&search(&f.alice, "q=database%20nothing").await).is_empty());
}

#[tokio::test]
async fn search_filters_by_status_type_customer_and_creator() {
    let f = fixture().await;
    let submitted = search(&f.alice, "status=submitted").await;
    assert_eq!(sorted(ids(&submitted)), sorted(vec![&f.upgrade, &f.backup, &f.finops]));
    let drafts = search(&f.alice, "status=draft").await;
    assert_eq!(sorted(ids(&drafts)), sorted(vec![&f.network, &f.cic]));
    assert_eq!(ids(&search(&f.alice, "type=finops").await), [f.finops.as_str()]);
    assert_eq!(sorted(ids(&search(&f.alice, "type=finops,cic").await)), sorted(vec![&f.finops, &f.cic]));
    let changes = search(&f.alice, "type=change").await;
    assert_eq!(sorted(ids(&changes)), sorted(vec![&f.upgrade, &f.network, &f.backup]));
    assert_eq!(sorted(ids(&search(&f.alice, "customer=acme").await)), sorted(vec![&f.upgrade, &f.finops, &f.cic]));
    assert_eq!(ids(&search(&f.alice, "customer=initech,wayne").await), [f.backup.as_str()]);
    assert_eq!(ids(&search(&f.alice, "createdBy=CAROL").await), [f.backup.as_str()]);
    assert_eq!(ids(&search(&f.alice, "status=submitted&type=change&customer=acme").await), [f.upgrade.as_str()]);
}

#[tokio::test]
async fn search_filters_by_date_range() {
    let f = fixture().await;
    // Modified at 12:00, 12:20, 12:40, 13:00 and 13:20 on 2026-06-01.
    let page = search(&f.alice, "from=2026-06-01T12:10:00Z&to=2026-06-01T12:40:00Z").await;
    assert_eq!(sorted(ids(&page)), sorted(vec![&f.network, &f.backup]));
    assert_eq!(search(&f.alice, "from=2026-06-01&to=2026-06-01").await["total"], 5);
    assert_eq!(search(&f.alice, "to=2026-05-31").await["total"], 0);
    let page = search(&f.alice, "dateField=start&from=2026-06-15").await;
    assert_eq!(ids(&page), [f.network.as_str()]);
}

#[tokio::test]
async fn search_sorts_by_the_field_and_order_asked_for() {
    let f = fixture().await;
    let newest_first = search(&f.alice, "").await;
    assert_eq!(ids(&newest_first), [&f.cic, &f.finops, &f.backup, &f.network, &f.upgrade].map(String::as_str));
    let oldest_first = search(&f.alice, "sort=modified&order=asc").await;
    assert_eq!(ids(&oldest_first), [&f.upgrade, &f.network, &f.backup, &f.finops, &f.cic].map(String::as_str));
    let by_title = search(&f.alice, "sort=title&order=asc").await;
    let titles: Vec<&str> =
        by_title["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["Database backup policy", "Database news", "Database upgrade", "Network maintenance", "Savings plan renewal"]
    );
}

#[tokio::test]
async fn paging_with_next_cursor_visits_every_item_once() {
    let f = fixture().await;
    for sort in ["", "&sort=title", "&sort=created&order=asc", "&sort=status"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = format!("limit=2{sort}");
            if let Some(c) = &cursor {
                query.push_str(&format!("&cursor={c}"));
            }
            let page = search(&f.alice, &query).await;
            assert_eq!(page["total"], 5, "{query}");
            let items = ids(&page);
            assert!(items.len() <= 2);
            seen.extend(items.into_iter().map(str::to_owned));
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5, "{sort}: {seen:?}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 5, "{sort}: {seen:?}");
    }
}

#[tokio::test]
async fn a_bad_filter_is_refused_naming_it() {
    let f = fixture().await;
    for (query, field) in [
        ("status=open", "status"),
        ("type=memo", "type"),
        ("sort=colour", "sort"),
        ("order=sideways", "order"),
        ("from=yesterday", "from"),
        ("dateField=birthday", "dateField"),
        ("cursor=zz", "cursor"),
        ("customer=Not%20A%20Code", "customer"),
    ] {
        let (status, _, body) = f.alice.get(&format!("/api/search?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn others_see_no_drafts_in_search() {
    let f = fixture().await;
    let victor = f.app.login("victor@example.com");
    let page = search(&victor, "").await;
    assert_eq!(sorted(ids(&page)), sorted(vec![&f.upgrade, &f.backup, &f.finops]));
    assert_eq!(ids(&search(&victor, "q=network").await), Vec::<&str>::new());
}

#[tokio::test]
async fn statistics_count_by_status_for_everything_mine_changes_and_announcements() {
    let f = fixture().await;
    let (status, _, stats) = f.alice.get("/api/statistics").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["all"]["total"], 5);
    assert_eq!(stats["all"]["draft"], 2);
    assert_eq!(stats["all"]["submitted"], 3);
    assert_eq!(stats["all"]["active"], 3);
    assert_eq!(stats["mine"]["total"], 4);
    assert_eq!(stats["changes"]["total"], 3);
    assert_eq!(stats["announcements"]["total"], 2);
    assert_eq!(stats["announcements"]["submitted"], 1);

    let (_, _, stats) = f.app.login("carol@example.com").get("/api/statistics").await;
    assert_eq!(stats["all"]["total"], 3, "drafts of others are not counted: {stats}");
    assert_eq!(stats["mine"]["total"], 1);
    let (_, _, stats) = f.alice.get("/api/statistics?type=change").await;
    assert_eq!(stats["all"]["total"], 3);
}

#[tokio::test]
async fn recent_returns_the_latest_modified_first() {
    let f = fixture().await;
    let (status, _, page) = f.alice.get("/api/recent?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), [f.cic.as_str(), f.finops.as_str()]);
    let (_, _, page) = f.alice.get("/api/recent?type=change&limit=1").await;
    assert_eq!(ids(&page), [f.backup.as_str()]);
    // Touching an old object brings it to the front.
    f.app.clock.advance(Duration::minutes(30));
    assert_eq!(f.app.login("bob@example.com").act(&f.upgrade, "approve").await.0, StatusCode::OK);
    let (_, _, page) = f.alice.get("/api/recent?limit=1").await;
    assert_eq!(ids(&page), [f.upgrade.as_str()]);
    assert_eq!(page["items"][0]["status"], "approved");
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_and_lists_every_path() {
    let app = TestApp::new().await;
    let (status, _, doc) = app.login("victor@example.com").get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/me",
        "/api/customers",
        "/api/changes",
        "/api/changes/{id}",
        "/api/changes/{id}/{action}",
        "/api/changes/{id}/versions",
        "/api/changes/{id}/versions/{n}",
        "/api/announcements",
        "/api/announcements/{id}",
        "/api/announcements/{id}/{action}",
        "/api/announcements/{id}/versions",
        "/api/announcements/{id}/versions/{n}",
        "/api/search",
        "/api/statistics",
        "/api/recent",
    ] {
        assert!(paths.contains_key(p), "{p} missing from {:?}", paths.keys().collect::<Vec<_>>());
    }
    let change = &paths["/api/changes/{id}"];
    for method in ["get", "put", "delete"] {
        assert!(change.get(method).is_some(), "{method}");
    }
}

#[tokio::test]
async fn an_unknown_api_route_is_a_json_404() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for path in ["/api/nothing", "/api/changes/CHG-1/versions/1/more", "/api"] {
        let (status, _, body) = alice.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "not_found", "{path}: {body}");
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_is_refused() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    for (method, path) in
        [(http::Method::DELETE, "/api/me"), (http::Method::PATCH, "/api/changes"), (http::Method::POST, "/api/search")]
    {
        let (status, _, body) = alice.call(method.clone(), path).json(json!({})).send().await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(body.get("error").is_some(), "{method} {path}: {body:?}");
    }
}
