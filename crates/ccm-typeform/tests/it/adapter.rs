//! The adapter on its own: what it asks Typeform for, and how it stays at one form per (object,
//! customer) through retries, lost answers and restarts.

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, PutOptions, SurveyError, SurveyProvider, SurveyRequest, Surveys};
use ccm_core::storage_key::LogoExt;
use ccm_core::survey::SurveyPeriod;
use ccm_core::{CustomerCode, EmailAddress, Object, StorageKey};
use ccm_testkit::MemoryStore;
use ccm_typeform::TypeformSurveys;
use serde_json::json;

use crate::stub::{Fault, Stub, TOKEN};
use crate::{adapter, completed, settings};

fn acme() -> CustomerCode {
    CustomerCode::parse("acme").unwrap()
}

fn request<'a>(object: &'a Object, customer: &'a CustomerCode) -> SurveyRequest<'a> {
    let period = SurveyPeriod::of_object(object).unwrap();
    SurveyRequest {
        object,
        customer,
        customer_name: "Acme Corporation",
        period,
        now: "2026-06-10T16:06:00Z".parse().unwrap(),
    }
}

async fn setup() -> (Stub, Arc<MemoryStore>) {
    (Stub::start().await, Arc::new(MemoryStore::new()))
}

fn form_records(store: &MemoryStore) -> Vec<String> {
    store.keys().into_iter().filter(|k| k.starts_with("surveys/forms/")).collect()
}

#[tokio::test]
async fn a_completed_object_gets_a_themed_form_with_the_three_questions_and_its_hidden_fields() {
    let (stub, store) = setup().await;
    let surveys = adapter(&stub, &store);
    let o = completed("CHG-T1", &["acme", "globex"]);
    let survey = surveys.prepare(&request(&o, &acme())).await.unwrap();

    let (forms, themes, images) = (stub.forms(), stub.themes(), stub.images());
    assert_eq!((forms.len(), themes.len(), images.len()), (1, 1, 1));
    let form = &forms[0];
    assert_eq!(form["title"], "Rotate the load balancer certificates — Acme Corporation [CHG-T1/acme]");
    assert_eq!(form["workspace"]["href"], format!("{}/workspaces/ws1", stub.base));
    assert_eq!(form["theme"]["href"], format!("{}/themes/{}", stub.base, themes[0]["id"].as_str().unwrap()));
    assert_eq!(form["hidden"], json!(["object_id", "event_type", "event_subtype", "customer_code", "year", "quarter"]));
    let refs: Vec<&str> = form["fields"].as_array().unwrap().iter().map(|f| f["ref"].as_str().unwrap()).collect();
    assert_eq!(refs, ["excellent", "recommend", "improve"]);
    assert_eq!(form["fields"][0]["title"], "Was this change excellent?");
    assert_eq!(themes[0]["background"]["href"], images[0]["src"], "the logo is the theme's background");
    assert_eq!(themes[0]["colors"]["button"], "#6c757d");
    assert!(images[0]["file_name"].as_str().unwrap().starts_with("ccm-logo-default-"), "no logo stored: the default");

    assert_eq!(survey.provider, SurveyProvider::Typeform);
    let id = form["id"].as_str().unwrap();
    assert_eq!(survey.survey_id, id);
    assert_eq!(
        survey.url,
        format!(
            "https://stub.typeform.com/to/{id}#object_id=CHG-T1&event_type=change&event_subtype=general&customer_code=acme&year=2026&quarter=2"
        )
    );
    let ops = EmailAddress::parse("ops@acme.example.com").unwrap();
    assert_eq!(surveys.link(&survey, &ops), survey.url, "everyone of a customer shares the form; no address leaves");
    let records = form_records(&store);
    assert_eq!(records.len(), 1);
    assert!(
        records[0].starts_with("surveys/forms/acme/CHG-T1/") && records[0].ends_with(&format!("-{id}.json")),
        "{records:?}"
    );
}

#[tokio::test]
async fn a_retried_completion_finds_its_form_again_instead_of_making_another() {
    let (stub, store) = setup().await;
    let o = completed("CHG-T2", &["acme"]);
    let first = adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap();
    let calls = stub.requests().len();
    // A redelivered trigger, in another process (nothing cached): the record answers.
    let again = adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(stub.requests().len(), calls, "Typeform is not asked again");
    assert_eq!(stub.forms().len(), 1);
}

#[tokio::test]
async fn a_form_made_but_never_recorded_is_found_by_its_marker() {
    let (stub, store) = setup().await;
    let o = completed("CHG-T3", &["acme"]);
    let first = adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap();
    for key in form_records(&store) {
        store.delete(&StorageKey::parse(&key).unwrap()).await.unwrap();
    }
    let again = adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap();
    assert_eq!(again.survey_id, first.survey_id);
    assert_eq!((stub.forms().len(), stub.count("POST /forms")), (1, 1));
    assert_eq!(form_records(&store).len(), 1, "recorded again");
}

#[tokio::test]
async fn a_lost_answer_to_a_form_creation_does_not_make_a_second_form() {
    let (stub, store) = setup().await;
    stub.fail(Fault::LoseAnswer { method: axum::http::Method::POST, path: "/forms" });
    let o = completed("CHG-T4", &["acme"]);
    let survey = adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap();
    assert_eq!((stub.forms().len(), stub.count("POST /forms")), (1, 1), "found before posting again");
    assert_eq!(survey.survey_id, stub.forms()[0]["id"].as_str().unwrap());
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried_with_backoff() {
    let (stub, store) = setup().await;
    use axum::http::Method;
    stub.fail(Fault::Status { method: Method::GET, path: "/forms", status: 503, retry_after: None });
    stub.fail(Fault::Status { method: Method::POST, path: "/images", status: 429, retry_after: Some(0) });
    stub.fail(Fault::Status { method: Method::GET, path: "/themes", status: 500, retry_after: None });
    stub.fail(Fault::Status { method: Method::POST, path: "/forms", status: 429, retry_after: Some(0) });
    stub.fail(Fault::Status { method: Method::POST, path: "/forms", status: 502, retry_after: None });
    let o = completed("CHG-T5", &["acme"]);
    adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap();
    assert_eq!((stub.forms().len(), stub.images().len(), stub.themes().len()), (1, 1, 1));
    assert_eq!(stub.count("POST /forms"), 3, "two refused, one made");
    assert_eq!(stub.count("POST /images"), 2);
}

#[tokio::test]
async fn typeform_down_through_every_retry_is_retryable_and_a_bad_token_is_not() {
    let (stub, store) = setup().await;
    for _ in 0..4 {
        stub.fail(Fault::Status { method: axum::http::Method::GET, path: "/forms", status: 503, retry_after: None });
    }
    let o = completed("CHG-T6", &["acme"]);
    let down = adapter(&stub, &store).prepare(&request(&o, &acme())).await.unwrap_err();
    assert!(matches!(down, SurveyError::Unavailable(_)), "{down}");
    assert_eq!(stub.count("GET /forms"), 4, "four tries in all");

    let wrong = TypeformSurveys::new(&settings(&stub, "not-the-token"), store.clone()).unwrap();
    let refused = wrong.prepare(&request(&o, &acme())).await.unwrap_err();
    assert!(matches!(refused, SurveyError::Rejected(_)), "{refused}");
    assert!(refused.to_string().contains("401"), "{refused}");
    assert!(!refused.to_string().contains(TOKEN) && !refused.to_string().contains("not-the-token"));
    assert!(stub.forms().is_empty() && form_records(&store).is_empty());
}

#[tokio::test]
async fn the_customers_own_logo_is_uploaded_once_and_an_svg_logo_falls_back_to_the_default() {
    let (stub, store) = setup().await;
    let png = ccm_typeform_default_png();
    let put = |ext, body: Vec<u8>, ct: &str| {
        let store = store.clone();
        let ct = ct.to_owned();
        async move {
            let options = PutOptions { content_type: Some(ct), ..PutOptions::default() };
            store.put(&StorageKey::CustomerLogo(ext_customer(ext), ext), Bytes::from(body), options).await.unwrap();
        }
    };
    put(LogoExt::Png, png.clone(), "image/png").await;
    put(LogoExt::Svg, b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(), "image/svg+xml").await;
    let surveys = adapter(&stub, &store);
    let globex = CustomerCode::parse("globex").unwrap();
    let one = completed("CHG-T7", &["acme", "globex"]);
    let two = completed("CHG-T8", &["acme"]);
    surveys.prepare(&request(&one, &acme())).await.unwrap();
    surveys.prepare(&request(&one, &globex)).await.unwrap();
    surveys.prepare(&request(&two, &acme())).await.unwrap();
    let images = stub.images();
    let names: Vec<&str> = images.iter().map(|i| i["file_name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("ccm-logo-acme-") && names[0].ends_with(".png"), "{names:?}");
    assert!(names[1].starts_with("ccm-logo-default-"), "globex's SVG is not an image Typeform takes: {names:?}");
    assert_eq!(images[0]["bytes"], png.len());
    assert_eq!(stub.themes().len(), 2, "one theme per customer and logo, reused by the second change");
    assert_eq!(stub.forms().len(), 3);
}

/// acme's logo is PNG, globex's SVG.
fn ext_customer(ext: LogoExt) -> CustomerCode {
    CustomerCode::parse(if ext == LogoExt::Png { "acme" } else { "globex" }).unwrap()
}

/// A small valid PNG that is not the default logo.
fn ccm_typeform_default_png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(b"acme-logo-bytes");
    png
}
