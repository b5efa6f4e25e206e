//! Every crate the workspace builds on this platform carries a licence we accept, read from `cargo metadata` (the
//! licence check `cargo deny` would make, without installing it). Advisories need the RustSec database, which
//! this offline machine cannot fetch; see ARCHITECTURE.md.

mod common;

use std::process::Command;

use common::cargo_metadata;

/// Licences accepted for dependencies: permissive ones compatible with the project's Apache-2.0.
const ACCEPTED: &[&str] = &[
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unlicense",
    "CC0-1.0",
    "BSL-1.0",
    "0BSD",
    "CDLA-Permissive-2.0",
    // The bzip2 licence (libbz2-rs-sys, DataFusion's compression feature, which Ballista turns on): BSD-style, four
    // permissive clauses — keep the notice, mark altered versions, no endorsement — compatible with Apache-2.0.
    "bzip2-1.0.6",
];

/// Whether an SPDX expression (`MIT OR Apache-2.0`, `(MIT OR Apache-2.0) AND Unicode-3.0`, the old `MIT/Apache-2.0`,
/// `Apache-2.0 WITH LLVM-exception`) can be satisfied with accepted licences only.
fn acceptable(expression: &str) -> Result<bool, String> {
    let spaced = expression
        .replace('/', " OR ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let value = or(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err(format!("unexpected '{}' in '{expression}'", tokens[pos]));
    }
    Ok(value)
}

fn or(t: &[&str], pos: &mut usize) -> Result<bool, String> {
    let mut value = and(t, pos)?;
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        value |= and(t, pos)?;
    }
    Ok(value)
}

fn and(t: &[&str], pos: &mut usize) -> Result<bool, String> {
    let mut value = atom(t, pos)?;
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        value &= atom(t, pos)?;
    }
    Ok(value)
}

fn atom(t: &[&str], pos: &mut usize) -> Result<bool, String> {
    let token = *t.get(*pos).ok_or("expression ends early")?;
    *pos += 1;
    if token == "(" {
        let value = or(t, pos)?;
        if t.get(*pos) != Some(&")") {
            return Err("unbalanced parenthesis".into());
        }
        *pos += 1;
        return Ok(value);
    }
    if t.get(*pos) == Some(&"WITH") {
        *pos += 2; // An exception only widens what the licence allows.
    }
    Ok(ACCEPTED.contains(&token))
}

#[test]
fn every_dependency_has_an_accepted_licence() {
    let host = String::from_utf8(
        Command::new("rustc")
            .arg("-vV")
            .output()
            .expect("rustc runs")
            .stdout,
    )
    .unwrap_or_default();
    let triple = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap_or("x86_64-unknown-linux-gnu")
        .to_string();
    let meta = cargo_metadata(&["--locked", "--filter-platform", &triple]);
    let packages = meta["packages"].as_array().expect("packages");
    assert!(
        packages.len() > 100,
        "only {} packages listed",
        packages.len()
    );
    let mut refused = Vec::new();
    for p in packages {
        let name = format!(
            "{} {}",
            p["name"].as_str().unwrap_or("?"),
            p["version"].as_str().unwrap_or("?")
        );
        match p["license"].as_str() {
            None => refused.push(format!("{name}: no SPDX licence in its manifest")),
            Some(l) => match acceptable(l) {
                Ok(true) => {}
                Ok(false) => refused.push(format!("{name}: {l}")),
                Err(e) => refused.push(format!("{name}: {e}")),
            },
        }
    }
    assert!(
        refused.is_empty(),
        "licences outside the accepted list ({}):\n  {}",
        ACCEPTED.join(", "),
        refused.join("\n  ")
    );
}

#[test]
fn the_licence_check_reads_spdx_expressions() {
    assert_eq!(acceptable("MIT OR Apache-2.0"), Ok(true));
    assert_eq!(acceptable("MIT/Apache-2.0"), Ok(true));
    assert_eq!(acceptable("(MIT OR Apache-2.0) AND Unicode-3.0"), Ok(true));
    assert_eq!(
        acceptable("Apache-2.0 WITH LLVM-exception OR MIT"),
        Ok(true)
    );
    assert_eq!(
        acceptable("MIT OR Apache-2.0 OR LGPL-2.1-or-later"),
        Ok(true)
    );
    assert_eq!(acceptable("GPL-3.0-only"), Ok(false));
    assert_eq!(acceptable("MIT AND GPL-2.0"), Ok(false));
    assert!(acceptable("(MIT").is_err());
}
