//! Shared set-up: the test IdP (checked-in test key), the service provider it talks to, the access
//! rules of a small configuration, and the axum app with the SAML and session routes.

use std::sync::Arc;

use axum::Router;
use ccm_auth::saml::test_idp::{TestIdp, TestUser};
use ccm_auth::saml::{
    AccessRules, AttributeNames, Deadline, Expectations, IdpMetadata, InMemoryReplayCache, RequestStateKeys,
    ResponseError, SamlState, ServiceProvider, VerifiedAssertion, VerifyPool, saml_routes, verify_response_xml,
};
use ccm_auth::session_routes::{AuthState, session_routes};
use ccm_auth::{SessionKeys, SessionPolicy};
use ccm_core::{CustomerCode, Role};
use chrono::{DateTime, Duration, Utc};

pub const SP_ENTITY_ID: &str = "https://ccm.example.com";
pub const ACS_URL: &str = "https://ccm.example.com/saml/acs";
pub const SSO_URL: &str = "https://idp.ccm.test/sso";
/// The AuthnRequest id tests answer when they call the verifier directly.
pub const REQUEST_ID: &str = "_0123456789abcdef0123456789abcdef";

pub fn dana() -> TestUser {
    let mut user = TestUser::new("dana@example.com", &["ccm-approvers", "not-mapped"]).with_customers("acme");
    user.name = "Dana Approver".into();
    user
}

pub fn idp() -> TestIdp {
    TestIdp::with_fixture_key(SSO_URL, SP_ENTITY_ID, ACS_URL, dana())
}

/// An IdP with the same entity id but another key: what an attacker without the IdP key can do.
pub fn impostor() -> TestIdp {
    TestIdp::new(
        include_str!("../fixtures/other-key.pem"),
        include_str!("../fixtures/other-cert.pem"),
        &idp().entity_id,
        SSO_URL,
        SP_ENTITY_ID,
        ACS_URL,
        dana(),
    )
    .unwrap()
}

pub fn metadata() -> IdpMetadata {
    IdpMetadata::parse(&idp().metadata_xml()).unwrap()
}

pub fn verify_at(xml: &str, in_response_to: &str, now: DateTime<Utc>) -> Result<VerifiedAssertion, ResponseError> {
    let idp = metadata();
    let expect = Expectations {
        idp: &idp,
        sp_entity_id: SP_ENTITY_ID,
        acs_url: ACS_URL,
        in_response_to,
        now,
        skew: Duration::minutes(2),
        deadline: Deadline::NONE,
    };
    verify_response_xml(xml, &expect)
}

pub fn verify(xml: &str) -> Result<VerifiedAssertion, ResponseError> {
    verify_at(xml, REQUEST_ID, Utc::now())
}

/// A correctly signed response to [`REQUEST_ID`] (assertion signed).
pub fn signed_response() -> String {
    let idp = idp();
    idp.response_xml(&idp.spec(REQUEST_ID)).unwrap()
}

pub fn rules() -> AccessRules {
    AccessRules {
        allowed_email_domains: vec!["example.com".into()],
        role_mappings: [
            ("ccm-admins".to_owned(), vec![Role::Admin]),
            ("ccm-approvers".to_owned(), vec![Role::Approver, Role::Viewer]),
            ("ccm-authors".to_owned(), vec![Role::Author]),
        ]
        .into(),
        known_customers: ["acme", "globex"].iter().map(|c| CustomerCode::parse(c).unwrap()).collect(),
        attributes: AttributeNames::default(),
    }
}

/// The app as the `ccm-auth` Lambda wires it, with its session keys.
pub fn app() -> (Router, SessionKeys) {
    app_with(VerifyPool::default())
}

/// The app with another verification pool (a tiny time budget, one verification at a time).
pub fn app_with(verify: VerifyPool) -> (Router, SessionKeys) {
    let keys = SessionKeys::ephemeral();
    let policy = SessionPolicy::default();
    let state = SamlState {
        keys: keys.clone(),
        policy,
        sp: Arc::new(ServiceProvider {
            entity_id: SP_ENTITY_ID.into(),
            acs_url: ACS_URL.into(),
            idp: metadata(),
            clock_skew: Duration::minutes(2),
        }),
        rules: Arc::new(rules()),
        request_keys: RequestStateKeys::ephemeral(),
        replay: Arc::new(InMemoryReplayCache::default()),
        verify,
    };
    let sessions = AuthState { keys: keys.clone(), policy, demo_users: Arc::new(Vec::new()) };
    (saml_routes(state).merge(session_routes(sessions)), keys)
}

/// The text of the first `<saml:Assertion …>…</saml:Assertion>` in a test IdP response.
pub fn assertion_of(xml: &str) -> &str {
    let start = xml.find("<saml:Assertion ").unwrap();
    let end = xml.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    &xml[start..end]
}

/// The response with `assertion` (whole element text) replaced by `replacement`.
pub fn replace_assertion(xml: &str, replacement: &str) -> String {
    xml.replacen(assertion_of(xml), replacement, 1)
}

/// Inserts `content` right after the Response's `saml:Issuer` (where Extensions would go).
pub fn after_response_issuer(xml: &str, content: &str) -> String {
    let at = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    format!("{}{content}{}", &xml[..at], &xml[at..])
}

/// Log capture through the testkit's one global subscriber (see [`ccm_testkit::logs`]).
pub use ccm_testkit::logs::{capture as capture_logs_from_here, capture_during as capture_logs};
