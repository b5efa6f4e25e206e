//! `fulcrum map FOCUS`: a state's ties with every other state on a world map; `fulcrum map events A B`: where the
//! events between two states were recorded.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use fulcrum_questions::maps::{EventMapRequest, RelationsMapRequest, event_map};

use crate::cmd::Place;
use crate::cmd::relations::{Outputs, ask, resolver};

const AFTER: &str = "\
Every other state is coloured by its ties with the focus over the window (events in both directions unless
--direction says otherwise):
  index      N / (W + 10), N = Σ Goldstein (net cooperation), W = Σ |Goldstein|: −1 hostile … 0 … +1 cooperative;
             the balancer's evidence-weighted measure for one pair, shrunk toward 0 when reports are few
  goldstein  mean Goldstein score;  events  number of events;  q1 … q4  share of each QuadClass
States with fewer than --min-events events are grey, states with none pale; the focus is dark. Colours run from
red through white (neutral) to blue, up to the 95th percentile of the coloured states (legend). With --break
DATE the map shows each state's change across the date (after − before; counts as events per 30 days) with its
standard error, z and p-value. Stored codes of one state count as one (ROM and ROU are Romania; GZS, WSB and PSE
Palestine); regions (AFR, MEA, …) have no shape and are listed, not drawn. Shapes: Natural Earth 1:50m, compiled in.

Examples:
  fulcrum map RUS --window 2018-01-01..2018-10-31 --plot russia.svg --csv russia.csv
  fulcrum map RUS --from 2018-06-01 --to 2019-12-31 --break 2019-02-14 --plot change.png
  fulcrum map PAK --measure q4 --direction in
  fulcrum map events IND PAK --window 2019-02-01..2019-03-31 --plot events.svg
  fulcrum map events --code 19 --place action --json fights.json";

/// Maps: a state's relations with the whole world (`fulcrum map RUS`), or where events happened
/// (`fulcrum map events IND PAK`).
///
/// Written out rather than derived: the relations map's arguments are required unless the `events` subcommand is
/// given, and clap's derived `Option<flatten>` does not see a positional argument as making its group present.
pub struct MapArgs {
    command: Option<MapCommand>,
    request: Option<RelationsMapRequest>,
    outputs: Outputs,
}

impl clap::FromArgMatches for MapArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let command = match matches.subcommand() {
            Some(_) => Some(MapCommand::from_arg_matches(matches)?),
            None => None,
        };
        let request = match command {
            Some(_) => None,
            None => Some(RelationsMapRequest::from_arg_matches(matches)?),
        };
        Ok(MapArgs {
            command,
            request,
            outputs: Outputs::from_arg_matches(matches)?,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for MapArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let cmd = MapCommand::augment_subcommands(cmd)
            .after_help(AFTER)
            .args_conflicts_with_subcommands(true)
            .subcommand_negates_reqs(true);
        // Each derived part sets its own `about`; the command's own comes last.
        Outputs::augment_args(RelationsMapRequest::augment_args(cmd))
            .about("Maps: a state's relations with the whole world (`fulcrum map RUS`), or where events happened (`fulcrum map events IND PAK`)")
            .long_about(None)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

#[derive(Subcommand)]
enum MapCommand {
    Events(EventMapArgs),
}

const EVENTS_AFTER: &str = "\
Each point is one recorded place (GDELT's ActionGeo, or an actor's place with --place; ICEWS's latitude and
longitude), sized by its number of events and coloured by its most frequent QuadClass. Events without
coordinates (TKG facts, some reports) are counted and reported, not drawn. The table has one row per place.

Examples:
  fulcrum map events IND PAK --window 2019-02-01..2019-03-31 --plot events.svg --csv places.csv
  fulcrum map events RUS --code 042
  fulcrum map events --code 19 --from 2019-02-14 --to 2019-03-14";

/// Where the events between two states (or of one state, or of one type) were recorded.
#[derive(Args)]
#[command(after_help = EVENTS_AFTER)]
struct EventMapArgs {
    #[command(flatten)]
    request: EventMapRequest,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(at: &Place, args: MapArgs) -> Result<ExitCode> {
    match (args.command, args.request) {
        (Some(MapCommand::Events(e)), _) => run_events(at, e),
        (None, Some(request)) => {
            let answer = ask(at, |q| q.relations_map(&request))?;
            println!(
                "{} and every other state, {} .. {}: {}",
                answer.focus.code,
                fulcrum_model::iso_date(answer.span.from),
                fulcrum_model::iso_date(answer.span.to),
                answer.describe()
            );
            args.outputs.write(&answer.table()?)?;
            plot(&args.outputs, || answer.chart())?;
            println!("\n{}", answer.summary());
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => anyhow::bail!(
            "name a focal state (fulcrum map RUS) or ask for an event map (fulcrum map events IND PAK)"
        ),
    }
}

fn run_events(at: &Place, args: EventMapArgs) -> Result<ExitCode> {
    let engine = at.engine()?;
    let resolver = resolver(&at.dict);
    let answer = event_map(&engine, Some(&resolver), &args.request)?;
    args.outputs.write(&answer.table()?)?;
    plot(&args.outputs, || answer.chart())?;
    println!("\n{}", answer.summary());
    Ok(ExitCode::SUCCESS)
}

fn plot(outputs: &Outputs, map: impl FnOnce() -> fulcrum_plot::map::WorldMap) -> Result<()> {
    if let Some(path) = &outputs.plot {
        fulcrum_plot::map::world_map(path, &map())?;
        eprintln!("wrote map to {}", path.display());
    }
    Ok(())
}
