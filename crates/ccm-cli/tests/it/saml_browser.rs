//! Sign-in in a real browser: headless Chromium opens an e-mail deep link, the portal sends it to
//! `/auth/login`, ccm sends it to a test IdP (a real signed SAML response, auto-posted back), the ACS
//! verifies it, and the browser lands back on the deep link, signed in with the roles the IdP's groups
//! map to.

use std::process::Stdio;
use std::time::Duration;

use ccm_auth::saml::test_idp::{TestIdp, TestUser};
use ccm_testkit::browser::{self, Browser};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn a_deep_link_survives_sign_in_through_the_identity_provider() {
    if !browser::available() {
        return;
    }
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();

    // config.json with this server's URL as the portal (the SP entity id and ACS derive from it).
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("config.json")).unwrap()).unwrap();
    config["email_config"]["portal_base_url"] = Value::String(base.clone());
    let config_path = dir.path().join("config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();

    // The identity provider, on its own port of the same host.
    let idp_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp_url = format!("http://127.0.0.1:{}/sso", idp_listener.local_addr().unwrap().port());
    let user = TestUser::new("bob@example.com", &["ccm-approvers"]).with_customers("acme");
    let idp = TestIdp::with_fixture_key(&idp_url, &base, &format!("{base}/saml/acs"), user);
    let metadata = idp.metadata_xml();
    let idp_task = tokio::spawn(async move { axum::serve(idp_listener, idp.router()).await.unwrap() });

    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_ccm"))
        .args(["serve", "--demo", "--port", &port.to_string(), "--data"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config_path)
        .arg("--ses-config")
        .arg(repo().join("SESConfig.json"))
        .env("CCM_SAML_IDP_METADATA", metadata)
        .env("CCM_SESSION_KEY", "k".repeat(48))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("ccm is running") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(ready, "ccm serve did not start");
    let dev = reqwest::Client::new()
        .post(format!("{base}/auth/dev-login"))
        .json(&serde_json::json!({"email": "carol@example.com"}))
        .send()
        .await
        .unwrap();
    assert!(
        dev.status().is_client_error() && dev.headers().get("set-cookie").is_none(),
        "no demo sign-in next to SAML"
    );

    let deep_link =
        format!("{base}/approvals.html?customerCode=acme&objectId=CHG-0f8fad5b-d9cb-469f-a165-70867728950e");
    let b = Browser::start().await;
    b.goto(&deep_link).await;
    let landed = b.wait_for_url(20, |u| u.starts_with(&format!("{base}/approvals.html"))).await;
    assert_eq!(landed, deep_link, "back on the very page the link named");
    let session = b
        .run_async(
            "const done = arguments[0]; fetch('/auth/session').then(r => r.json()).then(done, e => done(String(e)));",
        )
        .await;
    assert_eq!(session["authenticated"], true, "{session}");
    assert_eq!(session["user"]["email"], "bob@example.com");
    assert_eq!(session["user"]["roles"], serde_json::json!(["approver"]));
    assert_eq!(session["user"]["customers"], serde_json::json!(["acme"]));
    b.close().await;
    server.kill().await.ok();
    idp_task.abort();
}
