//! Times Parquet encoding of a store's rows under several writer settings (one thread), to see where the
//! encoding cost of an ingest goes. `cargo run --release -p fulcrum-store --example encode_cost -- FILE.parquet...`

use std::time::Instant;

use arrow::array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesBuilder};
use parquet::schema::types::ColumnPath;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut batches: Vec<RecordBatch> = Vec::new();
    for path in std::env::args().skip(1) {
        let file = std::fs::File::open(&path)?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)?
            .with_batch_size(8192)
            .build()?;
        for b in reader {
            batches.push(b?);
        }
    }
    let schema = batches[0].schema();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    println!("{rows} rows in {} batches", batches.len());
    let base = || {
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap()))
            .set_max_row_group_row_count(Some(256 * 1024))
    };
    let no_dict = |mut b: WriterPropertiesBuilder, cols: &[&str]| {
        for c in cols {
            b = b.set_column_dictionary_enabled(ColumnPath::from(*c), false);
        }
        b
    };
    let numeric_unique = [
        "event_id",
        "line_number",
        "avg_tone",
        "actor1_geo_lat",
        "actor1_geo_lon",
        "actor2_geo_lat",
        "actor2_geo_lon",
        "action_geo_lat",
        "action_geo_lon",
    ];
    let strings: Vec<&str> = schema
        .fields()
        .iter()
        .filter(|f| f.data_type() == &arrow::datatypes::DataType::Utf8)
        .map(|f| f.name().as_str())
        .collect();
    let configs: Vec<(&str, WriterProperties)> = vec![
        ("current", base().build()),
        (
            "stats chunk",
            base()
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .build(),
        ),
        (
            "stats none",
            base()
                .set_statistics_enabled(EnabledStatistics::None)
                .build(),
        ),
        (
            "no dict numeric-unique",
            no_dict(base(), &numeric_unique).build(),
        ),
        ("no dict strings", no_dict(base(), &strings).build()),
        (
            "no dict at all",
            base().set_dictionary_enabled(false).build(),
        ),
        (
            "nodict-num + stats chunk",
            no_dict(base(), &numeric_unique)
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .build(),
        ),
        ("nodict-num + stats strings none", {
            let mut b =
                no_dict(base(), &numeric_unique).set_statistics_enabled(EnabledStatistics::Chunk);
            for c in &strings {
                if ![
                    "dataset",
                    "event_code",
                    "event_base_code",
                    "event_root_code",
                    "actor1_country_code",
                    "actor2_country_code",
                    "input_file",
                    "kg_split",
                ]
                .contains(c)
                {
                    b = b.set_column_statistics_enabled(
                        ColumnPath::from(*c),
                        EnabledStatistics::None,
                    );
                }
            }
            b.build()
        }),
        (
            "uncompressed",
            base().set_compression(Compression::UNCOMPRESSED).build(),
        ),
    ];
    for (name, props) in configs {
        let mut best = f64::MAX;
        let mut size = 0;
        for _ in 0..2 {
            let mut out = Vec::with_capacity(64 << 20);
            let t = Instant::now();
            let mut w = ArrowWriter::try_new(&mut out, schema.clone(), Some(props.clone()))?;
            for b in &batches {
                w.write(b)?;
            }
            w.close()?;
            best = best.min(t.elapsed().as_secs_f64());
            size = out.len();
        }
        println!("{name:<26} {best:>7.3} s {:>8.1} MB", size as f64 / 1e6);
    }
    Ok(())
}
