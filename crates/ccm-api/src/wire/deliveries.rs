//! What became of an object's notifications, per customer (`GET /api/{family}/{id}/deliveries`).

use ccm_app::view::deliveries::CustomerDeliveries;
use serde::Serialize;
use utoipa::ToSchema;

/// Per affected customer the caller may see: notifications sent and SES's feedback on them.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveriesBody {
    pub id: String,
    pub customers: Vec<CustomerDeliveriesBody>,
}

/// One customer's deliveries of the object (every version and event). Counts of SES events are
/// distinct messages; addresses are masked (`j***@example.com`) for customer-scoped users.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDeliveriesBody {
    pub customer: String,
    pub sent: usize,
    pub delivered: usize,
    pub bounced: usize,
    pub complained: usize,
    pub rejected: usize,
    pub bounced_addresses: Vec<String>,
    pub complained_addresses: Vec<String>,
}

impl From<CustomerDeliveries> for CustomerDeliveriesBody {
    fn from(d: CustomerDeliveries) -> Self {
        Self {
            customer: d.customer.to_string(),
            sent: d.sent,
            delivered: d.delivered,
            bounced: d.bounced,
            complained: d.complained,
            rejected: d.rejected,
            bounced_addresses: d.bounced_addresses,
            complained_addresses: d.complained_addresses,
        }
    }
}
