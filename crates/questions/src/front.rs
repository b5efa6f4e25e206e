//! The second front end of every request: a query string (`a=RUS&b=PAK&by=week`), as the HTTP API and the Python
//! keyword arguments give them.
//!
//! Why clap: each request type is one `clap::Args` definition — names, defaults, ranges, value parsers and help —
//! and the command line reads it directly. This module turns a map of parameters into the same arguments and lets
//! that one definition parse them, so a default or a range cannot differ between the CLI and the API. Parameter
//! names are the options' long names with `_` for `-` (`min_size` ↔ `--min-size`) and the positional arguments'
//! names (`a`, `b`, `states`); a request may add aliases (`a`, `b` for balance's `--between A B`).

use std::collections::HashMap;
use std::ffi::OsString;

use clap::{Arg, ArgAction, Args, Command, FromArgMatches};

use crate::QuestionError;

/// A request that can be read from a query string as well as from the command line.
pub trait Request: Args + FromArgMatches {
    /// Query parameter → argument id, for parameters not named like their argument. Several parameters may feed
    /// one argument; their values are taken in this order.
    const ALIASES: &'static [(&'static str, &'static str)] = &[];
}

/// The command whose arguments define `T`.
fn command<T: Args>() -> Command {
    let mut cmd = T::augment_args(
        Command::new("question")
            .no_binary_name(true)
            .disable_help_flag(true),
    );
    cmd.build();
    cmd
}

/// The query parameters that feed an argument.
fn keys_of<T: Request>(arg: &Arg) -> Vec<String> {
    let id = arg.get_id().as_str();
    let aliased: Vec<String> = T::ALIASES
        .iter()
        .filter(|(_, to)| *to == id)
        .map(|(k, _)| k.to_string())
        .collect();
    if !aliased.is_empty() {
        return aliased;
    }
    match arg.get_long() {
        Some(long) => vec![long.replace('-', "_")],
        None => vec![id.to_string()],
    }
}

/// A query parameter as the request defines it: what API documents (OpenAPI) must agree with.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub required: bool,
    /// The default as clap renders it (`"month"`, `"12"`); `None` when absent means "not given".
    pub default: Option<String>,
    /// What it means, as `--help` says it.
    pub help: String,
    /// Whether it takes several values (comma-separated in a query string, a list in Python).
    pub many: bool,
    /// Whether the command line takes it by position (`fulcrum dyad A B`) rather than as an option.
    pub positional: bool,
}

/// Every parameter `T` takes, positional arguments first, then options in their order.
pub fn parameters<T: Request>() -> Vec<Parameter> {
    let cmd = command::<T>();
    let describe = |arg: &Arg| -> Vec<Parameter> {
        // A flag's default is "false" (clap stores it as a default value too).
        let default = match arg.get_action() {
            ArgAction::SetTrue => Some("false".to_string()),
            _ => arg
                .get_default_values()
                .first()
                .map(|v| v.to_string_lossy().into_owned()),
        };
        let required = arg.is_required_set();
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let many = takes_many(arg);
        let positional = arg.is_positional();
        keys_of::<T>(arg)
            .into_iter()
            .map(|name| Parameter {
                name,
                required,
                default: default.clone(),
                help: help.clone(),
                many,
                positional,
            })
            .collect()
    };
    let mut out: Vec<Parameter> = cmd.get_positionals().flat_map(describe).collect();
    out.extend(
        cmd.get_arguments()
            .filter(|a| !a.is_positional() && a.get_id() != "help")
            .flat_map(describe),
    );
    out
}

/// Every parameter name `T` takes, in the order of [`parameters`] (for messages that list them).
pub fn parameter_names<T: Request>() -> Vec<String> {
    parameters::<T>().into_iter().map(|p| p.name).collect()
}

fn takes_many(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.max_values() > 1)
}

/// Parses a request from query parameters. Empty values count as absent; unknown parameters are refused (a typo
/// would otherwise silently give a default).
pub fn from_query<T: Request>(query: &HashMap<String, String>) -> Result<T, QuestionError> {
    let cmd = command::<T>();
    let args: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| a.get_id() != "help")
        .collect();
    let known: Vec<(String, &Arg)> = args
        .iter()
        .flat_map(|a| keys_of::<T>(a).into_iter().map(move |k| (k, *a)))
        .collect();
    let mut unknown: Vec<&String> = query
        .keys()
        .filter(|k| !known.iter().any(|(name, _)| name == *k))
        .collect();
    unknown.sort();
    if let Some(name) = unknown.first() {
        return Err(QuestionError::Parameter(format!(
            "unknown parameter '{name}'; this one takes {}",
            parameter_names::<T>().join(", ")
        )));
    }
    let mut options: Vec<OsString> = Vec::new();
    let mut positionals: Vec<OsString> = Vec::new();
    for arg in cmd
        .get_positionals()
        .chain(args.iter().copied().filter(|a| !a.is_positional()))
    {
        let keys = keys_of::<T>(arg);
        let mut values: Vec<(String, String)> = Vec::new();
        for key in &keys {
            match query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                Some(v) if takes_many(arg) => values.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| (key.clone(), s.to_string())),
                ),
                Some(v) => values.push((key.clone(), v.to_string())),
                None if arg.is_required_set() => {
                    return Err(QuestionError::Parameter(format!(
                        "missing parameter '{key}'"
                    )));
                }
                None => {}
            }
        }
        if values.is_empty() {
            continue;
        }
        if let Some(range) = arg.get_num_args().filter(|r| r.max_values() > 1)
            && (values.len() < range.min_values() || values.len() > range.max_values())
        {
            return Err(QuestionError::Parameter(format!(
                "parameter '{}' takes {} to {} comma-separated values, got {}",
                keys[0],
                range.min_values(),
                range.max_values(),
                values.len()
            )));
        }
        if matches!(arg.get_action(), ArgAction::SetTrue) {
            let (key, v) = &values[0];
            match v.as_str() {
                "true" | "1" => options.push(format!("--{}", arg.get_long().unwrap_or(key)).into()),
                "false" | "0" => {}
                other => {
                    return Err(QuestionError::Parameter(format!(
                        "parameter '{key}' is true or false, not '{other}'"
                    )));
                }
            }
            continue;
        }
        for (key, v) in &values {
            check_value(arg, key, v)?;
        }
        if arg.is_positional() {
            positionals.extend(values.into_iter().map(|(_, v)| v.into()));
        } else {
            let long = arg.get_long().unwrap_or_default();
            if takes_many(arg) {
                options.push(format!("--{long}").into());
                options.extend(values.into_iter().map(|(_, v)| v.into()));
            } else {
                options.push(format!("--{long}={}", values[0].1).into());
            }
        }
    }
    options.push("--".into());
    options.extend(positionals);
    let matches = cmd.try_get_matches_from(options).map_err(clap_message)?;
    T::from_arg_matches(&matches).map_err(clap_message)
}

/// Runs the argument's own value parser, so a bad value is reported with the parameter's name.
fn check_value(arg: &Arg, key: &str, value: &str) -> Result<(), QuestionError> {
    // A command of this one argument, taking one value: clap keeps value parsing to itself, so ask it this way.
    let mut probe = arg
        .clone()
        .required(false)
        .num_args(1)
        .value_names(["VALUE"])
        .action(ArgAction::Set);
    let argv: Vec<OsString> = if arg.is_positional() {
        probe = probe.index(1);
        vec!["--".into(), value.into()]
    } else {
        vec![format!("--{}={value}", arg.get_long().unwrap_or_default()).into()]
    };
    let probe = Command::new("probe")
        .no_binary_name(true)
        .disable_help_flag(true)
        .arg(probe);
    match probe.try_get_matches_from(argv) {
        Ok(_) => Ok(()),
        Err(e) => {
            // An actor that resolves to nothing keeps its type, so front ends can say which kind of error it is.
            if let Some(actor) = std::error::Error::source(&e)
                .and_then(|s| s.downcast_ref::<fulcrum_model::actors::UnknownActor>())
            {
                return Err(QuestionError::ActorParameter {
                    key: key.to_string(),
                    error: actor.clone(),
                });
            }
            let reason = match std::error::Error::source(&e) {
                Some(source) => source.to_string(),
                None => {
                    let possible: Vec<String> = arg
                        .get_possible_values()
                        .iter()
                        .map(|p| p.get_name().to_string())
                        .collect();
                    if possible.is_empty() {
                        format!("'{value}' is not valid")
                    } else {
                        format!("'{value}' is not one of {}", possible.join(", "))
                    }
                }
            };
            Err(QuestionError::Parameter(format!(
                "parameter '{key}': {reason}"
            )))
        }
    }
}

/// clap's first line, without its "error: " prefix and with option names turned into parameter names.
fn clap_message(e: clap::Error) -> QuestionError {
    let rendered = e.render().to_string();
    let line = rendered
        .lines()
        .next()
        .unwrap_or("invalid parameters")
        .trim_start_matches("error: ")
        .to_string();
    // "'--min-size <MIN_SIZE>'" names the parameter "min_size"; values and the rest of the line stay as they are.
    let mut out = String::with_capacity(line.len());
    let mut rest = line.as_str();
    while let Some(at) = rest.find("'--") {
        out.push_str(&rest[..=at]);
        let name_end = rest[at + 3..]
            .find([' ', '\''])
            .map_or(rest.len(), |e| at + 3 + e);
        out.push_str(&rest[at + 3..name_end].replace('-', "_"));
        rest = &rest[name_end..];
    }
    out.push_str(rest);
    QuestionError::Parameter(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Args, Debug)]
    struct Example {
        /// Two or more states.
        #[arg(num_args = 2..=3, required = true)]
        states: Vec<String>,
        #[arg(long, default_value_t = 4, value_parser = |s: &str| fulcrum_model::parse_in_range(s, 1, 10))]
        min_size: usize,
        #[arg(long)]
        normalize: bool,
        #[arg(long, num_args = 2, value_names = ["A", "B"])]
        between: Vec<String>,
    }

    impl Request for Example {
        const ALIASES: &'static [(&'static str, &'static str)] =
            &[("a", "between"), ("b", "between")];
    }

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_reach_the_same_definition_as_the_command_line() {
        let e: Example = from_query(&query(&[
            ("states", "RUS, IND"),
            ("normalize", "true"),
            ("a", "IND"),
            ("b", "PAK"),
        ]))
        .unwrap();
        assert_eq!(e.states, ["RUS", "IND"]);
        assert_eq!(e.min_size, 4, "the default comes from the clap definition");
        assert!(e.normalize);
        assert_eq!(
            e.between,
            ["IND", "PAK"],
            "aliases feed one argument in their order"
        );
        let e: Example = from_query(&query(&[
            ("states", "A,B,C"),
            ("min_size", "7"),
            ("normalize", "0"),
        ]))
        .unwrap();
        assert_eq!((e.min_size, e.normalize), (7, false));
    }

    #[test]
    fn clap_messages_name_parameters_and_keep_values() {
        let e = clap::Error::raw(
            clap::error::ErrorKind::ArgumentConflict,
            "the argument '--min-size <MIN_SIZE>' cannot be used with '--from 2019-01-01'\n",
        );
        assert_eq!(
            clap_message(e).to_string(),
            "the argument 'min_size <MIN_SIZE>' cannot be used with 'from 2019-01-01'"
        );
    }

    #[test]
    fn bad_parameters_are_named_with_what_they_take() {
        let message = |pairs: &[(&str, &str)]| {
            from_query::<Example>(&query(pairs))
                .unwrap_err()
                .to_string()
        };
        assert!(
            message(&[("states", "A,B"), ("granularity", "week")])
                .contains("unknown parameter 'granularity'; this one takes states, min_size")
        );
        assert_eq!(message(&[]), "missing parameter 'states'");
        assert!(
            message(&[("states", "A")])
                .contains("'states' takes 2 to 3 comma-separated values, got 1")
        );
        assert!(
            message(&[("states", "A,B"), ("min_size", "99")]).contains(
                "parameter 'min_size': '99' is not a whole number in range: want 1 to 10"
            )
        );
        assert!(message(&[("states", "A,B"), ("normalize", "maybe")]).contains("true or false"));
        assert_eq!(
            parameter_names::<Example>(),
            ["states", "min_size", "normalize", "a", "b"]
        );
    }
}
