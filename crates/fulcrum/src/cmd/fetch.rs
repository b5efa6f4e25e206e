//! `fulcrum fetch gdelt`: download GDELT exports for a period (and optionally ingest them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use fulcrum_fetch::{Client, FetchError, GdeltVersion, download_all};

use crate::cmd::ingest::{self, parse_date};
use crate::progress;

const AFTER: &str = "\
Reads GDELT's own file lists (2.0: masterfilelist.txt with sizes and md5; 1.0: md5sums and filesizes),
downloads the event exports of the period in parallel, verifies each against its md5, resumes partial
downloads, skips files already present, and reports the expected files GDELT does not list as gaps.

Examples:
  fulcrum fetch gdelt --version 2 --from 2019-02-10 --to 2019-02-20 --ingest
  fulcrum fetch gdelt --version 1 --from 2019-01-01 --to 2019-03-31 --dest gdelt1-files
  fulcrum fetch gdelt --version 2 --from 2019-02-14 --to 2019-02-14 --base-url http://mirror.example/gdelt

Offline? Everything else works on local files: fulcrum ingest PATH... (see fulcrum ingest --help).";

/// Download event data.
#[derive(Args)]
pub struct FetchArgs {
    #[command(subcommand)]
    source: Source,
}

#[derive(Subcommand)]
enum Source {
    /// GDELT 1.0 daily exports or GDELT 2.0 15-minute exports.
    #[command(after_help = AFTER)]
    Gdelt(GdeltArgs),
}

#[derive(Args)]
pub struct GdeltArgs {
    /// GDELT version: 1 (daily files) or 2 (15-minute files).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    version: u8,

    /// First day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    from: i32,

    /// Last day, inclusive (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    to: i32,

    /// Folder for the downloaded files (default: gdelt-v1 or gdelt-v2 beside the store).
    #[arg(long)]
    dest: Option<PathBuf>,

    /// Parallel downloads.
    #[arg(long, default_value_t = 4)]
    jobs: usize,

    /// Where GDELT's files are (a mirror needs the same layout: /gdeltv2/..., /events/...).
    #[arg(
        long,
        default_value = "http://data.gdeltproject.org",
        env = "FULCRUM_GDELT_BASE_URL"
    )]
    base_url: String,

    /// Ingest the files into the store once downloaded.
    #[arg(long)]
    ingest: bool,

    /// Only show what would be downloaded.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(store: &Path, args: FetchArgs) -> Result<ExitCode> {
    let Source::Gdelt(args) = args.source;
    let (code, _) = fetch_gdelt(store, &args)?;
    Ok(code)
}

/// Fetches (and with --ingest, ingests); returns the exit code and the files now present.
pub fn fetch_gdelt(store: &Path, args: &GdeltArgs) -> Result<(ExitCode, Vec<PathBuf>)> {
    let version = if args.version == 1 {
        GdeltVersion::V1
    } else {
        GdeltVersion::V2
    };
    let client = Client::new(&args.base_url);
    let plan = match client.plan(version, args.from, args.to) {
        Ok(p) => p,
        Err(e) if e.is_offline() => bail!(
            "{e}\nThis machine cannot reach GDELT (offline, or the server is down), so nothing was fetched.\n\
             Everything else works on local files: `fulcrum ingest PATH...` reads GDELT/ICEWS/TKG files, \
             e.g. `fulcrum ingest ../shared/data/gdelt2 ../shared/data/icews18`, or use --base-url to point at a mirror."
        ),
        Err(e) => return Err(e.into()),
    };
    let total: u64 = plan.files.iter().filter_map(|f| f.size).sum();
    println!(
        "GDELT {}: {} file(s) listed for the period ({:.1} MB), {} expected file(s) not listed (gaps)",
        args.version,
        plan.files.len(),
        total as f64 / 1e6,
        plan.gaps.len()
    );
    print_gaps(&plan.gaps);
    if args.dry_run {
        for f in &plan.files {
            println!(
                "  {}  {} bytes  md5 {}",
                f.name,
                f.size.unwrap_or(0),
                f.md5.as_deref().unwrap_or("-")
            );
        }
        return Ok((ExitCode::SUCCESS, Vec::new()));
    }
    let dest = args.dest.clone().unwrap_or_else(|| {
        let parent = store
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent.join(format!("gdelt-v{}", args.version))
    });
    let bar = progress::bytes_bar(total, "fetch");
    let fetched = AtomicU64::new(0);
    let report = download_all(
        &client,
        &plan,
        &dest,
        args.jobs,
        &|n| bar.set_position(fetched.fetch_add(n, Ordering::Relaxed) + n),
        &|file, result| {
            if let Ok(0) = result {
                bar.inc(file.size.unwrap_or(0));
            }
            bar.set_message(file.name.clone());
        },
    )?;
    bar.finish_and_clear();
    println!(
        "fetched {} file(s) ({:.1} MB) into {}; {} already present; {} failed",
        report.downloaded,
        report.bytes as f64 / 1e6,
        dest.display(),
        report.already_present,
        report.failed.len()
    );
    for (name, e) in &report.failed {
        let hint = match e {
            FetchError::Status { status: 404, .. } => {
                " (listed by GDELT but not on the server: a gap)"
            }
            _ => "",
        };
        eprintln!("  failed: {name}: {e}{hint}");
    }
    let mut code = if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    };
    if args.ingest && !report.present.is_empty() {
        let inputs = report
            .present
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let ingest_code = ingest::run(store, ingest::IngestArgs::for_inputs(inputs))?;
        if ingest_code != ExitCode::SUCCESS {
            code = ingest_code;
        }
    }
    Ok((code, report.present))
}

fn print_gaps(gaps: &[String]) {
    if gaps.is_empty() {
        return;
    }
    let shown: Vec<&str> = gaps.iter().take(8).map(String::as_str).collect();
    let more = gaps.len().saturating_sub(shown.len());
    println!(
        "  gaps: {}{}",
        shown.join(", "),
        if more > 0 {
            format!(" … and {more} more")
        } else {
            String::new()
        }
    );
}
