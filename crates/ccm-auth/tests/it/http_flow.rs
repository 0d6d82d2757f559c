//! The sign-in through the axum router: `/auth/login` → IdP → `POST /saml/acs` → the page the user
//! asked for, signed in; and the refusals and session checks at the HTTP level.

use crate::common::*;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ccm_auth::saml::authn_request::inflate_request;
use ccm_auth::saml::test_idp::TestIdp;
use ccm_auth::saml::{MAX_ACS_BODY_BYTES, VerifyPool};
use ccm_auth::{Session, SessionKeys, SessionPolicy};
use ccm_core::{CustomerCode, Role};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let res = app.clone().oneshot(request).await.unwrap();
    let status = res.status();
    let location = res.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
    let cookies = res.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Reply { status, location, cookies, body }
}

async fn get(app: &Router, uri: &str, cookie: Option<&str>) -> Reply {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

async fn post_acs(app: &Router, response_xml: &str, relay_state: &str, cookie: Option<&str>) -> Reply {
    let form = serde_urlencoded::to_string([
        ("SAMLResponse", STANDARD.encode(response_xml).as_str()),
        ("RelayState", relay_state),
    ])
    .unwrap();
    let mut req = Request::post("/saml/acs").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    send(app, req.body(Body::from(form)).unwrap()).await
}

/// A started sign-in: the AuthnRequest id (= RelayState) and the request-state cookie to send back.
struct Started {
    id: String,
    relay_state: String,
    cookie: String,
    request_xml: String,
    location: String,
}

async fn start_login(app: &Router, uri: &str) -> Started {
    let reply = get(app, uri, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let location = reply.location.unwrap();
    let query = location.strip_prefix(&format!("{SSO_URL}?")).expect("redirects to the IdP's SSO URL");
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    let request_xml = inflate_request(&param("SAMLRequest")).expect("a deflated, base64 AuthnRequest");
    let doc = roxmltree::Document::parse(&request_xml).unwrap();
    let id = doc.root_element().attribute("ID").unwrap().to_owned();
    let set_cookie = reply.cookies.iter().find(|c| c.starts_with("ccm_saml_")).expect("a request-state cookie").clone();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    Started { id, relay_state: param("RelayState"), cookie, request_xml, location }
}

fn session_cookie(cookies: &[String]) -> String {
    let set = cookies.iter().find(|c| c.starts_with("ccm_session=")).expect("a session cookie");
    set.split(';').next().unwrap().strip_prefix("ccm_session=").unwrap().to_owned()
}

#[tokio::test]
async fn a_deep_link_survives_sign_in_and_the_session_carries_roles_and_customers() {
    let (app, keys) = app();
    let started = start_login(&app, "/auth/login?return=/approvals.html?customerCode=acme").await;

    let doc = roxmltree::Document::parse(&started.request_xml).unwrap();
    let request = doc.root_element();
    assert_eq!(request.tag_name().name(), "AuthnRequest");
    assert_eq!(request.attribute("AssertionConsumerServiceURL"), Some(ACS_URL));
    assert_eq!(request.attribute("Destination"), Some(SSO_URL));
    let issuer = request.children().find(|n| n.has_tag_name("Issuer")).and_then(|n| n.text());
    assert_eq!(issuer, Some(SP_ENTITY_ID));
    assert_eq!(started.relay_state, started.id, "RelayState is the opaque request reference");
    assert!(!started.location.contains("approvals"), "the return path stays in the cookie, not at the IdP");

    let idp = idp();
    let response = idp.response_xml(&idp.spec(&started.id)).unwrap();
    let reply = post_acs(&app, &response, &started.relay_state, Some(&format!("a=b; {}", started.cookie))).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location.as_deref(), Some("/approvals.html?customerCode=acme"));

    let session = keys.open(&session_cookie(&reply.cookies)).unwrap();
    assert_eq!(session.user.email, "dana@example.com");
    assert_eq!(session.user.name, "Dana Approver");
    assert_eq!(session.user.roles, [Role::Viewer, Role::Approver]);
    assert_eq!(session.user.customers, Some(vec![CustomerCode::parse("acme").unwrap()]));
    let set = reply.cookies.iter().find(|c| c.starts_with("ccm_session=")).unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"), "{set}");
    assert!(
        reply.cookies.iter().any(|c| c.starts_with(&format!("ccm_saml_{}=;", started.id)) && c.contains("Max-Age=0")),
        "the request state is cleared"
    );

    let who = get(&app, "/auth/session", Some(&format!("ccm_session={}", session_cookie(&reply.cookies)))).await;
    assert_eq!(who.status, StatusCode::OK);
    assert!(who.body.contains("dana@example.com"));
}

#[tokio::test]
async fn the_request_state_cookie_is_sent_on_the_idps_cross_site_post() {
    let (app, _) = app();
    let reply = get(&app, "/auth/login?return=/x", None).await;
    let set = reply.cookies.iter().find(|c| c.starts_with("ccm_saml_")).unwrap();
    for attr in ["HttpOnly", "SameSite=None", "Secure", "Path=/saml/acs", "Max-Age=600"] {
        assert!(set.contains(attr), "{attr} missing in {set}");
    }
}

#[tokio::test]
async fn the_whole_round_trip_works_through_the_test_idp() {
    let (app, keys) = app();
    let idp: TestIdp = idp();
    let started = start_login(&app, "/auth/login?return=%2Fchanges.html%3Fid%3DCHG-1").await;
    let idp_page =
        get(&idp.clone().router(), started.location.strip_prefix("https://idp.ccm.test").unwrap(), None).await;
    assert_eq!(idp_page.status, StatusCode::OK);
    assert!(idp_page.body.contains(&format!("action=\"{ACS_URL}\"")));
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = idp_page.body.find(&marker).unwrap() + marker.len();
        idp_page.body[start..start + idp_page.body[start..].find('"').unwrap()].to_owned()
    };
    let response_xml = String::from_utf8(STANDARD.decode(field("SAMLResponse")).unwrap()).unwrap();
    let reply = post_acs(&app, &response_xml, &field("RelayState"), Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location.as_deref(), Some("/changes.html?id=CHG-1"));
    assert!(keys.open(&session_cookie(&reply.cookies)).is_ok());
}

#[tokio::test]
async fn a_replayed_response_is_refused() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let response = idp.response_xml(&idp.spec(&started.id)).unwrap();
    let first = post_acs(&app, &response, &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let again = post_acs(&app, &response, &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.cookies.iter().all(|c| !c.starts_with("ccm_session=")));
    assert!(again.body.contains("Sign-in refused"));
}

#[tokio::test]
async fn a_response_to_another_request_is_refused() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let other = start_login(&app, "/auth/login").await;
    let idp = idp();
    let response = idp.response_xml(&idp.spec(&other.id)).unwrap();
    let reply = post_acs(&app, &response, &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_response_without_this_browsers_request_state_is_refused() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let response = idp.response_xml(&idp.spec(&started.id)).unwrap();
    // Login CSRF: the attacker's own response and RelayState, posted from a victim's browser.
    assert_eq!(post_acs(&app, &response, &started.relay_state, None).await.status, StatusCode::FORBIDDEN);
    let forged_cookie = format!("ccm_saml_{}=e30.AAAA", started.id);
    assert_eq!(
        post_acs(&app, &response, &started.relay_state, Some(&forged_cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(post_acs(&app, &response, "../../evil", Some(&started.cookie)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_forged_response_and_a_malformed_post_get_a_plain_403_page() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let impostor = impostor();
    let forged = impostor.response_xml(&impostor.spec(&started.id)).unwrap();
    let reply = post_acs(&app, &forged, &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(!reply.body.contains("signature"), "the page does not explain the refusal");

    let req =
        Request::post("/saml/acs").header(header::CONTENT_TYPE, "text/plain").body(Body::from("nonsense")).unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_outside_the_allowed_domains_is_refused() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let mut spec = idp.spec(&started.id);
    spec.user.email = "eve@example.org".into();
    let reply = post_acs(&app, &idp.response_xml(&spec).unwrap(), &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_return_path_off_this_site_becomes_the_home_page() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login?return=https://evil.example/steal").await;
    let idp = idp();
    let reply =
        post_acs(&app, &idp.response_xml(&idp.spec(&started.id)).unwrap(), &started.relay_state, Some(&started.cookie))
            .await;
    assert_eq!(reply.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn the_service_provider_metadata_names_the_acs_and_entity_id() {
    let (app, _) = app();
    let reply = get(&app, "/auth/saml/metadata", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(&format!("entityID=\"{SP_ENTITY_ID}\"")));
    assert!(reply.body.contains(&format!("Location=\"{ACS_URL}\"")));
}

fn sealed(keys: &SessionKeys, signed_in_ago: Duration, active_ago: Duration) -> String {
    let user = ccm_auth::SessionUser {
        email: "dana@example.com".into(),
        name: "Dana".into(),
        roles: vec![Role::Viewer],
        customers: None,
        groups: Vec::new(),
    };
    let mut session = Session::new(user, Utc::now() - signed_in_ago);
    session.last_seen = (Utc::now() - active_ago).timestamp();
    format!("ccm_session={}", keys.seal(&session))
}

#[tokio::test]
async fn tampered_expired_and_foreign_session_cookies_are_refused() {
    let (app, keys) = app();
    let fresh = sealed(&keys, Duration::minutes(5), Duration::minutes(1));
    assert_eq!(get(&app, "/auth/session", Some(&fresh)).await.status, StatusCode::OK);

    let mut tampered = fresh.clone().into_bytes();
    let i = tampered.len() - 5;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let idle = sealed(&keys, Duration::hours(2), Duration::minutes(61));
    let too_old = sealed(&keys, Duration::hours(8) + Duration::minutes(1), Duration::minutes(1));
    let foreign = sealed(&SessionKeys::new(&"f".repeat(40), None).unwrap(), Duration::minutes(5), Duration::minutes(1));
    for (what, cookie) in [("tampered", tampered), ("idle", idle), ("too old", too_old), ("foreign key", foreign)] {
        let reply = get(&app, "/auth/session", Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(reply.body.contains("unauthenticated"), "{what}: JSON error");
    }
    assert_eq!(SessionPolicy::default().idle, Duration::hours(1));
}

#[tokio::test]
async fn logout_clears_the_session_cookie() {
    let (app, keys) = app();
    let cookie = sealed(&keys, Duration::minutes(5), Duration::minutes(1));
    let req = Request::post("/auth/logout").header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let reply = send(&app, req).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.cookies.iter().any(|c| c.starts_with("ccm_session=;") && c.contains("Max-Age=0")));
}

async fn post_acs_body(app: &Router, body: Body, content_length: Option<usize>) -> Reply {
    let mut req = Request::post("/saml/acs").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(n) = content_length {
        req = req.header(header::CONTENT_LENGTH, n);
    }
    send(app, req.body(body).unwrap()).await
}

#[tokio::test]
async fn an_acs_body_declared_larger_than_64_kib_is_answered_413_without_being_read() {
    let (app, _) = app();
    // A body that fails when read: only a refusal before reading can answer 413.
    let unreadable = Body::from_stream(futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("the body must not be read"))
    }));
    let reply = post_acs_body(&app, unreadable, Some(MAX_ACS_BODY_BYTES + 1)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.contains("larger than 64 KiB"), "{}", reply.body);
    assert!(reply.cookies.iter().all(|c| !c.starts_with("ccm_session=")));
}

#[tokio::test]
async fn an_acs_body_growing_past_64_kib_is_answered_413_even_without_a_length() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    // A correctly signed response, padded past the limit: refused for its size, not verified.
    let mut spec = idp.spec(&started.id);
    spec.user.name = "x".repeat(MAX_ACS_BODY_BYTES);
    let form = serde_urlencoded::to_string([
        ("SAMLResponse", STANDARD.encode(idp.response_xml(&spec).unwrap()).as_str()),
        ("RelayState", started.relay_state.as_str()),
    ])
    .unwrap();
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        form.into_bytes().chunks(4096).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let streamed = Body::from_stream(futures::stream::iter(chunks));
    let reply = post_acs_body(&app, streamed, None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_response_over_the_time_budget_is_refused() {
    let (app, _) = app_with(VerifyPool::new(std::time::Duration::ZERO, 1));
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let response = idp.response_xml(&idp.spec(&started.id)).unwrap();
    let (guard, logs) = capture_logs_from_here();
    let reply = post_acs(&app, &response, &started.relay_state, Some(&started.cookie)).await;
    drop(guard);
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.cookies.iter().all(|c| !c.starts_with("ccm_session=")));
    assert!(logs.text().contains("budget"), "{}", logs.text());
}

#[tokio::test]
async fn a_separator_only_customer_code_is_refused_with_a_page_saying_why() {
    let (app, _) = app();
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let mut spec = idp.spec(&started.id);
    spec.user.customer_codes = Some(" , ,".into());
    let reply = post_acs(&app, &idp.response_xml(&spec).unwrap(), &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.cookies.iter().all(|c| !c.starts_with("ccm_session=")));
    assert!(reply.body.contains("customer assignment (customerCode)"), "{}", reply.body);
}

#[tokio::test]
async fn a_mixed_case_email_signs_in_lower_case() {
    let (app, keys) = app();
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let mut spec = idp.spec(&started.id);
    spec.user.email = "Dana@Example.COM".into();
    let reply = post_acs(&app, &idp.response_xml(&spec).unwrap(), &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(keys.open(&session_cookie(&reply.cookies)).unwrap().user.email, "dana@example.com");
}

#[tokio::test]
async fn request_values_in_log_lines_are_escaped_so_a_newline_cannot_forge_a_line() {
    let (app, _) = app();
    let forged_line = "2030-01-01T00:00:00.000000Z  INFO ccm: signed in with SAML user=admin";
    let (guard, logs) = capture_logs_from_here();

    // A signed attribute value: an unknown customer code is logged before sign-in goes on.
    let started = start_login(&app, "/auth/login").await;
    let idp = idp();
    let mut spec = idp.spec(&started.id);
    spec.user.customer_codes = Some(format!("acme,nope\n{forged_line}"));
    let reply = post_acs(&app, &idp.response_xml(&spec).unwrap(), &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    // An algorithm URI (a character reference survives attribute-value normalisation): quoted in
    // the refusal reason.
    let started = start_login(&app, "/auth/login").await;
    let response = idp.response_xml(&idp.spec(&started.id)).unwrap().replacen(
        "xmldsig-more#rsa-sha256",
        &format!("xmldsig-more#rsa-sha256&#10;{forged_line}"),
        1,
    );
    let reply = post_acs(&app, &response, &started.relay_state, Some(&started.cookie)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    drop(guard);

    let text = logs.text();
    assert!(text.contains("nope\\n2030-01-01"), "{text}");
    assert!(text.contains("rsa-sha256\\n2030-01-01"), "{text}");
    assert!(text.lines().all(|line| !line.starts_with("2030-01-01")), "a forged line: {text}");
}
