//! `fulcrum dict fetch`: download the PETRARCH-2 dictionaries the coder reads; `fulcrum dict check`: parse a
//! dictionary folder and say what is in it (or which line is wrong); `fulcrum dict resolve`: which state a name
//! acts for on a day, and by which dictionary line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use fulcrum_fetch::{Client, RemoteFile};

use crate::cmd::Place;

/// The files PETRARCH-2's default configuration loads.
pub const DICTIONARY_FILES: [&str; 7] = [
    "CAMEO.2.0.txt",
    "Phoenix.Countries.actors.txt",
    "Phoenix.International.actors.txt",
    "Phoenix.MilNonState.actors.txt",
    "Phoenix.agents.txt",
    "Phoenix.discards.txt",
    "Phoenix.IssueCoding.txt",
];

const DEFAULT_BASE: &str =
    "https://raw.githubusercontent.com/openeventdata/petrarch2/master/petrarch2/data/dictionaries";

#[derive(Args)]
pub struct DictArgs {
    #[command(subcommand)]
    command: DictCommand,
}

#[derive(Subcommand)]
enum DictCommand {
    /// Download the Open Event Data Alliance's PETRARCH-2 dictionaries (MIT licence).
    Fetch {
        /// Where to put them.
        #[arg(long, default_value = "dictionaries")]
        dir: PathBuf,
        /// A mirror with the same file names.
        #[arg(long, default_value = DEFAULT_BASE)]
        base_url: String,
    },
    /// Parse a dictionary folder and summarise it; a malformed line is reported with its file and number.
    Check {
        #[arg(default_value = "dictionaries")]
        dir: PathBuf,
    },
    /// Which state a person or organisation acts for on a day, by which role (dictionary file, line, dates)
    /// — or why none: how stored events with that name are counted. Roles: Fulcrum's built-in file, then the
    /// --dict folder.
    #[command(
        after_help = "Examples:\n  fulcrum dict resolve \"Vladimir Putin\" \"Sergey Viktorovich Lavrov\" --date 2018-10-05\n  \
                            fulcrum --dict ../shared/data/cameo/petrarch2-dictionaries dict resolve \"Malcolm Turnbull\" --date 2018-10-05"
    )]
    Resolve {
        /// Names as the data writes them.
        #[arg(required = true)]
        names: Vec<String>,
        /// The day (YYYY-MM-DD).
        #[arg(long, value_parser = fulcrum_questions::parse_day)]
        date: i32,
    },
}

pub fn run(at: &Place, args: DictArgs) -> Result<ExitCode> {
    match args.command {
        DictCommand::Resolve { names, date } => {
            let resolver = crate::cmd::relations::resolver(&at.dict);
            for name in names {
                println!("{name}: {}", resolver.explain(&name, date));
            }
            Ok(ExitCode::SUCCESS)
        }
        DictCommand::Fetch { dir, base_url } => fetch(&dir, &base_url),
        DictCommand::Check { dir } => {
            let d = fulcrum_coder::Dictionaries::load(&dir)?;
            println!("{}: {}", dir.display(), d.summary());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn fetch(dir: &Path, base_url: &str) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let client = Client::new(base_url);
    let base = base_url.trim_end_matches('/');
    for name in DICTIONARY_FILES {
        let file = RemoteFile {
            name: name.to_string(),
            url: format!("{base}/{name}"),
            size: None,
            md5: None,
        };
        match client.download(&file, dir, &|_| {}) {
            Ok(bytes) => println!(
                "{name}: {}",
                if bytes == 0 {
                    "already here".to_string()
                } else {
                    format!("{bytes} bytes")
                }
            ),
            Err(e) if e.is_offline() => {
                eprintln!("error: {e}");
                eprintln!(
                    "The machine looks offline. Copy the PETRARCH-2 dictionaries into {} by hand, or pass --base-url of a mirror.",
                    dir.display()
                );
                return Ok(ExitCode::FAILURE);
            }
            Err(e) => return Err(e).with_context(|| format!("downloading {name}")),
        }
    }
    let d = fulcrum_coder::Dictionaries::load(dir)?;
    println!("{}: {}", dir.display(), d.summary());
    Ok(ExitCode::SUCCESS)
}
