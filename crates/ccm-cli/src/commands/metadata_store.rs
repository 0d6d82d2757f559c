//! `--bucket` / `--data`: the document store commands write ccm's own records to (the metadata
//! bucket, or a `ccm serve` data directory), for commands whose main work is elsewhere (SES) and
//! that keep a record beside it, such as the readers' zone book (ADR 0015).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use ccm_core::ports::DocumentStore;
use clap::Args;

use super::context::Ctx;

#[derive(Debug, Clone, Default, Args)]
pub struct StoreArgs {
    /// The metadata bucket for the readers' zone book (defaults to config.json's s3_config.bucket_name).
    #[arg(long, env = "CCM_BUCKET", conflicts_with = "data")]
    pub bucket: Option<String>,
    /// A `ccm serve` data directory holding the zone book instead of the bucket.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl StoreArgs {
    /// The store named by `--data`, `--bucket` or config.json's `s3_config.bucket_name`; `None`
    /// when none is named.
    pub async fn open(&self, ctx: &Ctx) -> anyhow::Result<Option<Arc<dyn DocumentStore>>> {
        if let Some(dir) = &self.data {
            let store = ccm_embedded::EmbeddedStore::open(dir)
                .await
                .with_context(|| format!("opening the data directory {}", dir.display()))?;
            return Ok(Some(store));
        }
        let bucket = match &self.bucket {
            Some(b) => b.clone(),
            None => match ctx.app()?.s3_config {
                Some(s3) => s3.bucket_name,
                None => return Ok(None),
            },
        };
        let client = ccm_aws::sdk::s3_client(&ctx.sdk, ctx.sdk.endpoint_url().is_some());
        Ok(Some(Arc::new(ccm_aws::S3DocumentStore::new(client, &bucket))))
    }

    /// Like [`open`](Self::open), naming the flags when no store is named.
    pub async fn require(&self, ctx: &Ctx, why: &str) -> anyhow::Result<Arc<dyn DocumentStore>> {
        self.open(ctx).await?.with_context(|| {
            format!("{why} needs the metadata bucket: pass --bucket (or set s3_config.bucket_name) or --data")
        })
    }
}
