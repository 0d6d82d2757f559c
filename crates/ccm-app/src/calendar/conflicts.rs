//! The conflicts of one change, as its author or approver may see them: other changes of the same
//! customers whose windows overlap (from the index's range query), and the blackout windows its
//! window meets. Customer-scoped callers hear only about their own customers.

use ccm_core::Object;
use ccm_core::calendar::Warning;
use ccm_core::calendar::conflicts::{blackout_warnings, overlap_warnings};
use ccm_core::ports::IndexQuery;
use ccm_core::{CustomerCode, Status};

use crate::App;
use crate::blackouts::load_all;
use crate::caller::Caller;
use crate::error::LookupError;

/// How many overlapping changes one check reports at most.
const MAX_OVERLAPS: usize = 100;

/// Blackout warnings first, then overlaps by start. Announcements and changes without a complete
/// window have none.
pub async fn for_object(app: &App, caller: &Caller, object: &Object) -> Result<Vec<Warning>, LookupError> {
    let (Object::Change(_), (Some(start), Some(end))) = (object, object.window()) else {
        return Ok(Vec::new());
    };
    let customers: Vec<CustomerCode> =
        object.customers().iter().filter(|c| caller.may_use_customer(c)).cloned().collect();
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let query = IndexQuery {
        viewer: caller.email().to_owned(),
        scope: caller.scope().map(<[CustomerCode]>::to_vec),
        changes_only: Some(true),
        statuses: vec![Status::Submitted, Status::Approved],
        customers: customers.clone(),
        limit: MAX_OVERLAPS,
        ..IndexQuery::default()
    };
    let candidates = app.index.overlapping(&query, start, end).await?.items;
    let blackouts = load_all(&*app.store).await?;
    let mut warnings = blackout_warnings(start, end, &customers, &blackouts);
    warnings.extend(overlap_warnings(object.id(), start, end, &customers, &candidates));
    Ok(warnings)
}
