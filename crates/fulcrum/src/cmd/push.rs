//! `fulcrum push s3://BUCKET/PREFIX`: copy the store to an object store, where queries and clusters read it.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use fulcrum_store::{PushStep, StoreLocation};

use super::Place;

const AFTER: &str = "\
Uploads the files the store's manifest names (events, quarantined lines), then the manifest, so the
remote store changes to the new version in one step. Files already there with the same size are
skipped: push again after each ingest and only what is new goes up. The de-duplication keys stay
local, because the remote store is read-only: ingest into the local store, then push.

Credentials and endpoint come from the environment, as in AWS's own tools: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_REGION, and for an S3-compatible server
AWS_ENDPOINT_URL (with AWS_ALLOW_HTTP=true when it is plain http://). Every process that reads the
remote store needs the same: the client and, on a cluster, the scheduler and each executor.

  fulcrum --store fulcrum-store push s3://analysis/stores/gdelt
  fulcrum --store s3://analysis/stores/gdelt balance RUS --between IND PAK
  fulcrum --store s3://analysis/stores/gdelt --cluster df://scheduler:50050 triad RUS IND PAK CHN";

/// Copy the store (--store, a folder) to an object store (s3://BUCKET/PREFIX), to query it from there.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct PushArgs {
    /// Where to: s3://BUCKET/PREFIX (S3, or an S3-compatible server named by AWS_ENDPOINT_URL).
    #[arg(value_name = "s3://BUCKET/PREFIX", value_parser = fulcrum_store::store_location)]
    to: StoreLocation,
}

pub fn run(at: &Place, args: PushArgs) -> Result<ExitCode> {
    let local = at.local_store("push reads")?;
    let StoreLocation::Remote(url) = &args.to else {
        bail!(
            "push copies a store to an object store (s3://BUCKET/PREFIX), not to the folder {}: copy folders with \
             cp -r or rsync",
            args.to
        );
    };
    let bar = crate::progress::spinner(&format!("pushing {} to {url}", local.display()));
    let (mut files, mut bytes) = (0usize, 0u64);
    let report = fulcrum_store::push(local, url, &mut |step| {
        files += 1;
        if let PushStep::Uploaded(_, size) = step {
            bytes += size;
        }
        bar.set_message(format!(
            "pushing to {url}: {files} file(s), {:.1} MiB uploaded",
            bytes as f64 / 1048576.0
        ));
    })
    .with_context(|| format!("pushing {} to {url}", local.display()))?;
    bar.finish_and_clear();
    println!(
        "pushed {} to {url}: {} transaction(s); {} file(s) uploaded ({:.1} MiB), {} already there",
        local.display(),
        report.transactions,
        report.uploaded_files,
        report.uploaded_bytes as f64 / 1048576.0,
        report.unchanged_files
    );
    Ok(ExitCode::SUCCESS)
}
