//! The canonical event schema: one flat, columnar row type shared by every source.
//!
//! The column list is written once, in [`define_event_columns!`]; the Arrow schema, the borrowed row type
//! [`EventRow`] and the columnar [`EventBatchBuilder`] are all generated from it, so they cannot drift apart.
//! `docs/schema.md` documents every column and which source fills it.

use std::sync::{Arc, OnceLock};

use arrow_array::types::{
    Date32Type, Float64Type, Int8Type, Int32Type, Int64Type, TimestampMicrosecondType,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::columns::{FlagColumn, TextColumn, ValueColumn};

/// Time zone of `date_added`: GDELT stamps are UTC.
pub const UTC: &str = "UTC";

macro_rules! column_type {
    (str) => {
        DataType::Utf8
    };
    (i64) => {
        DataType::Int64
    };
    (i32) => {
        DataType::Int32
    };
    (i8) => {
        DataType::Int8
    };
    (f64) => {
        DataType::Float64
    };
    (bool) => {
        DataType::Boolean
    };
    (date) => {
        DataType::Date32
    };
    (ts) => {
        DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
    };
}
macro_rules! row_type {
    (str) => { Option<&'a str> };
    (i64) => { Option<i64> };
    (i32) => { Option<i32> };
    (i8) => { Option<i8> };
    (f64) => { Option<f64> };
    (bool) => { Option<bool> };
    (date) => { Option<i32> };
    (ts) => { Option<i64> };
}
macro_rules! builder_type {
    (str) => {
        TextColumn
    };
    (i64) => {
        ValueColumn<Int64Type>
    };
    (i32) => {
        ValueColumn<Int32Type>
    };
    (i8) => {
        ValueColumn<Int8Type>
    };
    (f64) => {
        ValueColumn<Float64Type>
    };
    (bool) => {
        FlagColumn
    };
    (date) => {
        ValueColumn<Date32Type>
    };
    (ts) => {
        ValueColumn<TimestampMicrosecondType>
    };
}
macro_rules! finish_column {
    (str, $b:expr) => {
        $b.finish()
    };
    (bool, $b:expr) => {
        $b.finish()
    };
    (ts, $b:expr) => {
        Arc::new($b.finish().with_timezone(UTC)) as ArrayRef
    };
    ($kind:ident, $b:expr) => {
        Arc::new($b.finish()) as ArrayRef
    };
}

/// A row missing a required column (named), refused by [`EventBatchBuilder::append`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("required column '{0}' has no value")]
pub struct MissingColumn(pub &'static str);

macro_rules! define_event_columns {
    ( $( $name:ident : $kind:ident , $required:literal ; )* ) => {
        /// Column names in schema order.
        pub const EVENT_COLUMNS: &[&str] = &[ $( stringify!($name) ),* ];

        /// One event, borrowing its text from the input line. `None` is a null.
        /// Columns marked required in the schema must be `Some` before [`EventBatchBuilder::append`].
        #[derive(Debug, Default, Clone, PartialEq)]
        pub struct EventRow<'a> {
            $( pub $name: row_type!($kind), )*
        }

        fn build_schema() -> Schema {
            Schema::new(vec![ $( Field::new(stringify!($name), column_type!($kind), !$required) ),* ])
        }

        /// Accumulates [`EventRow`]s column by column into an Arrow [`RecordBatch`].
        pub struct EventBatchBuilder {
            len: usize,
            $( $name: builder_type!($kind), )*
        }

        impl EventBatchBuilder {
            pub fn with_capacity(capacity: usize) -> Self {
                Self { len: 0, $( $name: <builder_type!($kind)>::with_capacity(capacity), )* }
            }

            /// Appends one row, or refuses it (appending nothing) when a required column is `None`: so every
            /// batch [`finish`](Self::finish) makes matches the schema.
            pub fn append(&mut self, row: &EventRow<'_>) -> Result<(), MissingColumn> {
                if let Some(column) = row.missing_required() {
                    return Err(MissingColumn(column));
                }
                $( self.$name.append_option(row.$name); )*
                self.len += 1;
                Ok(())
            }

            /// Appends rows column by column (each column's builder stays in registers across the rows, where a
            /// row at a time reloads all 87). Every row must have its required columns: the caller checked
            /// [`EventRow::missing_required`], as `append` does.
            pub fn append_complete_rows(&mut self, rows: &[EventRow<'_>]) {
                debug_assert!(rows.iter().all(|row| row.missing_required().is_none()));
                $( for row in rows { self.$name.append_option(row.$name); } )*
                self.len += rows.len();
            }

            pub fn len(&self) -> usize { self.len }
            pub fn is_empty(&self) -> bool { self.len == 0 }

            /// Finishes the batch and resets the builder.
            pub fn finish(&mut self) -> RecordBatch {
                self.len = 0;
                let columns: Vec<ArrayRef> = vec![ $( finish_column!($kind, self.$name) ),* ];
                // Cannot fail: one builder per field, of the field's type, all of one length, and `append`
                // refuses rows that would leave a required column null.
                RecordBatch::try_new(event_schema(), columns).expect("builders match the schema by construction")
            }
        }

        impl EventRow<'_> {
            /// The first required column that is still `None`, if any.
            pub fn missing_required(&self) -> Option<&'static str> {
                $( if $required && self.$name.is_none() { return Some(stringify!($name)); } )*
                None
            }
        }
    };
}

// name: type, required;
define_event_columns! {
    event_id: i64, false;
    event_date: date, true;
    date_added: ts, false;
    dataset: str, true;

    actor1_code: str, false;
    actor1_name: str, false;
    actor1_country_code: str, false;
    actor1_country_name: str, false;
    actor1_known_group_code: str, false;
    actor1_ethnic_code: str, false;
    actor1_religion1_code: str, false;
    actor1_religion2_code: str, false;
    actor1_type1_code: str, false;
    actor1_type2_code: str, false;
    actor1_type3_code: str, false;
    actor1_sectors: str, false;

    actor2_code: str, false;
    actor2_name: str, false;
    actor2_country_code: str, false;
    actor2_country_name: str, false;
    actor2_known_group_code: str, false;
    actor2_ethnic_code: str, false;
    actor2_religion1_code: str, false;
    actor2_religion2_code: str, false;
    actor2_type1_code: str, false;
    actor2_type2_code: str, false;
    actor2_type3_code: str, false;
    actor2_sectors: str, false;

    is_root_event: bool, false;
    event_code: str, true;
    event_base_code: str, true;
    event_root_code: str, true;
    event_text: str, false;
    quad_class: i8, true;
    goldstein: f64, true;
    scores_from_code: str, false;
    intensity: f64, false;
    num_mentions: i32, false;
    num_sources: i32, false;
    num_articles: i32, false;
    avg_tone: f64, false;

    actor1_geo_type: i8, false;
    actor1_geo_full_name: str, false;
    actor1_geo_country_code: str, false;
    actor1_geo_adm1_code: str, false;
    actor1_geo_adm2_code: str, false;
    actor1_geo_lat: f64, false;
    actor1_geo_lon: f64, false;
    actor1_geo_feature_id: str, false;

    actor2_geo_type: i8, false;
    actor2_geo_full_name: str, false;
    actor2_geo_country_code: str, false;
    actor2_geo_adm1_code: str, false;
    actor2_geo_adm2_code: str, false;
    actor2_geo_lat: f64, false;
    actor2_geo_lon: f64, false;
    actor2_geo_feature_id: str, false;

    action_geo_type: i8, false;
    action_geo_full_name: str, false;
    action_geo_country_code: str, false;
    action_geo_adm1_code: str, false;
    action_geo_adm2_code: str, false;
    action_geo_lat: f64, false;
    action_geo_lon: f64, false;
    action_geo_feature_id: str, false;
    action_geo_city: str, false;
    action_geo_district: str, false;
    action_geo_province: str, false;
    action_geo_country_name: str, false;

    source_url: str, false;
    story_id: str, false;
    sentence_number: i32, false;
    publisher: str, false;
    sentence_text: str, false;
    source_phrase: str, false;
    target_phrase: str, false;
    verb_phrase: str, false;
    issue_codes: str, false;

    kg_subject_id: i32, false;
    kg_relation_id: i32, false;
    kg_object_id: i32, false;
    kg_split: str, false;

    input_file: str, true;
    line_number: i64, true;
}

/// The Arrow schema of the `events` table (shared, built once).
pub fn event_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| Arc::new(build_schema())).clone()
}

/// Days from 1970-01-01 for a proleptic Gregorian date, or `None` if the date does not exist.
/// Days since 1970-01-01 of a `YYYY-MM-DD` date, with a message that says what is wrong.
pub fn parse_iso_date(s: &str) -> Result<i32, crate::ValueError> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    if let [y, m, d] = parts[..]
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse())
        && let Some(days) = days_from_civil(y, m, d)
    {
        return Ok(days);
    }
    Err(crate::ValueError::new(s, "a date", "YYYY-MM-DD"))
}

pub fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The (year, month, day) of a count of days from 1970-01-01.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_and_row_agree() {
        let schema = event_schema();
        assert_eq!(schema.fields().len(), EVENT_COLUMNS.len());
        let mut b = EventBatchBuilder::with_capacity(2);
        let row = EventRow {
            event_date: Some(0),
            dataset: Some("gdelt2"),
            event_code: Some("014"),
            event_base_code: Some("014"),
            event_root_code: Some("01"),
            quad_class: Some(1),
            goldstein: Some(0.0),
            input_file: Some("x"),
            line_number: Some(1),
            ..Default::default()
        };
        assert_eq!(row.missing_required(), None);
        b.append(&row).unwrap();
        // A row missing a required column is refused, not appended: the batch still matches the schema.
        let no_quad = EventRow {
            quad_class: None,
            ..row.clone()
        };
        assert_eq!(b.append(&no_quad), Err(MissingColumn("quad_class")));
        let batch = b.finish();
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(EventRow::default().missing_required(), Some("event_date"));
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2019, 2, 14), Some(17_941));
        assert_eq!(days_from_civil(2019, 2, 29), None);
        assert_eq!(
            days_from_civil(2020, 2, 29).map(civil_from_days),
            Some((2020, 2, 29))
        );
        for d in [-800_000, -1, 0, 1, 17_941, 60_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), Some(d));
        }
    }
}
