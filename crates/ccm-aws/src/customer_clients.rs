//! One SES v2 client per customer account, reached by STS AssumeRole into the customer's
//! `ses_role_arn` in the customer's region.
//!
//! Each client owns its credentials provider and its own identity cache, built once and kept for the
//! process lifetime: the role is assumed on first use and again only shortly before the temporary
//! credentials expire, never per send (the original system assumed the role on every call). A cache
//! per customer also keeps customers apart: the SDK's shared cache evicts beyond 64 providers.

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use ccm_core::CustomerCode;
use ccm_core::config::{AppConfig, CustomerConfig};

pub use crate::assume_role::REFRESH_BEFORE_EXPIRY;

/// The STS role session name for a customer, visible in the customer's CloudTrail.
pub fn session_name(code: &CustomerCode) -> String {
    format!("ccm-{code}")
}

/// The clients of one customer.
#[derive(Debug, Clone)]
pub struct CustomerClient {
    pub config: CustomerConfig,
    /// SES v2 in the customer's account and region, with the assumed role's credentials.
    pub ses: aws_sdk_sesv2::Client,
}

/// Every configured customer's clients; cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct CustomerClients {
    customers: BTreeMap<CustomerCode, CustomerClient>,
}

impl CustomerClients {
    /// Builds a client for each customer from `base` (the process's own credentials, and the
    /// emulator endpoint when one is set: every client, STS included, then uses it).
    ///
    /// Nothing is called here: STS is first asked when a customer's client first sends a request.
    pub async fn new<'a>(base: &SdkConfig, customers: impl IntoIterator<Item = &'a CustomerConfig>) -> Self {
        let base = with_time_source(base);
        let mut out = BTreeMap::new();
        for customer in customers {
            let ses = ses_client(&base, customer).await;
            out.insert(customer.customer_code.clone(), CustomerClient { config: customer.clone(), ses });
        }
        Self { customers: out }
    }

    /// Clients for every entry of `customer_mappings`.
    pub async fn from_app_config(base: &SdkConfig, app: &AppConfig) -> Self {
        Self::new(base, app.customer_mappings.values()).await
    }

    pub fn get(&self, code: &CustomerCode) -> Option<&CustomerClient> {
        self.customers.get(code)
    }

    pub fn codes(&self) -> impl Iterator<Item = &CustomerCode> {
        self.customers.keys()
    }
}

async fn ses_client(base: &SdkConfig, customer: &CustomerConfig) -> aws_sdk_sesv2::Client {
    let session = session_name(&customer.customer_code);
    let assumed = crate::assume_role::assume_role(base, &customer.ses_role_arn, &session, &customer.region).await;
    aws_sdk_sesv2::Client::new(&assumed)
}

/// `AssumeRoleProvider` needs a time source; a configuration built by hand (tests) may lack one.
pub fn with_time_source(base: &SdkConfig) -> SdkConfig {
    if base.time_source().is_some() {
        return base.clone();
    }
    base.to_builder().time_source(SharedTimeSource::new(WallClock)).build()
}

#[derive(Debug)]
struct WallClock;

impl TimeSource for WallClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(code: &str, region: &str) -> CustomerConfig {
        serde_json::from_value(serde_json::json!({
            "customer_code": code,
            "customer_name": code,
            "environment": "nonprod",
            "region": region,
            "ses_role_arn": "arn:aws:iam::111111111111:role/ccm-ses-sender",
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn each_customer_gets_a_client_in_its_own_region_on_the_shared_endpoint() {
        let base = crate::sdk::load_base_config(Some("http://127.0.0.1:9")).await;
        let clients =
            CustomerClients::new(&base, &[customer("acme", "eu-west-1"), customer("globex", "us-east-2")]).await;
        let acme = clients.get(&CustomerCode::parse("acme").unwrap()).unwrap();
        assert_eq!(acme.ses.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
        let globex = clients.get(&CustomerCode::parse("globex").unwrap()).unwrap();
        assert_eq!(globex.ses.config().region().map(|r| r.as_ref()), Some("us-east-2"));
        assert_eq!(clients.codes().count(), 2);
        assert!(clients.get(&CustomerCode::parse("initech").unwrap()).is_none());
    }

    #[test]
    fn the_session_name_names_the_customer() {
        assert_eq!(session_name(&CustomerCode::parse("acme").unwrap()), "ccm-acme");
    }
}
