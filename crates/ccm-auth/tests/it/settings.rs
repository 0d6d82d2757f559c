//! SAML settings from the environment and IdP metadata.

use std::collections::HashMap;

use crate::common::{self, idp};
use ccm_auth::saml::{IdpMetadata, MetadataError, SamlSettings, SettingsError};

fn settings(vars: &[(&str, &str)]) -> Result<SamlSettings, SettingsError> {
    let env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    SamlSettings::from_env(|k| env.get(k).cloned(), "https://ccm.example.com/")
}

#[test]
fn the_entity_id_and_acs_url_default_to_the_portal_url() {
    let xml = idp().metadata_xml();
    let s = settings(&[("CCM_SAML_IDP_METADATA", &xml)]).unwrap();
    assert_eq!(s.sp.entity_id, "https://ccm.example.com");
    assert_eq!(s.sp.acs_url, "https://ccm.example.com/saml/acs");
    assert_eq!(s.sp.idp.sso_url, common::SSO_URL);
    assert_eq!(s.sp.clock_skew, chrono::Duration::minutes(2));
    assert_eq!(s.attributes.groups, "groups");
    assert_eq!(s.attributes.customer_code, "customerCode");
}

#[test]
fn explicit_values_win_and_the_metadata_may_come_from_a_file() {
    let file = std::env::temp_dir().join(format!("ccm-idp-metadata-{}.xml", std::process::id()));
    std::fs::write(&file, idp().metadata_xml()).unwrap();
    let s = settings(&[
        ("CCM_SAML_IDP_METADATA_FILE", file.to_str().unwrap()),
        ("CCM_SAML_SP_ENTITY_ID", "urn:ccm:prod"),
        ("CCM_SAML_ACS_URL", "https://portal.example.com/saml/acs"),
        ("CCM_SAML_GROUPS_ATTRIBUTE", "memberOf"),
        ("CCM_SAML_CLOCK_SKEW_SECONDS", "30"),
    ])
    .unwrap();
    std::fs::remove_file(&file).ok();
    assert_eq!(
        (s.sp.entity_id.as_str(), s.sp.acs_url.as_str()),
        ("urn:ccm:prod", "https://portal.example.com/saml/acs")
    );
    assert_eq!(s.attributes.groups, "memberOf");
    assert_eq!(s.sp.clock_skew, chrono::Duration::seconds(30));
}

#[test]
fn missing_or_bad_settings_name_their_variable() {
    let missing = settings(&[]).unwrap_err().to_string();
    assert!(missing.contains("CCM_SAML_IDP_METADATA_FILE"), "{missing}");
    let bad = settings(&[("CCM_SAML_IDP_METADATA", "<nope/>")]).unwrap_err().to_string();
    assert!(bad.starts_with("CCM_SAML_IDP_METADATA:"), "{bad}");
    let xml = idp().metadata_xml();
    let skew = settings(&[("CCM_SAML_IDP_METADATA", &xml), ("CCM_SAML_CLOCK_SKEW_SECONDS", "soon")]).unwrap_err();
    assert!(skew.to_string().starts_with("CCM_SAML_CLOCK_SKEW_SECONDS"));
}

#[test]
fn metadata_without_a_signing_certificate_is_refused() {
    let xml = idp().metadata_xml();
    let start = xml.find("<md:KeyDescriptor").unwrap();
    let end = xml.find("</md:KeyDescriptor>").unwrap() + "</md:KeyDescriptor>".len();
    let without = format!("{}{}", &xml[..start], &xml[end..]);
    assert!(matches!(IdpMetadata::parse(&without), Err(MetadataError::Missing(_))));
    let broken = xml.replacen("<ds:X509Certificate>MII", "<ds:X509Certificate>XII", 1);
    assert!(matches!(IdpMetadata::parse(&broken), Err(MetadataError::Certificate(_))));
}

#[tokio::test]
async fn the_lambda_wiring_builds_a_working_router_from_env_and_config() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use ccm_auth::saml::{RequestStateKeys, SamlState, saml_routes};
    use tower::ServiceExt;

    let config = ccm_core::config::AppConfig::from_json(include_str!("../../../../config.json")).unwrap();
    let xml = idp().metadata_xml();
    let settings = settings(&[("CCM_SAML_IDP_METADATA", &xml)]).unwrap();
    let secret = "s".repeat(40);
    let keys = ccm_auth::SessionKeys::new(&secret, None).unwrap();
    let state =
        SamlState::new(settings, &config, keys, Default::default(), RequestStateKeys::from_secrets(&secret, None));
    assert_eq!(state.rules.role_mappings, config.portal.role_mappings);
    let res = saml_routes(state).oneshot(Request::get("/auth/login").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(&format!("{}?SAMLRequest=", common::SSO_URL)), "{location}");
}
