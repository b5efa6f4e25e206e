//! `fulcrum sql`: run SQL over the store.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use fulcrum_query::{OutputFormat, write_batches};

const AFTER: &str = "\
Tables:
  events      one row per event, the canonical schema (docs/schema.md), plus partition columns
              year and month: zero-padded strings ('2019', '02'), so filter with year = '2019'
  quarantine  rejected lines: input_file, line_number, raw (bytes), reason, txn

Examples:
  fulcrum sql --schema
  fulcrum sql \"SELECT dataset, count(*) FROM events GROUP BY dataset\"
  fulcrum sql \"SELECT actor1_country_code src, actor2_country_code dst, year, month,
                count(*) n, sum(goldstein) g FROM events GROUP BY ALL\" --output dyads.parquet
  fulcrum sql \"SELECT reason, count(*) FROM quarantine GROUP BY reason\" --format csv";

/// Run a SQL query (Apache DataFusion dialect) over the store.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct SqlArgs {
    /// The query.
    #[arg(required_unless_present = "schema")]
    query: Option<String>,

    /// List the tables and their columns with types, instead of running a query.
    #[arg(long, conflicts_with = "query")]
    schema: bool,

    /// Output format; by default taken from --output's extension, else an aligned table.
    #[arg(long, value_name = "table|csv|json|jsonl|parquet")]
    format: Option<OutputFormat>,

    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(at: &crate::cmd::Place, args: SqlArgs) -> Result<ExitCode> {
    let engine = at.engine()?;
    let Some(query) = &args.query else {
        for (table, schema) in engine.describe()? {
            println!("{table}");
            for field in schema.fields() {
                println!("  {:<28} {}", field.name(), field.data_type());
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let (schema, batches) = engine.sql(query)?;
    let format = args
        .format
        .or_else(|| {
            args.output
                .as_deref()
                .and_then(|p| OutputFormat::from_path(&p.to_string_lossy()))
        })
        .unwrap_or(OutputFormat::Table);
    emit(format, args.output.as_deref(), &schema, &batches)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes results to a file or to standard output.
pub(crate) fn emit(
    format: OutputFormat,
    output: Option<&Path>,
    schema: &fulcrum_query::SchemaRef,
    batches: &[fulcrum_query::RecordBatch],
) -> Result<()> {
    match output {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            );
            write_batches(format, schema, batches, &mut file)?;
            file.flush()?;
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            eprintln!("wrote {rows} row(s) to {}", path.display());
        }
        None => {
            if format == OutputFormat::Parquet {
                anyhow::bail!("Parquet output needs a file: add --output FILE.parquet");
            }
            let mut out = std::io::BufWriter::new(std::io::stdout());
            write_batches(format, schema, batches, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}
