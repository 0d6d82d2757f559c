//! Applying contact changes (from the sync, a bulk subscription file or a restore) to a list:
//! paced, a bounded number at a time, each failure recorded without stopping the others.

use futures::StreamExt;
use serde::Serialize;

use super::contact::ContactRecord;
use super::limiter::Pacer;
use super::ses::SesAdmin;
use super::sync::SyncPlan;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ContactChange {
    Create(ContactRecord),
    /// The contact's whole new state (UpdateContact replaces the preference list).
    Update(ContactRecord),
    Delete {
        email: String,
    },
}

impl ContactChange {
    pub fn email(&self) -> &str {
        match self {
            Self::Create(c) | Self::Update(c) => &c.email,
            Self::Delete { email } => email,
        }
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Self::Create(_) => "add",
            Self::Update(_) => "update",
            Self::Delete { .. } => "remove",
        }
    }
}

impl SyncPlan {
    pub fn changes_to_apply(&self) -> Vec<ContactChange> {
        let adds = self.add.iter().cloned().map(ContactChange::Create);
        let updates = self.update.iter().map(|u| ContactChange::Update(u.after.clone()));
        let removes = self.remove.iter().map(|c| ContactChange::Delete { email: c.email.clone() });
        adds.chain(updates).chain(removes).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Applied {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub failed: Vec<Failed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failed {
    pub email: String,
    pub action: &'static str,
    pub error: String,
}

/// Applies every change, `concurrency` at a time through `pacer`; `on_done` after each.
pub async fn apply(
    ses: &SesAdmin,
    list: &str,
    changes: Vec<ContactChange>,
    pacer: &Pacer,
    concurrency: usize,
    on_done: impl Fn() + Sync,
) -> Applied {
    let results: Vec<(ContactChange, Result<(), super::AdminError>)> = futures::stream::iter(changes)
        .map(|change| {
            let on_done = &on_done;
            async move {
                let result = pacer
                    .run(|| async {
                        match &change {
                            ContactChange::Create(c) => ses.create_contact(list, c).await,
                            ContactChange::Update(c) => ses.update_contact(list, c).await,
                            ContactChange::Delete { email } => ses.delete_contact(list, email).await,
                        }
                    })
                    .await;
                on_done();
                (change, result)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut applied = Applied::default();
    for (change, result) in results {
        match result {
            Ok(()) => match change {
                ContactChange::Create(_) => applied.added += 1,
                ContactChange::Update(_) => applied.updated += 1,
                ContactChange::Delete { .. } => applied.removed += 1,
            },
            Err(e) => {
                tracing::warn!(action = change.verb(), address = %ccm_core::ids::mask_email(change.email()), error = %e, "contact change failed");
                applied.failed.push(Failed {
                    email: change.email().to_owned(),
                    action: change.verb(),
                    error: e.to_string(),
                })
            }
        }
    }
    applied.failed.sort_by(|a, b| a.email.cmp(&b.email));
    applied
}
