//! A tiny SAML identity provider for tests and the browser test (feature `test-idp`). It signs with
//! a test key (checked in under `tests/fixtures/`, never used anywhere real) and answers an
//! HTTP-Redirect AuthnRequest at `GET /sso` with an auto-submitting form that POSTs a signed
//! response for its configured user to the ACS.
//!
//! ```ignore
//! let idp = TestIdp::with_fixture_key("http://127.0.0.1:9001/sso", "http://127.0.0.1:9000",
//!     "http://127.0.0.1:9000/saml/acs", TestUser::new("alice@example.com", &["ccm-authors"]));
//! let metadata = idp.metadata_xml(); // what the SP trusts: CCM_SAML_IDP_METADATA
//! let settings = SamlSettings::from_env(|k| (k == "CCM_SAML_IDP_METADATA").then(|| metadata.clone()), "http://127.0.0.1:9000")?;
//! tokio::spawn(axum::serve(listener_on_9001, idp.router()).into_future());
//! ```

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde::Deserialize;

use super::authn_request::{self, escape};
use super::signer::{self, SignError};

pub const FIXTURE_KEY_PEM: &str = include_str!("../../tests/fixtures/idp-key.pem");
pub const FIXTURE_CERT_PEM: &str = include_str!("../../tests/fixtures/idp-cert.pem");
pub const FIXTURE_ENTITY_ID: &str = "https://idp.ccm.test/metadata";

/// The user the test IdP signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUser {
    pub email: String,
    pub name: String,
    pub groups: Vec<String>,
    /// The `customerCode` attribute (comma-separated), if any.
    pub customer_codes: Option<String>,
}

impl TestUser {
    pub fn new(email: &str, groups: &[&str]) -> Self {
        Self {
            email: email.into(),
            name: "Test User".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            customer_codes: None,
        }
    }
    pub fn with_customers(mut self, codes: &str) -> Self {
        self.customer_codes = Some(codes.into());
        self
    }
}

/// Which elements the response carries a signature on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    Assertion,
    Response,
    Both,
    Nothing,
}

/// Every field of a response, so tests can make each one wrong.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    pub response_id: String,
    pub assertion_id: String,
    pub issuer: String,
    pub destination: String,
    pub recipient: String,
    pub audience: String,
    pub in_response_to: String,
    pub user: TestUser,
    pub issued: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub not_on_or_after: DateTime<Utc>,
    pub signing: Signing,
}

#[derive(Debug, thiserror::Error)]
pub enum TestIdpError {
    #[error("test IdP key: {0}")]
    Key(String),
    #[error("test IdP certificate is not PEM")]
    Certificate,
}

#[derive(Clone)]
pub struct TestIdp {
    key: RsaPrivateKey,
    cert_der: Vec<u8>,
    pub entity_id: String,
    pub sso_url: String,
    pub sp_entity_id: String,
    pub acs_url: String,
    pub user: TestUser,
}

impl TestIdp {
    pub fn new(
        key_pem: &str,
        cert_pem: &str,
        entity_id: &str,
        sso_url: &str,
        sp_entity_id: &str,
        acs_url: &str,
        user: TestUser,
    ) -> Result<Self, TestIdpError> {
        let key = RsaPrivateKey::from_pkcs8_pem(key_pem).map_err(|e| TestIdpError::Key(e.to_string()))?;
        let cert_der = pem_body(cert_pem).ok_or(TestIdpError::Certificate)?;
        Ok(Self {
            key,
            cert_der,
            entity_id: entity_id.into(),
            sso_url: sso_url.into(),
            sp_entity_id: sp_entity_id.into(),
            acs_url: acs_url.into(),
            user,
        })
    }

    /// The IdP with the checked-in test key and [`FIXTURE_ENTITY_ID`].
    pub fn with_fixture_key(sso_url: &str, sp_entity_id: &str, acs_url: &str, user: TestUser) -> Self {
        #[allow(clippy::expect_used)]
        Self::new(FIXTURE_KEY_PEM, FIXTURE_CERT_PEM, FIXTURE_ENTITY_ID, sso_url, sp_entity_id, acs_url, user)
            .expect("the checked-in test key and certificate parse")
    }

    /// The metadata the service provider is configured with.
    pub fn metadata_xml(&self) -> String {
        format!(
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">\
             <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
             <md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data>\
             <ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\
             <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\
             <md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"{sso}\"/>\
             </md:IDPSSODescriptor></md:EntityDescriptor>",
            entity = escape(&self.entity_id),
            cert = STANDARD.encode(&self.cert_der),
            sso = escape(&self.sso_url),
        )
    }

    /// A correct response to `in_response_to` for the configured user, valid for five minutes.
    pub fn spec(&self, in_response_to: &str) -> ResponseSpec {
        let now = Utc::now();
        ResponseSpec {
            response_id: authn_request::new_request_id(),
            assertion_id: authn_request::new_request_id(),
            issuer: self.entity_id.clone(),
            destination: self.acs_url.clone(),
            recipient: self.acs_url.clone(),
            audience: self.sp_entity_id.clone(),
            in_response_to: in_response_to.into(),
            user: self.user.clone(),
            issued: now,
            not_before: now - Duration::seconds(5),
            not_on_or_after: now + Duration::minutes(5),
            signing: Signing::Assertion,
        }
    }

    /// The response XML, signed as `spec.signing` says.
    pub fn response_xml(&self, spec: &ResponseSpec) -> Result<String, SignError> {
        let mut xml = unsigned_response_xml(spec);
        if matches!(spec.signing, Signing::Assertion | Signing::Both) {
            xml = self.sign(&xml, &spec.assertion_id)?;
        }
        if matches!(spec.signing, Signing::Response | Signing::Both) {
            xml = self.sign(&xml, &spec.response_id)?;
        }
        Ok(xml)
    }

    /// The signing key (for the signer's other entry points).
    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The certificate (DER) embedded in `KeyInfo`.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Signs the element with this `ID` (enveloped, exclusive c14n, RSA-SHA256).
    pub fn sign(&self, xml: &str, id: &str) -> Result<String, SignError> {
        signer::sign_enveloped(xml, id, &self.key, &self.cert_der)
    }

    /// The auto-submitting page that POSTs `response_xml` to the ACS (HTTP-POST binding).
    pub fn post_form(&self, response_xml: &str, relay_state: &str) -> String {
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>test IdP</title></head>\
             <body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{acs}\">\
             <input type=\"hidden\" name=\"SAMLResponse\" value=\"{response}\">\
             <input type=\"hidden\" name=\"RelayState\" value=\"{relay}\">\
             <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
            acs = escape(&self.acs_url),
            response = STANDARD.encode(response_xml),
            relay = escape(relay_state),
        )
    }

    /// `GET /sso`: answers an HTTP-Redirect AuthnRequest for the configured user.
    pub fn router(self) -> Router {
        Router::new().route("/sso", get(sso)).with_state(self)
    }
}

#[derive(Deserialize)]
struct SsoQuery {
    #[serde(rename = "SAMLRequest")]
    saml_request: String,
    #[serde(rename = "RelayState", default)]
    relay_state: String,
}

async fn sso(State(idp): State<TestIdp>, Query(q): Query<SsoQuery>) -> Response {
    let Some(request) = authn_request::inflate_request(&q.saml_request) else {
        return (StatusCode::BAD_REQUEST, "SAMLRequest is not deflated base64").into_response();
    };
    let id =
        roxmltree::Document::parse(&request).ok().and_then(|doc| doc.root_element().attribute("ID").map(str::to_owned));
    let Some(id) = id else {
        return (StatusCode::BAD_REQUEST, "AuthnRequest without ID").into_response();
    };
    match idp.response_xml(&idp.spec(&id)) {
        Ok(xml) => Html(idp.post_form(&xml, &q.relay_state)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The response before signing: the shape IAM Identity Center sends.
pub fn unsigned_response_xml(spec: &ResponseSpec) -> String {
    let t = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut attributes = String::new();
    let mut attribute = |name: &str, values: &[String]| {
        attributes.push_str(&format!(
            "<saml:Attribute Name=\"{}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified\">",
            escape(name)
        ));
        for v in values {
            attributes
                .push_str(&format!("<saml:AttributeValue xsi:type=\"xs:string\">{}</saml:AttributeValue>", escape(v)));
        }
        attributes.push_str("</saml:Attribute>");
    };
    attribute("name", std::slice::from_ref(&spec.user.name));
    attribute("groups", &spec.user.groups);
    if let Some(codes) = &spec.user.customer_codes {
        attribute("customerCode", std::slice::from_ref(codes));
    }
    format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{rid}\" Version=\"2.0\" IssueInstant=\"{issued}\" \
         Destination=\"{destination}\" InResponseTo=\"{irt}\"><saml:Issuer>{issuer}</saml:Issuer>\
         <samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>\
         <saml:Assertion xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         ID=\"{aid}\" Version=\"2.0\" IssueInstant=\"{issued}\"><saml:Issuer>{issuer}</saml:Issuer>\
         <saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">{email}</saml:NameID>\
         <saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">\
         <saml:SubjectConfirmationData InResponseTo=\"{irt}\" NotOnOrAfter=\"{nooa}\" Recipient=\"{recipient}\"/>\
         </saml:SubjectConfirmation></saml:Subject>\
         <saml:Conditions NotBefore=\"{nb}\" NotOnOrAfter=\"{nooa}\"><saml:AudienceRestriction>\
         <saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>\
         <saml:AuthnStatement AuthnInstant=\"{issued}\" SessionIndex=\"{aid}\"><saml:AuthnContext>\
         <saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>\
         </saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement>\
         </saml:Assertion></samlp:Response>",
        rid = escape(&spec.response_id),
        aid = escape(&spec.assertion_id),
        issued = t(spec.issued),
        nb = t(spec.not_before),
        nooa = t(spec.not_on_or_after),
        destination = escape(&spec.destination),
        recipient = escape(&spec.recipient),
        irt = escape(&spec.in_response_to),
        issuer = escape(&spec.issuer),
        audience = escape(&spec.audience),
        email = escape(&spec.user.email),
    )
}

/// The DER bytes of a PEM block.
pub fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).flat_map(|l| l.trim().chars()).collect();
    STANDARD.decode(body).ok().filter(|d| !d.is_empty())
}
