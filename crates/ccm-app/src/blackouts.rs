//! Blackout windows over the document store: listed by everyone (cut to their customers), written
//! by admins only, versioned like objects (every write needs the ETag that was read, the pre-image
//! goes to `versions/blackouts/{id}/v{n}.json`, a delete moves the window to `deleted/blackouts/`).

use bytes::Bytes;
use ccm_core::blackout::{Blackout, BlackoutId, BlackoutInput};
use ccm_core::model::{Modification, ModificationType};
use ccm_core::ports::{DocumentStore, ETag, PutOptions, list_all};
use ccm_core::{Role, StorageKey};
use futures::StreamExt;

use crate::App;
use crate::caller::Caller;
use crate::error::{BlackoutError, Forbidden, ForbiddenReason, LookupError};

/// Blackout documents read at once.
const READS_IN_FLIGHT: usize = 16;

/// Every stored blackout window, unfiltered (for conflict checks). One listing, then the
/// documents; one that does not parse is skipped with a warning rather than hiding all the others.
pub async fn load_all(store: &dyn DocumentStore) -> Result<Vec<Blackout>, LookupError> {
    let keys: Vec<StorageKey> = list_all(store, StorageKey::BLACKOUTS_PREFIX)
        .await?
        .into_iter()
        .filter_map(|l| match StorageKey::parse(&l.key) {
            Ok(k @ StorageKey::Blackout(_)) => Some(k),
            _ => None,
        })
        .collect();
    let reads = futures::stream::iter(keys)
        .map(|key| async move { (store.get(&key).await, key) })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let mut out = Vec::new();
    for (read, key) in reads {
        let Some(doc) = read? else { continue };
        match Blackout::from_json(&doc.body) {
            Ok(b) => out.push(b),
            Err(e) => tracing::warn!(key = %key, error = %e, "skipping a blackout window that does not parse"),
        }
    }
    out.sort_by(|a, b| a.input.name.cmp(&b.input.name).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// A blackout as one caller may see it: global ones, and those of their customers, with the
/// customer list cut to their scope. `None` when it concerns none of their customers.
pub fn visible_to(blackout: &Blackout, caller: &Caller) -> Option<Blackout> {
    let Some(scope) = caller.scope() else { return Some(blackout.clone()) };
    if blackout.is_global() {
        return Some(blackout.clone());
    }
    let mut shown = blackout.clone();
    shown.input.customers.retain(|c| scope.contains(c));
    (!shown.input.customers.is_empty()).then_some(shown)
}

/// One version of a blackout window.
#[derive(Debug, Clone, PartialEq)]
pub struct BlackoutVersion {
    pub version: u32,
    pub modified_by: String,
    pub modified_at: chrono::DateTime<chrono::Utc>,
    pub current: bool,
}

/// The blackout use cases for one caller.
pub struct Blackouts<'a> {
    app: &'a App,
    caller: &'a Caller,
}

impl App {
    pub fn blackouts<'a>(&'a self, caller: &'a Caller) -> Blackouts<'a> {
        Blackouts { app: self, caller }
    }
}

impl Blackouts<'_> {
    /// Everything the caller may see, by name.
    pub async fn list(&self) -> Result<Vec<Blackout>, BlackoutError> {
        let all = load_all(&*self.app.store).await.map_err(lookup)?;
        Ok(all.iter().filter_map(|b| visible_to(b, self.caller)).collect())
    }

    pub async fn get(&self, id: &BlackoutId) -> Result<(Blackout, ETag), BlackoutError> {
        let (b, etag) = self.read(id).await?.ok_or(BlackoutError::NotFound)?;
        let shown = visible_to(&b, self.caller).ok_or(BlackoutError::NotFound)?;
        Ok((shown, etag))
    }

    pub async fn create(&self, input: BlackoutInput) -> Result<(Blackout, ETag), BlackoutError> {
        self.may_write(&input)?;
        let now = self.app.clock.now();
        self.validate(&input, now)?;
        let user = self.caller.email().to_owned();
        let blackout = Blackout {
            id: self.app.ids.blackout_id(),
            input,
            version: 1,
            created_by: user.clone(),
            created_at: now,
            modified_by: user.clone(),
            modified_at: now,
            modifications: vec![Modification::new(ModificationType::Created, &user, now)],
            extra: Default::default(),
        };
        let key = StorageKey::Blackout(blackout.id.clone());
        let etag = self.app.store.put(&key, Bytes::from(blackout.to_json()), PutOptions::create_only()).await?;
        tracing::info!(blackout = %blackout.id, "blackout window created");
        Ok((blackout, etag))
    }

    /// Replaces the editable fields; `if_match` is required and must be the ETag that was read.
    pub async fn update(
        &self,
        id: &BlackoutId,
        if_match: Option<ETag>,
        input: BlackoutInput,
    ) -> Result<(Blackout, ETag), BlackoutError> {
        let if_match = if_match.ok_or(BlackoutError::PreconditionRequired)?;
        let (current, etag) = self.read(id).await?.ok_or(BlackoutError::NotFound)?;
        self.may_write(&current.input)?;
        self.may_write(&input)?;
        if if_match.as_str() != "\"*\"" && if_match != etag {
            return Err(self.conflict(current, etag));
        }
        let now = self.app.clock.now();
        self.validate(&input, now)?;
        let version = current.version.checked_add(1).ok_or_else(|| {
            BlackoutError::Invalid(vec![ccm_core::config::FieldError::new(
                "version",
                "no further version can be recorded",
            )])
        })?;
        self.snapshot(&current).await?;
        let mut next = current.clone();
        next.input = input;
        next.version = version;
        next.modified_by = self.caller.email().to_owned();
        next.modified_at = now;
        next.modifications.push(Modification::new(ModificationType::Updated, self.caller.email(), now));
        let key = StorageKey::Blackout(id.clone());
        let etag = match self.app.store.put(&key, Bytes::from(next.to_json()), PutOptions::if_match(etag)).await {
            Ok(etag) => etag,
            Err(ccm_core::ports::StoreError::PreconditionFailed { .. }) => return Err(self.conflict_now(id).await),
            Err(e) => return Err(e.into()),
        };
        tracing::info!(blackout = %id, version, "blackout window updated");
        Ok((next, etag))
    }

    /// Moves the blackout to `deleted/blackouts/`; with `if_match`, only if it is still that version.
    pub async fn delete(&self, id: &BlackoutId, if_match: Option<ETag>) -> Result<(), BlackoutError> {
        let (current, etag) = self.read(id).await?.ok_or(BlackoutError::NotFound)?;
        self.may_write(&current.input)?;
        if let Some(want) = if_match
            && want.as_str() != "\"*\""
            && want != etag
        {
            return Err(self.conflict(current, etag));
        }
        let now = self.app.clock.now();
        let mut gone = current.clone();
        gone.modifications.push(Modification::new(ModificationType::Deleted, self.caller.email(), now));
        let options = PutOptions::default().with_metadata("deleted-by", self.caller.email());
        self.app.store.put(&StorageKey::DeletedBlackout(id.clone()), Bytes::from(gone.to_json()), options).await?;
        match self.app.store.delete_if_match(&StorageKey::Blackout(id.clone()), &etag).await {
            Ok(()) => {}
            Err(ccm_core::ports::StoreError::PreconditionFailed { .. }) => return Err(self.conflict_now(id).await),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(blackout = %id, "blackout window deleted");
        Ok(())
    }

    /// Every version, newest first.
    pub async fn versions(&self, id: &BlackoutId) -> Result<Vec<BlackoutVersion>, BlackoutError> {
        let (current, _) = self.get(id).await?;
        let mut out = vec![BlackoutVersion {
            version: current.version,
            modified_by: current.modified_by.clone(),
            modified_at: current.modified_at,
            current: true,
        }];
        for listed in list_all(&*self.app.store, &StorageKey::blackout_versions_prefix(id)).await? {
            let Ok(key @ StorageKey::BlackoutVersion(..)) = StorageKey::parse(&listed.key) else { continue };
            let Some(doc) = self.app.store.get(&key).await? else { continue };
            if let Ok(b) = Blackout::from_json(&doc.body) {
                out.push(BlackoutVersion {
                    version: b.version,
                    modified_by: b.modified_by,
                    modified_at: b.modified_at,
                    current: false,
                });
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.version));
        Ok(out)
    }

    /// Admins write blackouts: a customer-scoped admin only for their customers, never globally.
    fn may_write(&self, input: &BlackoutInput) -> Result<(), BlackoutError> {
        self.caller.require(Role::Admin)?;
        let out_of_scope = match self.caller.scope() {
            None => false,
            Some(_) if input.customers.is_empty() => true,
            Some(_) => input.customers.iter().any(|c| !self.caller.may_use_customer(c)),
        };
        if out_of_scope {
            return Err(Forbidden {
                reason: ForbiddenReason::CustomerScope,
                message:
                    "a blackout window may only name customers you act for (and a global one needs an unscoped admin)"
                        .into(),
                field: Some("customers".into()),
            }
            .into());
        }
        Ok(())
    }

    fn validate(&self, input: &BlackoutInput, now: chrono::DateTime<chrono::Utc>) -> Result<(), BlackoutError> {
        let errors = input.validate(&self.app.config, now);
        if errors.is_empty() { Ok(()) } else { Err(BlackoutError::Invalid(errors)) }
    }

    async fn read(&self, id: &BlackoutId) -> Result<Option<(Blackout, ETag)>, BlackoutError> {
        let Some(doc) = self.app.store.get(&StorageKey::Blackout(id.clone())).await? else { return Ok(None) };
        let b = Blackout::from_json(&doc.body)
            .map_err(|e| BlackoutError::Corrupt(format!("stored blackout {id} does not parse: {e}")))?;
        Ok(Some((b, doc.meta.etag)))
    }

    async fn snapshot(&self, b: &Blackout) -> Result<(), BlackoutError> {
        let key = StorageKey::BlackoutVersion(b.id.clone(), b.version);
        self.app.store.put(&key, Bytes::from(b.to_json()), PutOptions::default()).await?;
        Ok(())
    }

    fn conflict(&self, current: Blackout, etag: ETag) -> BlackoutError {
        let message = format!(
            "{} changed this blackout window (now version {}); reload it and try again",
            current.modified_by, current.version
        );
        let shown = visible_to(&current, self.caller).unwrap_or(current);
        BlackoutError::Conflict { message, current: Some(Box::new((shown, etag))) }
    }

    async fn conflict_now(&self, id: &BlackoutId) -> BlackoutError {
        match self.read(id).await {
            Ok(Some((b, etag))) => self.conflict(b, etag),
            _ => BlackoutError::Conflict {
                message: "the blackout window was changed or deleted meanwhile".into(),
                current: None,
            },
        }
    }
}

fn lookup(e: LookupError) -> BlackoutError {
    match e {
        LookupError::Store(e) => BlackoutError::Store(e),
        LookupError::Index(e) => BlackoutError::Store(ccm_core::ports::StoreError::Other(e.to_string())),
        LookupError::Corrupt(why) => BlackoutError::Corrupt(why),
    }
}
