//! The Typeform adapter of the Surveys port: find the recorded form, else find it at Typeform by its
//! marker, else upload the logo, find or create the theme, create the form; record it create-only.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use ccm_core::ports::{
    DocumentStore, PreparedSurvey, PutOptions, StoreError, SurveyError, SurveyProvider, SurveyRequest, Surveys,
    list_all,
};
use ccm_core::survey::SurveyFormRecord;
use ccm_core::{CustomerCode, EmailAddress, StorageKey};

use crate::client::{Client, Failure, TypeformError};
use crate::form::{form_definition, marker, survey_link};
use crate::logo::{self, Logo};
use crate::wire::{Form, Image, NewImage, Theme};
use crate::{Settings, theme};

pub struct TypeformSurveys {
    client: Client,
    store: Arc<dyn DocumentStore>,
    workspace: Option<String>,
    /// Theme ids by name and image sources by file name, as found or made by this process.
    themes: Mutex<HashMap<String, String>>,
    images: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for TypeformSurveys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeformSurveys").field("client", &self.client).finish_non_exhaustive()
    }
}

fn survey_error(e: TypeformError) -> SurveyError {
    if e.is_retryable() { SurveyError::Unavailable(e.to_string()) } else { SurveyError::Rejected(e.to_string()) }
}

fn store_error(e: StoreError) -> SurveyError {
    if e.is_retryable() {
        SurveyError::Unavailable(format!("store: {e}"))
    } else {
        SurveyError::Rejected(format!("store: {e}"))
    }
}

impl TypeformSurveys {
    pub fn new(settings: &Settings, store: Arc<dyn DocumentStore>) -> Result<Self, TypeformError> {
        Ok(Self {
            client: Client::new(settings)?,
            store,
            workspace: settings.workspace.clone(),
            themes: Mutex::new(HashMap::new()),
            images: Mutex::new(HashMap::new()),
        })
    }

    /// The form recorded for (object, customer) by an earlier completion.
    async fn recorded(&self, request: &SurveyRequest<'_>) -> Result<Option<SurveyFormRecord>, SurveyError> {
        let prefix = SurveyFormRecord::prefix(request.customer, request.object.id());
        let listed = list_all(&*self.store, &prefix).await.map_err(store_error)?;
        for item in listed {
            let Ok(key @ StorageKey::SurveyForm { .. }) = StorageKey::parse(&item.key) else { continue };
            let Some(doc) = self.store.get(&key).await.map_err(store_error)? else { continue };
            match serde_json::from_slice::<SurveyFormRecord>(&doc.body) {
                Ok(r) if r.provider == "typeform" => return Ok(Some(r)),
                Ok(_) => {}
                Err(e) => tracing::warn!(key = %key, error = %e, "skipping a survey form record that does not parse"),
            }
        }
        Ok(None)
    }

    /// A form made for (object, customer) whose creation was never recorded (the marker is in its title).
    async fn find_form(&self, marker: &str) -> Result<Option<Form>, TypeformError> {
        let forms = self.client.find_forms(marker, self.workspace.as_deref()).await?;
        Ok(forms.into_iter().find(|f| f.title.contains(marker) && f.display().is_some()))
    }

    /// Creates with `create`, retrying throttled and failed attempts; before each retry `find`
    /// looks for what an attempt whose answer was lost may have made.
    async fn create_checked<T, F, FF, C, CF>(&self, what: &'static str, find: F, create: C) -> Result<T, TypeformError>
    where
        F: Fn() -> FF,
        FF: Future<Output = Result<Option<T>, TypeformError>>,
        C: Fn() -> CF,
        CF: Future<Output = Result<T, Failure>>,
    {
        let retry = self.client.retry();
        let mut attempt = 1;
        loop {
            match create().await {
                Ok(v) => return Ok(v),
                Err(Failure::Stop(e)) => return Err(e),
                Err(Failure::Retry { detail, after }) => {
                    if attempt >= retry.attempts.max(1) {
                        return Err(TypeformError::Unavailable { what, detail });
                    }
                    let wait = retry.delay(attempt, after);
                    tracing::warn!(what, attempt, wait_ms = wait.as_millis() as u64, %detail, "Typeform throttled or failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    if let Some(found) = find().await? {
                        return Ok(found);
                    }
                }
            }
        }
    }

    /// The logo's image at Typeform, uploaded once.
    async fn image(&self, logo: &Logo, customer: &CustomerCode) -> Result<String, TypeformError> {
        let file_name = logo.file_name(customer);
        if let Some(src) = self.images.lock().unwrap_or_else(|e| e.into_inner()).get(&file_name) {
            return Ok(src.clone());
        }
        let find = || async {
            let images = self.client.images().await?;
            Ok::<Option<Image>, TypeformError>(
                images.into_iter().find(|i| i.file_name == file_name && !i.src.is_empty()),
            )
        };
        let image = match find().await? {
            Some(i) => i,
            None => {
                let new = NewImage { image: STANDARD.encode(&logo.bytes), file_name: file_name.clone() };
                self.create_checked("uploading the logo", find, || self.client.upload_image_once(&new)).await?
            }
        };
        self.images.lock().unwrap_or_else(|e| e.into_inner()).insert(file_name, image.src.clone());
        Ok(image.src)
    }

    /// The theme of (type, customer, logo): found by name, else made.
    async fn theme(&self, request: &SurveyRequest<'_>, logo: &Logo, logo_src: &str) -> Result<String, TypeformError> {
        let kind = request.object.kind();
        let name = theme::name(kind, request.customer, &logo.hash);
        if let Some(id) = self.themes.lock().unwrap_or_else(|e| e.into_inner()).get(&name) {
            return Ok(id.clone());
        }
        let find = || async {
            let themes = self.client.themes().await?;
            Ok::<Option<Theme>, TypeformError>(themes.into_iter().find(|t| t.name == name))
        };
        let theme = match find().await? {
            Some(t) => t,
            None => {
                let new = theme::definition(kind, request.customer, &logo.hash, logo_src);
                self.create_checked("creating the theme", find, || self.client.create_theme_once(&new)).await?
            }
        };
        self.themes.lock().unwrap_or_else(|e| e.into_inner()).insert(name, theme.id.clone());
        Ok(theme.id)
    }

    async fn create(&self, request: &SurveyRequest<'_>, marker: &str) -> Result<Form, TypeformError> {
        let logo = logo::load(&*self.store, request.customer)
            .await
            .map_err(|e| TypeformError::Unavailable { what: "reading the logo", detail: e.to_string() })?;
        let src = self.image(&logo, request.customer).await?;
        let theme_id = self.theme(request, &logo, &src).await?;
        let base = self.client.base();
        let workspace = self.workspace.as_ref().map(|w| format!("{base}/workspaces/{w}"));
        let definition = form_definition(request, &format!("{base}/themes/{theme_id}"), workspace.as_deref());
        let form = self
            .create_checked(
                "creating the form",
                || self.find_form(marker),
                || self.client.create_form_once(&definition),
            )
            .await?;
        if form.display().is_none() {
            return Err(TypeformError::BadAnswer { what: "creating the form", detail: "no _links.display".into() });
        }
        tracing::info!(form = %form.id, customer = %request.customer, object = %request.object.id(), "Typeform survey created");
        Ok(form)
    }

    /// Records the form create-only (a record already there for the same second and form is fine).
    async fn record(
        &self,
        request: &SurveyRequest<'_>,
        form: &Form,
        raw: serde_json::Value,
    ) -> Result<SurveyFormRecord, SurveyError> {
        let display = form.display().unwrap_or_default();
        let record = SurveyFormRecord {
            provider: "typeform".into(),
            form_id: form.id.clone(),
            object: request.object.id().clone(),
            type_name: request.object.kind().type_name().into(),
            title: request.object.title().to_owned(),
            customer: request.customer.clone(),
            year: request.period.quarter.year,
            quarter: request.period.quarter.quarter,
            opened_at: request.period.opened,
            display_url: display.split('#').next().unwrap_or(display).to_owned(),
            created_at: request.now,
            provider_form: raw,
        };
        let key =
            record.key().ok_or_else(|| SurveyError::Rejected(format!("form id {:?} is not key-safe", form.id)))?;
        let body = serde_json::to_vec_pretty(&record).map_err(|e| SurveyError::Rejected(e.to_string()))?;
        match self
            .store
            .put(&key, Bytes::from(body), PutOptions::create_only().with_metadata("written-by", "ccm-processor"))
            .await
        {
            Ok(_) | Err(StoreError::PreconditionFailed { .. }) => Ok(record),
            Err(e) => Err(store_error(e)),
        }
    }

    fn prepared(&self, request: &SurveyRequest<'_>, record: &SurveyFormRecord) -> PreparedSurvey {
        let kind = request.object.kind();
        PreparedSurvey {
            provider: SurveyProvider::Typeform,
            object: record.object.clone(),
            customer: record.customer.clone(),
            period: record.period().unwrap_or(request.period),
            survey_id: record.form_id.clone(),
            url: survey_link(&record.display_url, kind, &record.object, &record.customer, record.year, record.quarter),
            expires_at: None,
        }
    }
}

#[async_trait]
impl Surveys for TypeformSurveys {
    async fn prepare(&self, request: &SurveyRequest<'_>) -> Result<PreparedSurvey, SurveyError> {
        if let Some(record) = self.recorded(request).await? {
            return Ok(self.prepared(request, &record));
        }
        let marker = marker(request.object.id(), request.customer);
        let form = match self.find_form(&marker).await.map_err(survey_error)? {
            Some(found) => {
                tracing::info!(form = %found.id, "found a Typeform survey whose creation was not recorded");
                found
            }
            None => self.create(request, &marker).await.map_err(survey_error)?,
        };
        let raw = serde_json::json!({"id": form.id, "title": form.title, "_links": {"display": form.display()}});
        let record = self.record(request, &form, raw).await?;
        Ok(self.prepared(request, &record))
    }

    /// Everyone of a customer answers the same form; the hidden fields say which object it is.
    fn link(&self, survey: &PreparedSurvey, _recipient: &EmailAddress) -> String {
        survey.url.clone()
    }
}
