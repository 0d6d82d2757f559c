//! Meetings in `ccm serve`: the calendar the processor uses (Microsoft Graph when
//! `CCM_GRAPH_TENANT_ID` is set, else the local ICS calendar whose invitations land in the outbox),
//! the local join page `/dev/meetings/{object}` the local calendar's join links point at, and the
//! index's join links, which follow the meeting records the processor writes.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use ccm_api::auth::{User, session_layer};
use ccm_api::{ApiError, AppState};
use ccm_core::ports::{Calendar, DocumentStore, ObjectIndex, list_all};
use ccm_core::render::{IcsInvite, IcsMethod, escape_html, format_local, render_ics};
use ccm_core::{ObjectId, StorageKey};
use ccm_embedded::LocalCalendar;
use ccm_embedded::calendar::{LocalMeeting, read};

/// Graph when configured in the environment, else the local calendar under `data`.
pub async fn calendar(data: &FsPath, portal_base_url: &str) -> anyhow::Result<Arc<dyn Calendar>> {
    if let Some(graph) = graph_from_env(None).await? {
        return Ok(graph);
    }
    tracing::info!("meetings: local ICS calendar (invitations in the outbox, join pages at /dev/meetings)");
    Ok(Arc::new(LocalCalendar::new(data, portal_base_url)))
}

/// Microsoft Graph when `CCM_GRAPH_TENANT_ID` is set: client id from `CCM_GRAPH_CLIENT_ID`, the
/// secret from `CCM_GRAPH_CLIENT_SECRET` or the SSM parameter named by
/// `CCM_GRAPH_CLIENT_SECRET_PARAMETER`, read with `sdk` (else the default AWS credentials).
pub async fn graph_from_env(sdk: Option<&aws_config::SdkConfig>) -> anyhow::Result<Option<Arc<dyn Calendar>>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if !ccm_graph::GraphSettings::configured(env) {
        return Ok(None);
    }
    let secret = if env(&format!("{}_PARAMETER", ccm_graph::settings::ENV_CLIENT_SECRET)).is_some() {
        let sdk = match sdk {
            Some(sdk) => sdk.clone(),
            None => ccm_aws::sdk::load_base_config(None).await,
        };
        ccm_aws::ssm::secret_setting(env, &ccm_aws::ssm::SsmSecrets::new(&sdk), ccm_graph::settings::ENV_CLIENT_SECRET)
            .await
            .context("reading the Graph client secret")?
    } else {
        env(ccm_graph::settings::ENV_CLIENT_SECRET).map(ccm_core::ports::Secret::new)
    };
    let settings = ccm_graph::GraphSettings::from_env(env, secret)?.context("Graph settings")?;
    tracing::info!(tenant = %settings.tenant_id, "meetings: Teams meetings through Microsoft Graph");
    Ok(Some(Arc::new(ccm_graph::GraphCalendar::new(settings)?)))
}

/// The index was rebuilt from the archive alone: give every object with meeting records its join
/// link back.
pub async fn refresh_join_links(store: &dyn DocumentStore, index: &dyn ObjectIndex) -> anyhow::Result<usize> {
    let mut ids: Vec<ObjectId> = list_all(store, "results/")
        .await?
        .into_iter()
        .filter_map(|l| match StorageKey::parse(&l.key) {
            Ok(StorageKey::MeetingResult(id, _)) => Some(id),
            _ => None,
        })
        .collect();
    ids.dedup();
    for id in &ids {
        ccm_app::view::refresh_index_entry(store, index, id).await?;
    }
    Ok(ids.len())
}

#[derive(Clone)]
struct Dir(PathBuf);

/// `/dev/meetings/{object}`: the meeting page, and `/dev/meetings/{object}.ics`; for signed-in users.
pub fn routes(data: &FsPath, state: AppState) -> Router {
    Router::new()
        .route("/dev/meetings/{id}", get(page))
        .with_state(Dir(data.join("calendar")))
        .layer(axum::middleware::from_fn_with_state(state, session_layer))
}

async fn page(user: Result<User, ApiError>, State(Dir(root)): State<Dir>, Path(raw): Path<String>) -> Response {
    let (raw_id, ics) = match raw.strip_suffix(".ics") {
        Some(id) => (id, true),
        None => (raw.as_str(), false),
    };
    let Ok(id) = ObjectId::parse(raw_id) else { return StatusCode::NOT_FOUND.into_response() };
    match user {
        Ok(_) => {}
        Err(ApiError::Unauthenticated { .. }) => {
            return Redirect::to(&format!("/auth/login?return=/dev/meetings/{id}")).into_response();
        }
        Err(e) => return e.into_response(),
    }
    let Ok(Some(meeting)) = tokio::task::spawn_blocking(move || read(&root, &id)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if ics {
        return ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], ics_of(&meeting)).into_response();
    }
    let zone = meeting.timezone.parse().unwrap_or(chrono_tz::America::New_York);
    let status = if meeting.cancelled { "Cancelled" } else { "Scheduled" };
    let body = format!(
        "<h1>📅 {subject}</h1><p class=\"meeting-status\" data-status=\"{status_lower}\"><strong>{status}</strong> · update {sequence}</p>\
         <dl><dt>When</dt><dd>{start} – {end}</dd><dt>Where</dt><dd>{location}</dd><dt>Organizer</dt><dd>{organizer}</dd>\
         <dt>Invited</dt><dd>{attendees}</dd></dl>\
         <p>This is <code>ccm serve</code>'s stand-in for a meeting link: the invitations went out as ICS files \
         (see the <a href=\"/dev/outbox\">outbox</a>). <a href=\"/dev/meetings/{id}.ics\">Download the .ics</a> · \
         <a href=\"{object_link}\">Open {id}</a></p>",
        subject = escape_html(&meeting.subject),
        status_lower = status.to_ascii_lowercase(),
        sequence = meeting.sequence,
        start = escape_html(&format_local(meeting.start, zone)),
        end = escape_html(&format_local(meeting.end, zone)),
        location = escape_html(meeting.location.as_deref().unwrap_or("—")),
        organizer = escape_html(meeting.organizer.as_str()),
        attendees =
            if meeting.attendees == 0 { "by mail, per customer".to_owned() } else { meeting.attendees.to_string() },
        id = escape_html(meeting.object.as_str()),
        object_link = escape_html(&object_page(&meeting.object)),
    );
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>ccm · meeting</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/css/app.css\"></head>\
         <body><main>{body}</main></body></html>"
    ))
    .into_response()
}

fn object_page(id: &ObjectId) -> String {
    if id.kind().is_change() {
        format!("/edit-change.html?changeId={id}")
    } else {
        format!("/edit-announcement.html?announcementId={id}")
    }
}

fn ics_of(m: &LocalMeeting) -> String {
    render_ics(&IcsInvite {
        method: if m.cancelled { IcsMethod::Cancel } else { IcsMethod::Request },
        uid: &m.uid,
        sequence: m.sequence,
        stamp: m.updated_at,
        start: m.start,
        end: m.end,
        zone: m.timezone.parse().unwrap_or(chrono_tz::America::New_York),
        summary: &m.subject,
        description: "",
        location: m.location.as_deref(),
        url: Some(&m.join_url),
        organizer: &m.organizer,
        organizer_name: None,
        attendees: &[],
    })
}
