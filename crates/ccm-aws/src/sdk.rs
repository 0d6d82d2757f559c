//! Building the AWS SDK configuration once per process, shared by every client.

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};

/// The region used against an emulator when none is configured (moto accepts any).
const EMULATOR_DEFAULT_REGION: &str = "us-east-1";

/// The endpoint an emulator run points every client at: the override, else `AWS_ENDPOINT_URL`.
pub fn endpoint_from_env(endpoint_override: Option<&str>) -> Option<String> {
    endpoint_override
        .map(str::to_owned)
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|url| !url.trim().is_empty())
}

/// Loads the base configuration (region, credentials chain, behaviour version latest).
///
/// With an endpoint (the override, else `AWS_ENDPOINT_URL`) the configuration targets an emulator:
/// retries are disabled, because emulators answer unimplemented operations with a 500 that the SDK
/// would otherwise retry slowly, and the region falls back to `us-east-1` when none is configured.
pub async fn load_base_config(endpoint_override: Option<&str>) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    let loader = match endpoint_from_env(endpoint_override) {
        Some(endpoint) => loader
            .endpoint_url(endpoint)
            .retry_config(RetryConfig::disabled())
            .region(RegionProviderChain::default_provider().or_else(Region::new(EMULATOR_DEFAULT_REGION))),
        None => loader,
    };
    loader.load().await
}

/// An S3 client for `cfg`. Pass `endpoint_set = cfg.endpoint_url().is_some()`.
///
/// Path-style addressing is needed when the endpoint is an emulator on `localhost` (no bucket
/// subdomains). Checksums are only computed and validated when an operation requires them: the
/// default CRC32 headers and response validation break emulators, and AWS needs nothing more.
pub fn s3_client(cfg: &SdkConfig, endpoint_set: bool) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(cfg)
        .force_path_style(endpoint_set)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_override_wins_and_blank_endpoints_count_as_unset() {
        assert_eq!(endpoint_from_env(Some("http://127.0.0.1:5000")).as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(endpoint_from_env(Some("  ")), None);
    }

    #[tokio::test]
    async fn an_endpoint_override_targets_the_emulator_without_retries() {
        let cfg = load_base_config(Some("http://127.0.0.1:5000")).await;
        assert_eq!(cfg.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert_eq!(cfg.retry_config().map(|r| r.max_attempts()), Some(1));
        assert!(cfg.region().is_some());
    }
}
