//! What the relations and forecasting commands share: opening the store as an event source, and writing an
//! answer's table and chart.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use fulcrum_events::Resolver;
use fulcrum_query::OutputFormat;
use fulcrum_questions::table::Table;

use crate::cmd::Place;

/// Where results go besides the table on standard output.
#[derive(Args, Clone)]
pub struct Outputs {
    /// Draw a chart to this file (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Also write the result as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also write the result as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the result as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
}

impl Outputs {
    /// Draws the chart if --plot was given (the chart is only built then).
    pub fn plot(&self, chart: impl FnOnce() -> Result<fulcrum_plot::DatedChart>) -> Result<()> {
        if let Some(path) = &self.plot {
            fulcrum_plot::dated_chart(path, &chart()?)?;
            eprintln!("wrote chart to {}", path.display());
        }
        Ok(())
    }

    /// Prints the table and writes it to every file asked for.
    pub fn write(&self, table: &Table) -> Result<()> {
        crate::cmd::sql::emit(OutputFormat::Table, None, &table.schema, &table.batches)?;
        for (path, format) in [
            (&self.csv, OutputFormat::Csv),
            (&self.json, OutputFormat::Json),
            (&self.parquet, OutputFormat::Parquet),
        ] {
            if let Some(path) = path {
                crate::cmd::sql::emit(format, Some(path), &table.schema, &table.batches)?;
            }
        }
        Ok(())
    }
}

/// The dated actor roles of the dictionary folder (and Fulcrum's built-in ones), for resolving people and
/// organisations to states. Without the folder (or with one that does not load) the built-in roles alone: say
/// so, once.
pub fn resolver(dict: &Path) -> Resolver {
    let (resolver, note) = fulcrum_questions::actor_roles(dict);
    if let Some(note) = note {
        eprintln!("{note}");
    }
    resolver
}

/// Answers one question from the store: from its pair index when one is saved for the current snapshot, else by
/// SQL.
pub fn ask<T>(
    at: &Place,
    question: impl FnOnce(&fulcrum_questions::Questions) -> Result<T, fulcrum_questions::QuestionError>,
) -> Result<T> {
    let resolver = resolver(&at.dict);
    let (source, note) =
        fulcrum_questions::source::StoreSource::open(&at.store, at.cluster.as_ref(), resolver)?;
    if let Some(note) = note {
        eprintln!("{note}");
    }
    Ok(question(&fulcrum_questions::Questions::new(&source))?)
}
