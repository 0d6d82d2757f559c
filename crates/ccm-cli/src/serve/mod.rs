//! `ccm serve`: the whole system in one process. The portal (`html/`), the API, the development
//! sign-in and the trigger queue run over the embedded adapters (a durable local store under `--data`,
//! an in-memory index rebuilt at start), or over S3 with `--backend aws`.

mod assets;
mod demo;
mod feedback;
pub(crate) mod keys;
pub(crate) mod meetings;
mod outbox;
mod portal_url;
mod queue;
pub mod reminders;
mod unsubscribe;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use ccm_api::{AppState, SurveySettings};
use ccm_auth::dev_login;
use ccm_auth::session_routes::{self, AuthState};
use ccm_core::ports::{DocumentStore, ObjectIndex, Secret};
use ccm_core::survey::{BuiltinSurveys, SurveyKeys};
use ccm_embedded::{EmbeddedStore, JsonContacts, LinkKeys, MemoryIndex};
use clap::{Args, ValueEnum};

use crate::config_files::{load_app_config, load_ses_config};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// A durable store in the data directory (the default; nothing else needed).
    Embedded,
    /// S3 (set AWS_ENDPOINT_URL to use an emulator); triggers then flow through S3 notifications.
    Aws,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Data directory of the embedded store (created if missing).
    #[arg(long, env = "CCM_DATA", default_value = ".data")]
    pub data: PathBuf,
    /// Address to listen on. Keep it on loopback unless you put TLS in front of it.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
    /// Seed demo changes and announcements in every status when the store is empty.
    #[arg(long)]
    pub demo: bool,
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,
    /// The metadata bucket (with --backend aws); defaults to config's s3_config.bucket_name.
    #[arg(long)]
    pub bucket: Option<String>,
    /// The DynamoDB table of the shared index (with --backend aws; created when missing). Without
    /// it, this process indexes the bucket on its own.
    #[arg(long, env = "CCM_INDEX_TABLE")]
    pub index_table: Option<String>,
    /// Serve the portal from this directory instead of the copy built into the binary.
    #[arg(long, env = "CCM_HTML")]
    pub html: Option<PathBuf>,
    /// Mark the session cookie Secure (needs HTTPS in front; browsers allow it on http://localhost too).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Contacts per customer with topic preferences (JSON); defaults to the built-in demo contacts.
    #[arg(long, env = "CCM_CONTACTS")]
    pub contacts: Option<PathBuf>,
    /// Seconds between two reminder sweeps (reminders before approved windows and to approvers of
    /// waiting submissions; embedded backend); 0 turns the timer off.
    #[arg(long, env = "CCM_REMINDER_INTERVAL", default_value_t = 300)]
    pub reminder_interval: u64,
}

/// The demo contacts built into the binary (see `crates/ccm-cli/demo/contacts.json`).
pub const DEMO_CONTACTS: &str = include_str!("../../demo/contacts.json");

/// Everything `ccm serve` runs, built but not yet listening: tests use this directly.
pub struct Server {
    pub router: Router,
    pub state: AppState,
    pub embedded: Option<Arc<EmbeddedStore>>,
    /// The notification processor the in-process queue feeds (embedded backend only).
    pub processor: Option<ccm_processor::Processor>,
    pub outbox: PathBuf,
    /// The local contacts store the processor reads and unsubscribe links write (embedded backend).
    pub contacts: Option<Arc<JsonContacts>>,
    /// The mailbox simulator's events, until the queue starts (embedded backend).
    feedback: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<String>>>,
}

impl Server {
    /// Starts the in-process trigger queue feeding the processor, and the delivery feedback of the
    /// mailbox simulator (embedded backend).
    pub async fn start_queue(&self) -> anyhow::Result<()> {
        if let (Some(store), Some(processor)) = (&self.embedded, &self.processor) {
            queue::start(store.clone(), processor.clone(), self.state.app.index.clone()).await?;
            if let Some(rx) = self.feedback.lock().unwrap_or_else(|e| e.into_inner()).take() {
                feedback::start(rx, processor.clone());
            }
        }
        Ok(())
    }

    /// The reminder sweep over this server's store and index.
    pub fn sweep(&self) -> ccm_processor::Sweep {
        let app = &self.state.app;
        ccm_processor::Sweep {
            store: app.store.clone(),
            index: app.index.clone(),
            config: app.config.clone(),
            clock: app.clock.clone(),
        }
    }

    /// Starts the reminder timer (embedded backend: its queue processes what the sweep hands off;
    /// with `--backend aws` the deployment's scheduled sweep does); `None` when off.
    pub fn start_reminders(&self, every: std::time::Duration) -> Option<reminders::ReminderTimer> {
        if self.processor.is_none() || every.is_zero() {
            return None;
        }
        Some(reminders::ReminderTimer::start(self.sweep(), every))
    }
}

pub async fn build(config_path: &Path, ses_path: &Path, args: &ServeArgs) -> anyhow::Result<Server> {
    build_with(config_path, ses_path, args, None).await
}

/// [`build`] with the AWS configuration given (tests pass an emulator's) instead of loaded from the
/// environment; used with `--backend aws`.
pub async fn build_with(
    config_path: &Path,
    ses_path: &Path,
    args: &ServeArgs,
    aws: Option<aws_config::SdkConfig>,
) -> anyhow::Result<Server> {
    let (config, source) = load_app_config(config_path, true)?;
    let (ses, ses_source) = load_ses_config(ses_path, true)?;
    tracing::info!(config = %source, ses_config = %ses_source, topics = ses.expand().len(), "configuration loaded");
    let config = Arc::new(with_portal_url(config, args));

    let mut sdk = None;
    let mut uploads: Option<Arc<dyn ccm_core::ports::UploadSigner>> = None;
    let (store, embedded): (Arc<dyn DocumentStore>, Option<Arc<EmbeddedStore>>) = match args.backend {
        Backend::Embedded => {
            let store = EmbeddedStore::open(&args.data)
                .await
                .with_context(|| format!("opening the data directory {}", args.data.display()))?;
            (store.clone(), Some(store))
        }
        Backend::Aws => {
            let bucket = args
                .bucket
                .clone()
                .or_else(|| config.s3_config.as_ref().map(|s| s.bucket_name.clone()))
                .context("--backend aws needs --bucket or s3_config.bucket_name in config.json")?;
            let loaded = match aws {
                Some(given) => given,
                None => ccm_aws::sdk::load_base_config(None).await,
            };
            let client = ccm_aws::sdk::s3_client(&loaded, loaded.endpoint_url().is_some());
            uploads = Some(Arc::new(ccm_aws::S3Uploads::new(client.clone(), &bucket)));
            sdk = Some(loaded);
            (Arc::new(ccm_aws::S3DocumentStore::new(client, bucket)), None)
        }
    };
    let index: Arc<dyn ObjectIndex> = match (&sdk, &args.index_table) {
        // The shared index of the AWS deployment: what several processes over one bucket use.
        (Some(sdk), Some(table)) => {
            let table = ccm_aws::IndexTable::new(aws_sdk_dynamodb::Client::new(sdk), table);
            table.ensure_exists().await.context("creating the index table")?;
            let index = ccm_aws::SyncedIndex::open(table, Some(&*store)).await.context("opening the shared index")?;
            tracing::info!(objects = index.len(), "shared index opened");
            Arc::new(index)
        }
        (None, Some(_)) => anyhow::bail!("--index-table needs --backend aws"),
        (_, None) => {
            let index = MemoryIndex::rebuild_from(&*store).await.context("building the index from the store")?;
            tracing::info!(objects = index.len(), "index built");
            // Rebuilt from the archive alone: the join links come from the meeting records.
            let with_meetings =
                meetings::refresh_join_links(&*store, &index).await.context("meeting links in the index")?;
            if with_meetings > 0 {
                tracing::info!(objects = with_meetings, "meeting join links added to the index");
            }
            Arc::new(index)
        }
    };

    let session_secret = keys::session_secret(&args.data).context("loading the session key")?;
    let keys = ccm_auth::SessionKeys::new(&session_secret.primary, session_secret.previous.as_deref())
        .context("CCM_SESSION_KEY")?;
    let policy = AppState::policy_from_config(&config, args.secure_cookies);
    // Survey links are signed under a key derived from the session key: the processor signs them,
    // the API checks them.
    let survey_keys = SurveyKeys::from_secrets(&session_secret.primary, session_secret.previous.as_deref());
    let surveys = SurveySettings {
        links: Some(survey_keys.clone()),
        typeform_secret: std::env::var("TYPEFORM_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty()).map(Secret::new),
    };
    let mut state = AppState::new(store.clone(), index, config.clone(), keys.clone(), policy).with_surveys(surveys);
    if let Some(uploads) = uploads {
        state.app.uploads = uploads;
    }

    if args.demo {
        let seeded = demo::seed(&state).await.context("seeding demo data")?;
        if seeded > 0 {
            tracing::info!(objects = seeded, "demo data seeded");
        }
    }

    let auth = AuthState { keys, policy, demo_users: Arc::new(config.portal.demo_users.clone()) };
    // With a real identity provider configured, nobody may sign in as a demo user.
    let dev = if saml_configured() {
        Router::new()
    } else {
        dev_login::dev_login_routes(auth.clone()).context("ccm serve")?
    };
    let outbox_dir = args.data.join("outbox");
    let links = LinkKeys::from_secrets(&session_secret.primary, session_secret.previous.as_deref());
    let (processor, contacts, feedback) = match &embedded {
        Some(store) => {
            let (mut p, c, f) = processor(store.clone(), &config, &ses, args, &links, survey_keys)?;
            p.calendar = Some(meetings::calendar(&args.data, &config.email_config.portal_base_url).await?);
            (Some(p), Some(c), Some(f))
        }
        None => (None, None, None),
    };
    let unsubscribe = match &contacts {
        Some(c) => unsubscribe::routes(links, c.clone(), &config, &ses),
        None => Router::new(),
    };
    let sign_in = if saml_configured() {
        let settings =
            ccm_auth::saml::SamlSettings::from_env(|k| std::env::var(k).ok(), &config.email_config.portal_base_url)
                .context("SAML settings (CCM_SAML_*)")?;
        let request_keys =
            ccm_auth::saml::RequestStateKeys::from_secrets(&session_secret.primary, session_secret.previous.as_deref());
        let saml = ccm_auth::saml::SamlState::new(settings, &config, state.keys.clone(), policy, request_keys);
        tracing::info!("SAML sign-in enabled");
        ccm_auth::saml::saml_routes(saml)
    } else {
        // Without an IdP, /auth/login (where the portal sends users) is the development sign-in.
        Router::new().route("/auth/login", axum::routing::get(to_dev_login))
    };
    let router = Router::new()
        .merge(ccm_api::router(state.clone()))
        .merge(session_routes::session_routes(auth))
        .merge(sign_in)
        .merge(dev)
        .merge(outbox::routes(outbox_dir.clone(), state.clone()))
        .merge(meetings::routes(&args.data, state.clone()))
        .merge(unsubscribe)
        .fallback_service(assets::service(args.html.clone()));
    let feedback = std::sync::Mutex::new(feedback);
    Ok(Server { router, state, embedded, processor, outbox: outbox_dir, contacts, feedback })
}

/// Links in mail point where this server is reached: see [`portal_url`].
fn with_portal_url(mut config: ccm_core::config::AppConfig, args: &ServeArgs) -> ccm_core::config::AppConfig {
    let configured = config.email_config.portal_base_url.clone();
    config.email_config.portal_base_url = portal_url::effective(&configured, args.host, args.port);
    if config.email_config.portal_base_url != configured {
        tracing::info!(configured = %configured, used = %config.email_config.portal_base_url, "portal URL follows the address bound");
    }
    config
}

fn saml_configured() -> bool {
    std::env::var_os("CCM_SAML_IDP_METADATA_FILE").is_some() || std::env::var_os("CCM_SAML_IDP_METADATA").is_some()
}

async fn to_dev_login(uri: axum::http::Uri) -> axum::response::Redirect {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    axum::response::Redirect::to(&format!("/auth/dev-login{query}"))
}

/// The processor of the one-machine setup: contacts from JSON (with the opt-outs made through
/// unsubscribe links, kept in the data directory), mail to the outbox (with SES's mailbox
/// simulator's delivery feedback, handed out as the receiver to start), the delivery ledger in the
/// data directory (the same ledger code as on AWS, over the embedded store), and the built-in
/// survey page for completion notices.
fn processor(
    store: Arc<EmbeddedStore>,
    config: &Arc<ccm_core::config::AppConfig>,
    ses: &ccm_core::config::SesConfig,
    args: &ServeArgs,
    links: &LinkKeys,
    survey_keys: SurveyKeys,
) -> anyhow::Result<(ccm_processor::Processor, Arc<JsonContacts>, tokio::sync::mpsc::UnboundedReceiver<String>)> {
    let contacts_text = match &args.contacts {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        None => DEMO_CONTACTS.to_owned(),
    };
    let contacts = JsonContacts::from_json(&contacts_text, ses)?
        .with_preferences_file(ccm_embedded::contacts::preferences_path(&args.data))?;
    for (code, _) in contacts.customers() {
        if config.customer(code).is_none() {
            tracing::warn!(customer = %code, "the contacts file names a customer that config.json does not have");
        }
    }
    let contacts = Arc::new(contacts);
    let (sink, events, customers) = feedback::channel(config);
    let mailer = ccm_embedded::OutboxMailer::new(&args.data, &config.email_config.portal_base_url, links.clone())
        .with_feedback(sink, customers);
    let processor = ccm_processor::Processor {
        store: store.clone(),
        contacts: contacts.clone(),
        mailer: Arc::new(mailer),
        ledger: Arc::new(ccm_aws::ledger::StoreLedger::new(store)),
        calendar: None,
        // Completion notices link ccm's own survey page (`/survey.html?t=…`).
        surveys: Some(Arc::new(BuiltinSurveys::new(survey_keys, &config.email_config.portal_base_url))),
        config: config.clone(),
        clock: Arc::new(ccm_core::ports::SystemClock),
        settings: ccm_processor::Settings::default(),
    };
    Ok((processor, contacts, events))
}

pub async fn run(config_path: &Path, ses_path: &Path, mut args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Bound first, so that links in mail carry the port really used (`--port 0` included).
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .with_context(|| format!("listening on {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    args.port = addr.port();
    let server = build(config_path, ses_path, &args).await?;
    server.start_queue().await?;
    let timer = server.start_reminders(std::time::Duration::from_secs(args.reminder_interval));
    print_banner(&server.state, addr, &args);
    axum::serve(listener, server.router).with_graceful_shutdown(shutdown()).await.context("serving")?;
    if let Some(timer) = timer {
        timer.stop().await;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_banner(state: &AppState, addr: SocketAddr, args: &ServeArgs) {
    let host = if addr.ip().is_loopback() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
    println!("ccm is running: http://{host}:{}/", addr.port());
    match args.backend {
        Backend::Embedded => println!("  data:  {}", args.data.display()),
        Backend::Aws => println!("  data:  S3 bucket {}", args.bucket.as_deref().unwrap_or("(from config)")),
    }
    println!("  outbox: http://{host}:{}/dev/outbox (mail that would have gone to SES)", addr.port());
    println!("  links in mail: {}", state.app.config.email_config.portal_base_url);
    if saml_configured() {
        println!("  sign in at http://{host}:{}/auth/login (SAML; the development sign-in is off)", addr.port());
        println!("  press Ctrl-C to stop");
        return;
    }
    println!("  sign in at http://{host}:{}/auth/dev-login as one of:", addr.port());
    for u in &state.app.config.portal.demo_users {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        let scope = if u.customers.is_empty() {
            String::new()
        } else {
            format!(" (customers: {})", u.customers.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "))
        };
        println!("    {:<28} {}{}", u.email.as_str(), roles.join(", "), scope);
    }
    println!("  press Ctrl-C to stop");
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
