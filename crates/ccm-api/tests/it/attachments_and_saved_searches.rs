//! Announcement attachments (upload target, local upload, confirm, download, remove) and saved searches.

use crate::support::*;
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn draft_announcement(app: &TestApp) -> (Client, String) {
    let alice = app.login("alice@example.com");
    let created = alice.create("/api/announcements", complete_announcement("finops", "Costs")).await;
    let id = created["announcement_id"].as_str().unwrap().to_owned();
    (alice, id)
}

#[tokio::test]
async fn an_attachment_is_uploaded_confirmed_listed_downloaded_and_removed() {
    let app = TestApp::new().await;
    let (alice, id) = draft_announcement(&app).await;
    let pdf = b"%PDF-1.4 tiny".to_vec();
    let (status, _, target) = alice
        .post(
            &format!("/api/announcements/{id}/attachments"),
            json!({"name": "report q3.pdf", "size": pdf.len(), "contentType": "application/pdf"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{target}");
    assert_eq!(target["method"], "PUT");
    let url = target["uploadUrl"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/api/uploads/announcements/{id}/attachments/report q3.pdf"));

    let path = url.replace(' ', "%20");
    let (status, _, _) =
        alice.call(Method::PUT, &path).raw(pdf.clone()).header("content-type", "application/pdf").send().await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, _, confirmed) =
        alice.post(&format!("/api/announcements/{id}/attachments/report%20q3.pdf/confirm"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let list = &confirmed["object"]["attachments"];
    assert_eq!(list[0]["name"], "report q3.pdf");
    assert_eq!(list[0]["size"], pdf.len());
    assert_eq!(list[0]["content_type"], "application/pdf");
    assert_eq!(list[0]["s3_key"], format!("announcements/{id}/attachments/report q3.pdf"));

    let bob = app.login("bob@example.com");
    let (status, headers, body) = bob.get(&format!("/api/announcements/{id}/attachments/report%20q3.pdf")).await;
    // A draft is its author's alone, so another user cannot download it yet.
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, headers2, body2) = alice.get(&format!("/api/announcements/{id}/attachments/report%20q3.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body2, json!(String::from_utf8(pdf).unwrap()));
    assert_eq!(headers2["content-type"], "application/pdf");
    assert!(headers2["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(headers2["content-security-policy"], "sandbox", "a download can never run as a page of ours");
    assert_eq!(headers2["x-content-type-options"], "nosniff");
    assert!(app.stored(&format!("announcements/{id}/uploads/report q3.pdf.json")).await.is_none(), "declaration gone");
    let _ = (headers, body);

    let (status, _, removed) = alice.delete(&format!("/api/announcements/{id}/attachments/report%20q3.pdf")).await;
    assert_eq!(status, StatusCode::OK, "{removed}");
    assert!(removed["object"].get("attachments").is_none_or(|a| a.as_array().unwrap().is_empty()));
    assert!(app.stored(&format!("announcements/{id}/attachments/report q3.pdf")).await.is_none());
}

#[tokio::test]
async fn attachments_sent_by_a_client_are_ignored_on_create_and_edit() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let fake = json!([{"name": "invoice.pdf", "s3_key": "announcements/CIC-x/attachments/invoice.pdf", "size": 5}]);
    let mut body = complete_announcement("cic", "Spoofed");
    body["attachments"] = fake.clone();
    let created = alice.create("/api/announcements", body).await;
    assert!(created.get("attachments").is_none(), "{created}");
    let id = id_of(&created);
    let (_, etag) = alice.fetch(&id).await;
    let (status, _, saved) = alice.put(&object_path(&id), &etag, json!({"attachments": fake})).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(saved["object"].get("attachments").is_none(), "{saved}");
    assert!(app.stored(&format!("drafts/{id}.json")).await.unwrap().get("attachments").is_none());
}

#[tokio::test]
async fn an_upload_must_be_the_size_and_type_declared_when_it_started() {
    let app = TestApp::new().await;
    let (alice, id) = draft_announcement(&app).await;
    let start = |name: &str, size: usize| json!({"name": name, "size": size, "contentType": "application/pdf"});
    // Confirming or uploading without a start is refused.
    let (status, _, body) =
        alice.post(&format!("/api/announcements/{id}/attachments/none.pdf/confirm"), json!({})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("name")), "{body}");
    let (status, _, body) = alice
        .call(Method::PUT, &format!("/api/uploads/announcements/{id}/attachments/none.pdf"))
        .raw(b"%PDF".to_vec())
        .header("content-type", "application/pdf")
        .send()
        .await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("name")), "{body}");

    // Declared 4 bytes of PDF; 10 bytes, or a PNG, are refused naming what differs.
    assert_eq!(alice.post(&format!("/api/announcements/{id}/attachments"), start("a.pdf", 4)).await.0, StatusCode::OK);
    let upload = format!("/api/uploads/announcements/{id}/attachments/a.pdf");
    let (status, _, body) = alice
        .call(Method::PUT, &upload)
        .raw(b"%PDF-1.4 x".to_vec())
        .header("content-type", "application/pdf")
        .send()
        .await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("size")), "{body}");
    let (status, _, body) =
        alice.call(Method::PUT, &upload).raw(b"\x89PNG".to_vec()).header("content-type", "image/png").send().await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("contentType")), "{body}");
    assert!(app.stored(&format!("announcements/{id}/attachments/a.pdf")).await.is_none(), "nothing stored");
}

#[tokio::test]
async fn attachments_refuse_bad_names_sizes_types_and_other_users() {
    let app = TestApp::new().await;
    let (alice, id) = draft_announcement(&app).await;
    let start = |name: &str, size: u64, ct: &str| json!({"name": name, "size": size, "contentType": ct});
    let path = format!("/api/announcements/{id}/attachments");
    for (body, field) in [
        (start("../x.pdf", 10, "application/pdf"), "name"),
        (start("a.pdf", 51 * 1024 * 1024, "application/pdf"), "size"),
        (start("a.pdf", 0, "application/pdf"), "size"),
        (start("a.html", 10, "text/html"), "contentType"),
    ] {
        let (status, _, reply) = alice.post(&path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
        assert_eq!(reply["field"], field);
    }
    let carol = app.login("victor@example.com");
    let (status, _, _) = carol.post(&path, start("a.pdf", 10, "application/pdf")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer cannot attach");
    // The local upload checks the type itself, whatever the start call said.
    let (status, _, _) = alice
        .call(Method::PUT, &format!("/api/uploads/announcements/{id}/attachments/a.pdf"))
        .raw(b"<script>".to_vec())
        .header("content-type", "text/html")
        .send()
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Confirming something never uploaded is refused.
    let (status, _, _) = alice.post(&format!("/api/announcements/{id}/attachments/never.pdf/confirm"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn saved_searches_are_stored_per_user_and_validated() {
    let app = TestApp::new().await;
    let alice = app.login("alice@example.com");
    let bob = app.login("bob@example.com");
    let (_, _, empty) = alice.get("/api/saved-searches").await;
    assert_eq!(empty, json!({"items": []}));
    let mine = json!({"items": [{"name": "Pending acme", "query": {"status": "submitted", "customer": "acme"}}]});
    let (status, _, saved) = alice.call(Method::PUT, "/api/saved-searches").json(mine.clone()).send().await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(alice.get("/api/saved-searches").await.2, mine);
    assert_eq!(bob.get("/api/saved-searches").await.2, json!({"items": []}), "another user's list is separate");
    assert!(app.keys("users/").await.iter().all(|k| !k.contains("alice")), "no e-mail address in storage keys");

    let bad = json!({"items": [{"name": "", "query": {}}]});
    let (status, _, reply) = alice.call(Method::PUT, "/api/saved-searches").json(bad).send().await;
    assert_eq!((status, reply["field"].as_str()), (StatusCode::BAD_REQUEST, Some("items.0.name")));
    let too_many = json!({"items": (0..51).map(|i| json!({"name": format!("s{i}"), "query": {}})).collect::<Vec<_>>()});
    let (status, _, _) = alice.call(Method::PUT, "/api/saved-searches").json(too_many).send().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// On S3 (moto): the browser sends the bytes straight to a presigned URL, never through the API.
#[tokio::test]
async fn a_50_mib_attachment_goes_straight_to_s3_and_comes_back_as_a_download() {
    use base64::Engine;
    use sha2::Digest;
    let Some(app) = TestApp::on_moto().await else { return };
    let (alice, id) = draft_announcement(&app).await;
    let bytes: Vec<u8> = (0..50 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
    let (status, _, target) = alice
        .post(
            &format!("/api/announcements/{id}/attachments"),
            json!({"name": "capacity plan.pdf", "size": bytes.len(), "contentType": "application/pdf", "sha256": sha}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{target}");
    let url = target["uploadUrl"].as_str().unwrap();
    assert!(url.starts_with("http") && url.contains("X-Amz-Signature"), "a presigned URL: {url}");
    assert_eq!(target["headers"]["content-type"], "application/pdf", "{target}");
    assert!(target["expiresInSeconds"].as_u64().unwrap() <= 900);

    let http = reqwest::Client::new();
    let mut put = http.put(url).body(bytes.clone());
    for (name, value) in target["headers"].as_object().unwrap() {
        put = put.header(name.as_str(), value.as_str().unwrap());
    }
    let uploaded = put.send().await.unwrap();
    assert!(uploaded.status().is_success(), "{}", uploaded.status());

    let (status, _, confirmed) =
        alice.post(&format!("/api/announcements/{id}/attachments/capacity%20plan.pdf/confirm"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["object"]["attachments"][0]["size"], bytes.len());

    let (status, headers, _) = alice.get(&format!("/api/announcements/{id}/attachments/capacity%20plan.pdf")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a redirect to a presigned GET");
    let location = headers["location"].to_str().unwrap();
    let download = http.get(location).send().await.unwrap();
    assert!(download.status().is_success());
    let disposition = download.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(download.bytes().await.unwrap().len(), bytes.len());
}

#[tokio::test]
async fn bytes_of_another_size_than_declared_are_refused_at_confirmation_and_deleted() {
    let Some(app) = TestApp::on_moto().await else { return };
    let (alice, id) = draft_announcement(&app).await;
    let (_, _, target) = alice
        .post(
            &format!("/api/announcements/{id}/attachments"),
            json!({"name": "a.pdf", "size": 10, "contentType": "application/pdf"}),
        )
        .await;
    let http = reqwest::Client::new();
    // moto does not check signatures; S3 would refuse this PUT outright (the length is signed).
    let mut put = http.put(target["uploadUrl"].as_str().unwrap()).body(vec![b'x'; 11]);
    for (name, value) in target["headers"].as_object().unwrap() {
        put = put.header(name.as_str(), value.as_str().unwrap());
    }
    assert!(put.send().await.unwrap().status().is_success());
    let (status, _, body) = alice.post(&format!("/api/announcements/{id}/attachments/a.pdf/confirm"), json!({})).await;
    assert_eq!((status, body["field"].as_str()), (StatusCode::BAD_REQUEST, Some("size")), "{body}");
    assert!(app.stored(&format!("announcements/{id}/attachments/a.pdf")).await.is_none(), "deleted");
}
