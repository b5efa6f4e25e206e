//! `fulcrum fetch`: placeholder until the fetch crate lands.
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// Download GDELT files.
#[derive(Args)]
pub struct FetchArgs {}

pub fn run(_store: &Path, _args: FetchArgs) -> Result<ExitCode> {
    anyhow::bail!("not yet")
}
