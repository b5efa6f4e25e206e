//! Times Parquet encoding of a store's rows under several writer settings (one thread), to see where the
//! encoding cost of an ingest goes and what the ingest's own settings save.
//! `cargo run --release -p fulcrum-store --example encode_cost -- [--per-column] FILE.parquet...`
//! `--per-column` times each column alone under the ingest settings, with and without its dictionary.

use std::time::Instant;

use arrow::array::RecordBatch;
use fulcrum_store::{WriteOptions, ingest_properties};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesBuilder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut batches: Vec<RecordBatch> = Vec::new();
    let mut per_column = false;
    for path in std::env::args().skip(1) {
        if path == "--per-column" {
            per_column = true;
            continue;
        }
        let file = std::fs::File::open(&path)?;
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)?
            .with_batch_size(8192)
            .build()?
        {
            batches.push(batch?);
        }
    }
    let Some(first) = batches.first() else {
        return Err("usage: encode_cost FILE.parquet... (files of a Fulcrum store)".into());
    };
    let schema = first.schema();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    println!("{rows} rows in {} batches", batches.len());
    let options = WriteOptions::default();
    if per_column {
        return time_each_column(&batches, &options);
    }
    let configs: Vec<(&str, WriterProperties)> = vec![
        ("ArrowWriter defaults, zstd", base(&options)?.build()),
        ("fulcrum ingest settings", ingest_properties(&options)),
        (
            "no statistics at all",
            base(&options)?
                .set_statistics_enabled(EnabledStatistics::None)
                .build(),
        ),
        (
            "no dictionaries at all",
            base(&options)?.set_dictionary_enabled(false).build(),
        ),
        (
            "uncompressed",
            base(&options)?
                .set_compression(Compression::UNCOMPRESSED)
                .build(),
        ),
    ];
    for (name, props) in configs {
        let (best, size) = encode_best_of_two(&schema, &batches, &props)?;
        println!("{name:<28} {best:>7.3} s {:>8.1} MB", size as f64 / 1e6);
    }
    // As if the parser had built each text column's dictionary: would parquet-rs encode faster? (Not while its
    // `ByteArrayEncoder` interns every value again — apache/arrow-rs#10465.) The cast is not timed.
    let (dictionary_schema, dictionary_batches) = text_as_dictionaries(&batches)?;
    let (best, size) = encode_best_of_two(
        &dictionary_schema,
        &dictionary_batches,
        &ingest_properties(&options),
    )?;
    println!(
        "{:<28} {best:>7.3} s {:>8.1} MB",
        "ingest, text as dictionaries",
        size as f64 / 1e6
    );
    Ok(())
}

/// The batches with every `Utf8` column cast to `Dictionary(Int32, Utf8)`.
fn text_as_dictionaries(
    batches: &[RecordBatch],
) -> Result<(arrow::datatypes::SchemaRef, Vec<RecordBatch>), Box<dyn std::error::Error>> {
    use arrow::datatypes::{DataType, Field, Schema};
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let schema = batches[0].schema();
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(dictionary.clone()),
            _ => f.as_ref().clone(),
        })
        .collect();
    let cast_schema = std::sync::Arc::new(Schema::new(fields));
    let cast = batches
        .iter()
        .map(|batch| {
            let columns = batch
                .columns()
                .iter()
                .zip(cast_schema.fields())
                .map(|(column, field)| arrow::compute::cast(column, field.data_type()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RecordBatch::try_new(cast_schema.clone(), columns)?)
        })
        .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    Ok((cast_schema, cast))
}

/// Encodes `batches` twice under `props`; the faster time in seconds and the file's size in bytes.
fn encode_best_of_two(
    schema: &arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
    props: &WriterProperties,
) -> Result<(f64, usize), ParquetError> {
    let mut best = f64::MAX;
    let mut size = 0;
    for _ in 0..2 {
        let mut out = Vec::with_capacity(64 << 20);
        let started = Instant::now();
        let mut writer = ArrowWriter::try_new(&mut out, schema.clone(), Some(props.clone()))?;
        for batch in batches {
            writer.write(batch)?;
        }
        writer.close()?;
        best = best.min(started.elapsed().as_secs_f64());
        size = out.len();
    }
    Ok((best, size))
}

/// Encodes each column on its own, under the ingest settings with its dictionary on and off.
fn time_each_column(
    batches: &[RecordBatch],
    options: &WriteOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    let schema = batches[0].schema();
    println!(
        "{:<28} {:>9} {:>9} {:>10} {:>10}",
        "column", "dict s", "plain s", "dict MB", "plain MB"
    );
    let (mut dict_total, mut plain_total) = (0.0, 0.0);
    for (i, field) in schema.fields().iter().enumerate() {
        let one = std::sync::Arc::new(arrow::datatypes::Schema::new(vec![field.as_ref().clone()]));
        let columns: Vec<RecordBatch> = batches
            .iter()
            .map(|b| RecordBatch::try_new(one.clone(), vec![b.column(i).clone()]))
            .collect::<Result<_, _>>()?;
        let mut timings = [(0.0, 0usize); 2];
        for (slot, dictionary) in [true, false].into_iter().enumerate() {
            let props = ingest_properties(options)
                .into_builder()
                .set_column_dictionary_enabled(field.name().as_str().into(), dictionary)
                .build();
            timings[slot] = encode_best_of_two(&one, &columns, &props)?;
        }
        dict_total += timings[0].0;
        plain_total += timings[1].0;
        println!(
            "{:<28} {:>9.3} {:>9.3} {:>10.2} {:>10.2}",
            field.name(),
            timings[0].0,
            timings[1].0,
            timings[0].1 as f64 / 1e6,
            timings[1].1 as f64 / 1e6
        );
    }
    println!("all columns: {dict_total:.3} s with dictionaries, {plain_total:.3} s without");
    Ok(())
}

/// Parquet's defaults with the store's compression and row-group size.
fn base(options: &WriteOptions) -> Result<WriterPropertiesBuilder, ParquetError> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(options.zstd_level)?))
        .set_max_row_group_row_count(Some(options.row_group_rows)))
}
