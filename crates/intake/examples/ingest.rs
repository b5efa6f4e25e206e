//! Ingest without the command line, for profiling the read → parse → de-duplicate → encode path alone:
//! `cargo run --release -p fulcrum-intake --example ingest -- STORE INPUT...` builds in a fraction of the time
//! the `fulcrum` binary takes, so `perf` and timing loops over ingest changes stay quick.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let store = args
        .next()
        .ok_or("usage: ingest STORE INPUT... (the store is created if absent)")?;
    let inputs: Vec<String> = args.collect();
    let report = fulcrum_intake::ingest(
        std::path::Path::new(&store),
        &inputs,
        &fulcrum_intake::IngestOptions::default(),
        &fulcrum_intake::Quiet,
    )?;
    println!("{}", report.summary(std::path::Path::new(&store)));
    Ok(())
}
