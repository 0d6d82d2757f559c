//! Subscribable calendar feeds: one per user (what they may see) and one per customer. A feed URL
//! carries a [`FeedToken`] signed by the API; the generation in it must match the one stored under
//! `calendar/feeds/…`, so bumping that generation ([`revoke`]) revokes every URL issued before.
//!
//! A user's feed shows the customers the user could see when they last listed their feeds (stored
//! with the generation), since a feed is read without a session. A customer's feed shows only that
//! customer: other customers of a shared change are left out of its text.

use bytes::Bytes;
use ccm_core::calendar::feed::{self, Feed};
use ccm_core::calendar::{FeedRecord, FeedSubject, FeedToken};
use ccm_core::ports::{ETag, IndexQuery, PutOptions, StoreError};
use ccm_core::{CustomerCode, Role, Status, StorageKey, Token, UserId};
use chrono::TimeDelta;
use sha2::{Digest, Sha256};

use super::blackouts_in_range;
use crate::App;
use crate::blackouts::load_all;
use crate::caller::Caller;
use crate::error::{CalendarError, Forbidden, ForbiddenReason};
use crate::view::scoped_page;

/// A feed covers this many days back and ahead of now.
pub const PAST_DAYS: i64 = 31;
pub const FUTURE_DAYS: i64 = 366;
/// What a feed shows: no drafts, and cancelled objects disappear.
const FEED_STATUSES: [Status; 3] = [Status::Submitted, Status::Approved, Status::Completed];
const WRITE_RETRIES: usize = 3;

/// The key token of a user: a hash of their id, so addresses never appear in keys or URLs.
pub fn user_token(user: &UserId) -> Result<Token, CalendarError> {
    let digest = hex::encode(Sha256::digest(user.as_str().as_bytes()));
    Token::parse(digest.get(..32).unwrap_or(&digest)).map_err(|e| CalendarError::Corrupt(e.to_string()))
}

/// One of the caller's feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    pub token: FeedToken,
    /// `None` for the caller's own feed.
    pub customer: Option<CustomerCode>,
}

/// Which feed to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeTarget {
    /// The caller's own feed.
    Mine,
    /// A customer's feed (admins acting for that customer).
    Customer(CustomerCode),
}

async fn read(app: &App, subject: &FeedSubject) -> Result<Option<(FeedRecord, ETag)>, CalendarError> {
    let key = StorageKey::CalendarFeed(subject.clone());
    let Some(doc) = app.store.get(&key).await? else { return Ok(None) };
    let record = serde_json::from_slice(&doc.body)
        .map_err(|e| CalendarError::Corrupt(format!("feed record {key} does not parse: {e}")))?;
    Ok(Some((record, doc.meta.etag)))
}

/// Writes a feed record with `change` applied to the stored one (or to a fresh one), conditionally;
/// decided again if another writer got there first.
async fn update(
    app: &App,
    subject: &FeedSubject,
    change: impl Fn(Option<FeedRecord>) -> Option<FeedRecord>,
) -> Result<FeedRecord, CalendarError> {
    let key = StorageKey::CalendarFeed(subject.clone());
    for _ in 0..WRITE_RETRIES {
        let current = read(app, subject).await?;
        let (stored, options) = match current {
            Some((r, etag)) => (Some(r), PutOptions::if_match(etag)),
            None => (None, PutOptions::create_only()),
        };
        let Some(next) = change(stored.clone()) else {
            return stored.ok_or_else(|| CalendarError::Corrupt("a feed record vanished".into()));
        };
        let body = serde_json::to_vec(&next).map_err(|e| CalendarError::Corrupt(e.to_string()))?;
        match app.store.put(&key, Bytes::from(body), options).await {
            Ok(_) => return Ok(next),
            Err(StoreError::PreconditionFailed { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CalendarError::Store(StoreError::Unavailable("the feed record keeps changing; try again".into())))
}

/// The customers a caller's feeds cover: their scope, or every configured customer.
fn customers_of(app: &App, caller: &Caller) -> Vec<CustomerCode> {
    match caller.scope() {
        Some(scope) => scope.to_vec(),
        None => app.config.customer_codes().cloned().collect(),
    }
}

/// The caller's feeds: their own first, then one per customer they may see. Listing refreshes the
/// customer scope stored for the caller's own feed.
pub async fn list(app: &App, caller: &Caller) -> Result<Vec<FeedLink>, CalendarError> {
    let now = app.clock.now();
    let me = FeedSubject::User(user_token(&caller.id)?);
    let scope = caller.scope().map(<[CustomerCode]>::to_vec);
    let mine = update(app, &me, |stored| match stored {
        Some(r) if r.customers == scope && r.user_id.as_deref() == Some(caller.email()) => None,
        Some(r) => Some(FeedRecord {
            user_id: Some(caller.email().to_owned()),
            customers: scope.clone(),
            updated_at: now,
            ..r
        }),
        None => Some(FeedRecord {
            generation: 0,
            user_id: Some(caller.email().to_owned()),
            customers: scope.clone(),
            updated_at: now,
        }),
    })
    .await?;
    let mut links = vec![FeedLink { token: FeedToken { subject: me, generation: mine.generation }, customer: None }];
    for code in customers_of(app, caller) {
        let subject = FeedSubject::Customer(code.clone());
        let generation = read(app, &subject).await?.map_or(0, |(r, _)| r.generation);
        links.push(FeedLink { token: FeedToken { subject, generation }, customer: Some(code) });
    }
    Ok(links)
}

/// Bumps a feed's generation: its URLs stop working, new ones are listed.
pub async fn revoke(app: &App, caller: &Caller, target: &RevokeTarget) -> Result<Vec<FeedLink>, CalendarError> {
    let now = app.clock.now();
    let subject = match target {
        RevokeTarget::Mine => FeedSubject::User(user_token(&caller.id)?),
        RevokeTarget::Customer(code) => {
            caller.require(Role::Admin)?;
            if !caller.may_use_customer(code) || app.config.customer(code).is_none() {
                return Err(Forbidden {
                    reason: ForbiddenReason::CustomerScope,
                    message: format!("you may not act for customer {code}"),
                    field: Some("customer".into()),
                }
                .into());
            }
            FeedSubject::Customer(code.clone())
        }
    };
    let bump = |stored: Option<FeedRecord>| {
        let base = stored.unwrap_or(FeedRecord { generation: 0, user_id: None, customers: None, updated_at: now });
        Some(FeedRecord { generation: base.generation.saturating_add(1), updated_at: now, ..base })
    };
    update(app, &subject, bump).await?;
    tracing::info!(feed = %StorageKey::CalendarFeed(subject), "calendar feed revoked");
    list(app, caller).await
}

/// The feed a token names, as `text/calendar`, with a name for it. A token whose generation is
/// not the stored one (revoked), or whose subject is unknown, is not found.
pub async fn render(app: &App, token: &FeedToken) -> Result<String, CalendarError> {
    const GONE: CalendarError = CalendarError::NotFound("calendar feed");
    let stored = read(app, &token.subject).await?.map(|(r, _)| r);
    let generation = stored.as_ref().map_or(0, |r| r.generation);
    if generation != token.generation {
        return Err(GONE);
    }
    let (reader, name, only) = match &token.subject {
        FeedSubject::User(_) => {
            let record = stored.ok_or(GONE)?;
            let id = record.user_id.as_deref().and_then(|u| UserId::parse(u).ok()).ok_or(GONE)?;
            let name = format!("ccm: {}", id.as_str());
            let reader = Caller {
                id,
                name: String::new(),
                roles: vec![Role::Viewer],
                customers: record.customers,
                groups: Vec::new(),
            };
            (reader, name, Vec::new())
        }
        FeedSubject::Customer(code) => {
            let config = app.config.customer(code).ok_or(GONE)?;
            let id = UserId::parse("calendar-feed@ccm.invalid").map_err(|e| CalendarError::Corrupt(e.to_string()))?;
            let reader = Caller {
                id,
                name: String::new(),
                roles: vec![Role::Viewer],
                customers: Some(vec![code.clone()]),
                groups: Vec::new(),
            };
            (reader, format!("ccm: {}", config.customer_name), vec![code.clone()])
        }
    };
    let now = app.clock.now();
    let (from, to) = (
        now.checked_sub_signed(TimeDelta::days(PAST_DAYS)).unwrap_or(now),
        now.checked_add_signed(TimeDelta::days(FUTURE_DAYS)).unwrap_or(now),
    );
    let query = IndexQuery {
        // Nobody's drafts: the statuses leave them out whoever the reader is.
        viewer: reader.email().to_owned(),
        scope: reader.scope().map(<[CustomerCode]>::to_vec),
        statuses: FEED_STATUSES.to_vec(),
        customers: only.clone(),
        limit: super::MAX_ENTRIES,
        ..IndexQuery::default()
    };
    let page = scoped_page(app.index.overlapping(&query, from, to).await?, &reader);
    let blackouts = blackouts_in_range(&load_all(&*app.store).await?, &reader, &only, from, to);
    Ok(feed::render(&Feed {
        name: &name,
        portal_base_url: &app.config.email_config.portal_base_url,
        entries: &page.items,
        blackouts: &blackouts,
        now,
    }))
}
