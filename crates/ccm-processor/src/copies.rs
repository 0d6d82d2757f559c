//! One rendering of a mail per reader zone: a fan-out renders the customer's copy once for each
//! distinct zone among its recipients (the first when a recipient in that zone comes up), never once
//! per recipient. Notices ([`notice`]) and mailed meeting invitations use it alike.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ccm_core::render::{self, NotificationContext, RenderError, Rendered};
use chrono_tz::Tz;

use crate::error::ProcessError;

pub(crate) struct Copies<R> {
    /// Renders the copy for a reader in the given zone.
    render: R,
    /// The zone of recipients whose contact names none: the customer's, else the object's.
    default_zone: Tz,
    default_copy: Arc<Rendered>,
    by_zone: Mutex<HashMap<Tz, Arc<Rendered>>>,
}

/// A notice's copies: `context` (with its survey slot) in each reader's zone.
pub(crate) fn notice<'a>(
    context: NotificationContext<'a>,
    survey_slot: Option<&'a str>,
    default_zone: Tz,
) -> Result<Copies<impl Fn(Tz) -> Result<Rendered, RenderError> + 'a>, ProcessError> {
    Copies::new(
        move |zone| {
            render::render_with_survey(&NotificationContext { reader_zone: Some(zone), ..context }, survey_slot)
        },
        default_zone,
    )
}

impl<R: Fn(Tz) -> Result<Rendered, RenderError>> Copies<R> {
    /// Renders the copy for `default_zone` now, so a template error fails the trigger before any send.
    pub(crate) fn new(render: R, default_zone: Tz) -> Result<Self, ProcessError> {
        let default_copy = Arc::new(render(default_zone).map_err(|e| ProcessError::permanent(e.to_string()))?);
        Ok(Self { render, default_zone, default_copy, by_zone: Mutex::new(HashMap::new()) })
    }

    /// The copy for a reader in `zone` (`None`: the default zone), rendered the first time it is asked for.
    pub(crate) fn for_zone(&self, zone: Option<Tz>) -> Arc<Rendered> {
        let zone = zone.unwrap_or(self.default_zone);
        if zone == self.default_zone {
            return self.default_copy.clone();
        }
        let mut cache = self.by_zone.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(copy) = cache.get(&zone) {
            return copy.clone();
        }
        let copy = match (self.render)(zone) {
            Ok(r) => Arc::new(r),
            Err(e) => {
                // The default zone's copy rendered; this one cannot differ but in its times.
                tracing::warn!(zone = zone.name(), error = %e, "rendering in the reader's zone failed; sending the default zone's copy");
                self.default_copy.clone()
            }
        };
        cache.insert(zone, copy.clone());
        copy
    }

    /// How many distinct copies were rendered.
    pub(crate) fn rendered(&self) -> usize {
        1 + self
            .by_zone
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|c| !Arc::ptr_eq(c, &self.default_copy))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use ccm_core::routing::Event;
    use ccm_core::{CustomerCode, Object};

    use super::*;

    #[test]
    fn each_zone_is_rendered_once_and_readers_without_one_share_the_default_copy() {
        let object = Object::from_json(
            br#"{"changeId": "CHG-1", "changeTitle": "Patch", "customers": ["acme"], "status": "approved",
                 "implementationStart": "2026-06-10T14:00:00Z", "implementationEnd": "2026-06-10T16:00:00Z",
                 "timezone": "America/New_York"}"#,
        )
        .unwrap();
        let acme = CustomerCode::parse("acme").unwrap();
        let context = NotificationContext {
            object: &object,
            event: Event::Approved,
            customer: &acme,
            customer_name: "Acme",
            portal_base_url: "https://ccm.example.com",
            now: "2026-06-01T12:00:00Z".parse().unwrap(),
            reader_zone: None,
            previous: None,
        };
        let copies = notice(context, None, chrono_tz::America::New_York).unwrap();
        let default = copies.for_zone(None);
        assert!(Arc::ptr_eq(&default, &copies.for_zone(Some(chrono_tz::America::New_York))));
        let berlin = copies.for_zone(Some(chrono_tz::Europe::Berlin));
        assert!(Arc::ptr_eq(&berlin, &copies.for_zone(Some(chrono_tz::Europe::Berlin))), "cached");
        assert!(berlin.text.contains("(Europe/Berlin)") && !default.text.contains("(Europe/Berlin)"));
        copies.for_zone(Some(chrono_tz::Asia::Tokyo));
        assert_eq!(copies.rendered(), 3, "one per distinct zone");
    }
}
