//! The workspace's layering, checked mechanically from `cargo metadata`: a crate depends only on crates of lower
//! layers, and the pure analysis crates depend on nothing but the model. ARCHITECTURE.md draws the same table.

mod common;

use std::collections::BTreeMap;

use common::{cargo_metadata, cargo_output};

/// Each workspace crate's layer. A crate may depend on crates of strictly lower layers only.
const LAYERS: &[(&str, u8)] = &[
    ("fulcrum-model", 0),
    ("fulcrum-geo", 0),
    ("fulcrum-ingest", 1),
    ("fulcrum-store", 1),
    ("fulcrum-fetch", 1),
    ("fulcrum-query", 2),
    ("fulcrum-intake", 2),
    ("fulcrum-cluster", 3),
    ("fulcrum-events", 3),
    ("fulcrum-relations", 4),
    ("fulcrum-forecast", 4),
    ("fulcrum-coder", 4),
    ("fulcrum-plot", 4),
    ("fulcrum-questions", 5),
    ("fulcrum-server", 6),
    ("fulcrum", 7),
    ("fulcrum-py", 7),
];

/// Analysis is pure functions over series and tables: these crates may use the model and nothing else of ours.
const PURE: &[&str] = &[
    "fulcrum-relations",
    "fulcrum-forecast",
    "fulcrum-coder",
    "fulcrum-plot",
];

/// Every violation in a graph of workspace crates (name → names of the workspace crates it depends on).
fn violations(graph: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let layer = |name: &str| LAYERS.iter().find(|(n, _)| *n == name).map(|&(_, l)| l);
    let mut out = Vec::new();
    for (krate, deps) in graph {
        let Some(own) = layer(krate) else {
            out.push(format!(
                "{krate} has no layer: add it to LAYERS here and to ARCHITECTURE.md"
            ));
            continue;
        };
        for dep in deps {
            match layer(dep) {
                Some(l) if l >= own => out.push(format!("{krate} (layer {own}) depends on {dep} (layer {l}): dependencies flow downward only")),
                Some(_) if PURE.contains(&krate.as_str()) && dep != "fulcrum-model" => {
                    out.push(format!("{krate} is pure analysis but depends on {dep}: take data as arguments instead"))
                }
                _ => {}
            }
        }
    }
    out
}

/// The workspace's crates and their (normal and build) dependencies on each other.
fn workspace_graph() -> BTreeMap<String, Vec<String>> {
    let meta = cargo_metadata(&["--no-deps", "--offline"]);
    let packages = meta["packages"].as_array().expect("packages");
    let ours: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .filter_map(|d| d["name"].as_str())
                .filter(|d| ours.contains(d))
                .map(str::to_string)
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect()
}

#[test]
fn every_dependency_points_down_the_layers() {
    let graph = workspace_graph();
    assert!(
        graph.len() >= 12,
        "cargo metadata listed only {:?}",
        graph.keys()
    );
    let found = violations(&graph);
    assert!(
        found.is_empty(),
        "layering violations:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_check_catches_an_upward_edge_an_impure_analysis_crate_and_an_unknown_crate() {
    let mut graph = workspace_graph();
    assert!(violations(&graph).is_empty());
    graph
        .get_mut("fulcrum-events")
        .expect("events crate")
        .push("fulcrum-relations".into());
    graph
        .get_mut("fulcrum-forecast")
        .expect("forecast crate")
        .push("fulcrum-events".into());
    graph.insert("fulcrum-new".into(), vec!["fulcrum-model".into()]);
    let found = violations(&graph);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found
            .iter()
            .any(|v| v.contains("fulcrum-events (layer 3) depends on fulcrum-relations (layer 4)")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|v| v.contains("fulcrum-forecast is pure analysis")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|v| v.contains("fulcrum-new has no layer")),
        "{found:#?}"
    );
}

/// Features of every package in the dependency tree, as `cargo tree ARGS…` resolves them.
fn resolved_features(args: &[&str]) -> BTreeMap<String, String> {
    let tree = ["tree", "--locked", "--edges", "normal,build,dev"];
    let format = ["--prefix", "none", "--format", "{p}|{f}"];
    let args: Vec<&str> = tree
        .into_iter()
        .chain(format)
        .chain(args.iter().copied())
        .collect();
    String::from_utf8_lossy(&cargo_output(&args))
        .lines()
        .filter_map(|line| line.trim_end_matches(" (*)").split_once('|'))
        // Workspace crates differ by design (the binary has its own); only shared dependencies matter.
        .filter(|(package, _)| !package.contains("/crates/"))
        .map(|(package, features)| (package.to_string(), features.to_string()))
        .collect()
}

/// `maturin build` compiles the Python module alone, and cargo turns on only the features that module's own tree
/// asks for; any dependency whose features differ from the test build's is compiled again, with everything above it
/// (DataFusion included: a quarter of an hour on two cores). `crates/py/Cargo.toml` pins what the CLI adds.
#[test]
fn the_wheel_reuses_the_test_builds_dependencies() {
    let workspace = resolved_features(&["--workspace"]);
    let wheel = resolved_features(&["--package", "fulcrum-py"]);
    let drift: Vec<String> = wheel
        .iter()
        .filter(|(package, features)| workspace.get(*package) != Some(*features))
        .map(|(package, features)| {
            format!(
                "{package}: wheel [{features}], workspace [{}]",
                workspace
                    .get(package)
                    .map(String::as_str)
                    .unwrap_or("absent")
            )
        })
        .collect();
    assert!(
        drift.is_empty(),
        "the wheel would rebuild these (pin the workspace's features in crates/py/Cargo.toml):\n{}",
        drift.join("\n")
    );
}
