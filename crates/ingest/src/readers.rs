//! One line parser per source format. Each validates a whole line before it appends anything, so a
//! rejected line leaves no trace in the batch, and returns the line's de-duplication key.

use std::collections::HashMap;
use std::sync::Arc;

use fulcrum_model::cameo::{self, IcewsActor};
use fulcrum_model::{Dataset, EventRow, RejectKind};

use crate::fields::*;
use crate::months::MonthlyRows;

/// What every parser needs to know about the line it is parsing.
pub(crate) struct LineContext<'a> {
    pub input: &'a str,
    pub line_number: u64,
}

/// Parses one line of one format.
pub(crate) trait LineParser: Send + Sync {
    /// Appends the line's event to `out` and returns its de-duplication key, or says why the line is rejected.
    /// The line and `ctx` live as long as the chunk, so a parser may stage rows that borrow them
    /// ([`MonthlyRows::stage`]); parsers that append at once can take any lifetimes.
    fn parse<'a>(
        &self,
        line: &'a str,
        ctx: &LineContext<'a>,
        out: &mut MonthlyRows<'a>,
    ) -> FieldResult<u64>;

    /// Whether the first line of the input is a header to skip.
    fn has_header(&self) -> bool {
        false
    }
}

pub use fulcrum_model::event_key;

fn check_event_code(code: &str) -> FieldResult<()> {
    if cameo::event_code(code).is_none() {
        return Err(LineError::new(
            RejectKind::UnknownCode,
            format!(
                "unknown CAMEO event code '{}'",
                code.chars().take(12).collect::<String>()
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------- GDELT

/// GDELT 1.0 (57/58 columns) and 2.0 (61 columns) exports.
pub(crate) struct GdeltParser {
    pub version2: bool,
}

const GDELT_MAX_COLUMNS: usize = 61;

struct Geo<'a> {
    kind: Option<i8>,
    full_name: Option<&'a str>,
    country: Option<&'a str>,
    adm1: Option<&'a str>,
    adm2: Option<&'a str>,
    lat: Option<f64>,
    lon: Option<f64>,
    feature: Option<&'a str>,
}

/// Column names of one GDELT geography block: (type, lat, long).
type GeoColumns = (&'static str, &'static str, &'static str);
const ACTOR1_GEO: GeoColumns = ("Actor1Geo_Type", "Actor1Geo_Lat", "Actor1Geo_Long");
const ACTOR2_GEO: GeoColumns = ("Actor2Geo_Type", "Actor2Geo_Lat", "Actor2Geo_Long");
const ACTION_GEO: GeoColumns = ("ActionGeo_Type", "ActionGeo_Lat", "ActionGeo_Long");

fn gdelt_geo<'a>(
    f: &[&'a str],
    start: usize,
    with_adm2: bool,
    names: GeoColumns,
) -> FieldResult<Geo<'a>> {
    let shift = usize::from(with_adm2);
    Ok(Geo {
        kind: opt_i8(f[start], names.0)?,
        full_name: opt_str(f[start + 1]),
        country: opt_str(f[start + 2]),
        adm1: opt_str(f[start + 3]),
        adm2: if with_adm2 {
            opt_str(f[start + 4])
        } else {
            None
        },
        lat: opt_f64(f[start + 4 + shift], names.1)?,
        lon: opt_f64(f[start + 5 + shift], names.2)?,
        feature: opt_str(f[start + 6 + shift]),
    })
}

impl LineParser for GdeltParser {
    fn parse<'a>(
        &self,
        line: &'a str,
        ctx: &LineContext<'a>,
        out: &mut MonthlyRows<'a>,
    ) -> FieldResult<u64> {
        let (f, n) = split_tabs::<GDELT_MAX_COLUMNS>(line);
        let (dataset, geo_width): (Dataset, usize) = if self.version2 {
            if n != 61 {
                return Err(LineError::new(
                    RejectKind::ColumnCount,
                    format!("expected 61 columns (GDELT 2.0), found {n}"),
                ));
            }
            (Dataset::Gdelt2, 8)
        } else {
            if n != 57 && n != 58 {
                return Err(LineError::new(
                    RejectKind::ColumnCount,
                    format!("expected 57 or 58 columns (GDELT 1.0), found {n}"),
                ));
            }
            (Dataset::Gdelt1, 7)
        };
        let with_adm2 = self.version2;
        let event_id = req_i64(f[0], "GLOBALEVENTID")?;
        let event_date = yyyymmdd(f[1], "SQLDATE")?;
        let event_code = f[26];
        check_event_code(event_code)?;
        let quad_class = opt_i8(f[29], "QuadClass")?.ok_or_else(|| missing("QuadClass"))?;
        if !(1..=4).contains(&quad_class) {
            return Err(LineError::in_column(
                RejectKind::OutOfRange,
                "QuadClass",
                format!("QuadClass {quad_class} outside 1..4"),
            ));
        }
        let goldstein =
            opt_f64(f[30], "GoldsteinScale")?.ok_or_else(|| missing("GoldsteinScale"))?;
        let geo1 = gdelt_geo(&f, 35, with_adm2, ACTOR1_GEO)?;
        let geo2 = gdelt_geo(&f, 35 + geo_width, with_adm2, ACTOR2_GEO)?;
        let geoa = gdelt_geo(&f, 35 + 2 * geo_width, with_adm2, ACTION_GEO)?;
        let added_col = 35 + 3 * geo_width;
        let date_added = date_added(f[added_col], "DATEADDED")?;
        let source_url = if n > added_col + 1 {
            opt_str(f[added_col + 1])
        } else {
            None
        };

        let row = EventRow {
            event_id: Some(event_id),
            event_date: Some(event_date),
            date_added,
            dataset: Some(dataset.as_str()),
            actor1_code: opt_str(f[5]),
            actor1_name: opt_str(f[6]),
            actor1_country_code: opt_str(f[7]),
            actor1_known_group_code: opt_str(f[8]),
            actor1_ethnic_code: opt_str(f[9]),
            actor1_religion1_code: opt_str(f[10]),
            actor1_religion2_code: opt_str(f[11]),
            actor1_type1_code: opt_str(f[12]),
            actor1_type2_code: opt_str(f[13]),
            actor1_type3_code: opt_str(f[14]),
            actor2_code: opt_str(f[15]),
            actor2_name: opt_str(f[16]),
            actor2_country_code: opt_str(f[17]),
            actor2_known_group_code: opt_str(f[18]),
            actor2_ethnic_code: opt_str(f[19]),
            actor2_religion1_code: opt_str(f[20]),
            actor2_religion2_code: opt_str(f[21]),
            actor2_type1_code: opt_str(f[22]),
            actor2_type2_code: opt_str(f[23]),
            actor2_type3_code: opt_str(f[24]),
            is_root_event: opt_bool01(f[25], "IsRootEvent")?,
            event_code: Some(event_code),
            event_base_code: Some(opt_str(f[27]).unwrap_or_else(|| cameo::base_of(event_code))),
            event_root_code: Some(opt_str(f[28]).ok_or_else(|| missing("EventRootCode"))?),
            quad_class: Some(quad_class),
            goldstein: Some(goldstein),
            num_mentions: opt_i32(f[31], "NumMentions")?,
            num_sources: opt_i32(f[32], "NumSources")?,
            num_articles: opt_i32(f[33], "NumArticles")?,
            avg_tone: opt_f64(f[34], "AvgTone")?,
            actor1_geo_type: geo1.kind,
            actor1_geo_full_name: geo1.full_name,
            actor1_geo_country_code: geo1.country,
            actor1_geo_adm1_code: geo1.adm1,
            actor1_geo_adm2_code: geo1.adm2,
            actor1_geo_lat: geo1.lat,
            actor1_geo_lon: geo1.lon,
            actor1_geo_feature_id: geo1.feature,
            actor2_geo_type: geo2.kind,
            actor2_geo_full_name: geo2.full_name,
            actor2_geo_country_code: geo2.country,
            actor2_geo_adm1_code: geo2.adm1,
            actor2_geo_adm2_code: geo2.adm2,
            actor2_geo_lat: geo2.lat,
            actor2_geo_lon: geo2.lon,
            actor2_geo_feature_id: geo2.feature,
            action_geo_type: geoa.kind,
            action_geo_full_name: geoa.full_name,
            action_geo_country_code: geoa.country,
            action_geo_adm1_code: geoa.adm1,
            action_geo_adm2_code: geoa.adm2,
            action_geo_lat: geoa.lat,
            action_geo_lon: geoa.lon,
            action_geo_feature_id: geoa.feature,
            source_url,
            input_file: Some(ctx.input),
            line_number: Some(ctx.line_number as i64),
            ..Default::default()
        };
        out.stage(row)
            .map_err(|e| LineError::new(RejectKind::MissingValue, e.to_string()))?;
        Ok(event_key(dataset, &[&event_id.to_le_bytes()]))
    }
}

// ---------------------------------------------------------------------------------------------- ICEWS

/// The ICEWS columns Fulcrum reads, by header name.
const ICEWS_COLUMNS: [&str; 20] = [
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    "City",
    "District",
    "Province",
    "Country",
    "Latitude",
    "Longitude",
];

/// ICEWS raw event files. Columns are found by header name, so re-ordered exports read the same.
pub(crate) struct IcewsParser {
    /// For each of [`ICEWS_COLUMNS`], its position in the file.
    positions: [usize; 20],
    width: usize,
}

impl IcewsParser {
    pub fn from_header(header: &str) -> Result<Self, String> {
        let names: Vec<&str> = header.trim_end_matches(['\r', '\n']).split('\t').collect();
        let mut positions = [0; 20];
        for (slot, wanted) in positions.iter_mut().zip(ICEWS_COLUMNS) {
            *slot = names
                .iter()
                .position(|n| n.trim() == wanted)
                .ok_or_else(|| format!("ICEWS header lacks column '{wanted}'"))?;
        }
        Ok(Self {
            positions,
            width: names.len(),
        })
    }
}

impl LineParser for IcewsParser {
    fn has_header(&self) -> bool {
        true
    }

    fn parse(&self, line: &str, ctx: &LineContext<'_>, out: &mut MonthlyRows) -> FieldResult<u64> {
        let raw: Vec<&str> = line.split('\t').collect();
        if raw.len() != self.width {
            return Err(LineError::new(
                RejectKind::ColumnCount,
                format!(
                    "expected {} columns (ICEWS header), found {}",
                    self.width,
                    raw.len()
                ),
            ));
        }
        let f: [&str; 20] = std::array::from_fn(|i| raw[self.positions[i]]);
        let event_id = req_i64(f[0], "Event ID")?;
        let event_date = iso_date(f[1], "Event Date")?;
        let code = opt_str_na(f[6]).ok_or_else(|| missing("CAMEO Code"))?;
        check_event_code(code)?;
        let (goldstein, quad) = cameo::derived_scores(code).ok_or_else(|| {
            LineError::new(RejectKind::UnknownCode, "CAMEO code without a root class")
        })?;
        let intensity = match opt_str_na(f[7]) {
            Some(v) => opt_f64(v, "Intensity")?,
            None => None,
        };
        let lat = opt_str_na(f[18])
            .map(|v| opt_f64(v, "Latitude"))
            .transpose()?
            .flatten();
        let lon = opt_str_na(f[19])
            .map(|v| opt_f64(v, "Longitude"))
            .transpose()?
            .flatten();
        let sentence = opt_str_na(f[12])
            .map(|v| opt_i32(v, "Sentence Number"))
            .transpose()?
            .flatten();
        let source_country = opt_str_na(f[4]);
        let target_country = opt_str_na(f[10]);
        let source = IcewsActor {
            country_code: source_country.and_then(cameo::country_code_for_name),
            type_code: opt_str_na(f[2]).and_then(|n| cameo::resolve_icews_actor(n).type_code),
        };
        let target = IcewsActor {
            country_code: target_country.and_then(cameo::country_code_for_name),
            type_code: opt_str_na(f[8]).and_then(|n| cameo::resolve_icews_actor(n).type_code),
        };
        let place: Vec<&str> = [f[14], f[15], f[16], f[17]]
            .into_iter()
            .filter_map(opt_str_na)
            .collect();
        let full_name = (!place.is_empty()).then(|| place.join(", "));

        let row = EventRow {
            event_id: Some(event_id),
            event_date: Some(event_date),
            dataset: Some(Dataset::Icews.as_str()),
            actor1_name: opt_str_na(f[2]),
            actor1_sectors: opt_str_na(f[3]),
            actor1_country_name: source_country,
            actor1_country_code: source.country_code,
            actor1_type1_code: source.type_code,
            actor2_name: opt_str_na(f[8]),
            actor2_sectors: opt_str_na(f[9]),
            actor2_country_name: target_country,
            actor2_country_code: target.country_code,
            actor2_type1_code: target.type_code,
            event_text: opt_str_na(f[5]),
            event_code: Some(code),
            event_base_code: Some(cameo::base_of(code)),
            event_root_code: cameo::root_of(code),
            quad_class: Some(quad as i8),
            goldstein: Some(goldstein),
            intensity,
            story_id: opt_str_na(f[11]),
            sentence_number: sentence,
            publisher: opt_str_na(f[13]),
            action_geo_full_name: full_name.as_deref(),
            action_geo_city: opt_str_na(f[14]),
            action_geo_district: opt_str_na(f[15]),
            action_geo_province: opt_str_na(f[16]),
            action_geo_country_name: opt_str_na(f[17]),
            action_geo_lat: lat,
            action_geo_lon: lon,
            input_file: Some(ctx.input),
            line_number: Some(ctx.line_number as i64),
            ..Default::default()
        };
        out.append(&row)
            .map_err(|e| LineError::new(RejectKind::MissingValue, e.to_string()))?;
        Ok(event_key(
            Dataset::Icews,
            &[&event_id.to_le_bytes(), &event_date.to_le_bytes()],
        ))
    }
}

// ------------------------------------------------------------------------------------------------ TKG

/// 9999-12-31, as days since 1970-01-01: the last date a TKG time stamp may map to.
const LAST_DAY: i32 = 2_932_896;

/// How TKG benchmark time stamps map to dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TkgCalendar {
    /// Day 0 of the benchmark, as days since 1970-01-01.
    pub epoch_days: i32,
    /// Time units per day (24 for the ICEWS benchmarks, whose stamps are hours in steps of 24).
    pub units_per_day: i64,
}

/// Names of a TKG benchmark's entities and relations, by id.
#[derive(Debug, Default)]
pub struct TkgVocabulary {
    pub entities: HashMap<i64, String>,
    pub relations: HashMap<i64, String>,
}

/// Reads `name<TAB>id` lines (CRLF tolerated) or a JSON object `{name: id}`.
pub(crate) fn parse_id_map(text: &str) -> Result<HashMap<i64, String>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let map: HashMap<String, i64> =
            serde_json::from_str(trimmed).map_err(|e| format!("bad JSON id map: {e}"))?;
        return Ok(map.into_iter().map(|(name, id)| (id, name)).collect());
    }
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let (name, id) = line
            .rsplit_once('\t')
            .ok_or_else(|| format!("line {}: want name<TAB>id", i + 1))?;
        let id: i64 = id
            .trim()
            .parse()
            .map_err(|_| format!("line {}: bad id '{id}'", i + 1))?;
        out.insert(id, name.to_string());
    }
    Ok(out)
}

pub(crate) struct TkgIdsParser {
    pub vocabulary: Arc<TkgVocabulary>,
    pub calendar: TkgCalendar,
    pub split: Option<String>,
}

pub(crate) struct TkgNamedParser {
    pub split: Option<String>,
}

struct TkgFact<'a> {
    subject: &'a str,
    relation: &'a str,
    object: &'a str,
    date: i32,
    ids: Option<(i32, i32, i32)>,
}

fn append_tkg(
    fact: TkgFact<'_>,
    split: Option<&str>,
    ctx: &LineContext<'_>,
    out: &mut MonthlyRows,
) -> FieldResult<u64> {
    let code = cameo::icews_event_code(fact.relation).ok_or_else(|| {
        LineError::new(
            RejectKind::UnknownCode,
            format!("unknown relation '{}': no CAMEO code for it", fact.relation),
        )
    })?;
    let (goldstein, quad) = cameo::derived_scores(code).ok_or_else(|| {
        LineError::new(RejectKind::UnknownCode, "CAMEO code without a root class")
    })?;
    let s = cameo::resolve_icews_actor(fact.subject);
    let o = cameo::resolve_icews_actor(fact.object);
    let row = EventRow {
        event_date: Some(fact.date),
        dataset: Some(Dataset::Tkg.as_str()),
        actor1_name: Some(fact.subject),
        actor1_country_code: s.country_code,
        actor1_type1_code: s.type_code,
        actor2_name: Some(fact.object),
        actor2_country_code: o.country_code,
        actor2_type1_code: o.type_code,
        event_text: Some(fact.relation),
        event_code: Some(code),
        event_base_code: Some(cameo::base_of(code)),
        event_root_code: cameo::root_of(code),
        quad_class: Some(quad as i8),
        goldstein: Some(goldstein),
        kg_subject_id: fact.ids.map(|i| i.0),
        kg_relation_id: fact.ids.map(|i| i.1),
        kg_object_id: fact.ids.map(|i| i.2),
        kg_split: split,
        input_file: Some(ctx.input),
        line_number: Some(ctx.line_number as i64),
        ..Default::default()
    };
    out.append(&row)
        .map_err(|e| LineError::new(RejectKind::MissingValue, e.to_string()))?;
    Ok(event_key(
        Dataset::Tkg,
        &[
            fact.subject.as_bytes(),
            fact.relation.as_bytes(),
            fact.object.as_bytes(),
            &fact.date.to_le_bytes(),
        ],
    ))
}

impl LineParser for TkgIdsParser {
    fn parse(&self, line: &str, ctx: &LineContext<'_>, out: &mut MonthlyRows) -> FieldResult<u64> {
        let line = line.trim_end_matches('\r');
        let (f, n) = split_tabs::<5>(line);
        if n != 4 && n != 5 {
            return Err(LineError::new(
                RejectKind::ColumnCount,
                format!("expected 4 or 5 columns (subject relation object time [-1]), found {n}"),
            ));
        }
        let s = req_i64(f[0], "subject")?;
        let r = req_i64(f[1], "relation")?;
        let o = req_i64(f[2], "object")?;
        let t = req_i64(f[3], "time")?;
        fn name<'m>(map: &'m HashMap<i64, String>, id: i64, what: &str) -> FieldResult<&'m str> {
            map.get(&id).map(String::as_str).ok_or_else(|| {
                LineError::new(RejectKind::BadValue, format!("unknown {what} id {id}"))
            })
        }
        let subject = name(&self.vocabulary.entities, s, "entity")?;
        let relation = name(&self.vocabulary.relations, r, "relation")?;
        let object = name(&self.vocabulary.entities, o, "entity")?;
        if t < 0 || t % self.calendar.units_per_day != 0 {
            return Err(LineError::new(
                RejectKind::BadValue,
                format!(
                    "time {t} is not a whole day in units of 1/{} day",
                    self.calendar.units_per_day
                ),
            ));
        }
        let date = i32::try_from(t / self.calendar.units_per_day)
            .ok()
            .and_then(|d| d.checked_add(self.calendar.epoch_days))
            // Dates past the year 9999 are no calendar date anyone means (and overflow calendar arithmetic).
            .filter(|&d| d <= LAST_DAY)
            .ok_or_else(|| {
                LineError::new(RejectKind::OutOfRange, format!("time {t} out of range"))
            })?;
        let ids = (
            i32::try_from(s).ok(),
            i32::try_from(r).ok(),
            i32::try_from(o).ok(),
        );
        let ids = match ids {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        };
        append_tkg(
            TkgFact {
                subject,
                relation,
                object,
                date,
                ids,
            },
            self.split.as_deref(),
            ctx,
            out,
        )
    }
}

impl LineParser for TkgNamedParser {
    fn parse(&self, line: &str, ctx: &LineContext<'_>, out: &mut MonthlyRows) -> FieldResult<u64> {
        let line = line.trim_end_matches('\r');
        let (f, n) = split_tabs::<4>(line);
        if n != 4 {
            return Err(LineError::new(
                RejectKind::ColumnCount,
                format!("expected 4 columns (subject relation object date), found {n}"),
            ));
        }
        let date = iso_date(f[3], "date")?;
        // The TLogic copies write spaces as underscores ("Government_(India)").
        let unscore = |s: &str| {
            if s.contains(' ') {
                s.to_string()
            } else {
                s.replace('_', " ")
            }
        };
        let (subject, relation, object) = (unscore(f[0]), unscore(f[1]), unscore(f[2]));
        if subject.is_empty() || object.is_empty() {
            return Err(LineError::new(
                RejectKind::MissingValue,
                "empty subject or object",
            ));
        }
        let fact = TkgFact {
            subject: &subject,
            relation: &relation,
            object: &object,
            date,
            ids: None,
        };
        append_tkg(fact, self.split.as_deref(), ctx, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_respect_part_boundaries_and_datasets() {
        let k = |d, parts: &[&[u8]]| event_key(d, parts);
        assert_ne!(
            k(Dataset::Tkg, &[b"ab", b"c"]),
            k(Dataset::Tkg, &[b"a", b"bc"])
        );
        assert_ne!(k(Dataset::Gdelt1, &[b"1"]), k(Dataset::Gdelt2, &[b"1"]));
        assert_eq!(
            k(Dataset::Icews, &[b"7", b"x"]),
            k(Dataset::Icews, &[b"7", b"x"])
        );
    }

    #[test]
    fn id_maps_read_tsv_with_crlf_and_json() {
        let tsv = parse_id_map("India\t0\r\nGovernment (India)\t1\r\n").unwrap();
        assert_eq!(tsv[&1], "Government (India)");
        let json = parse_id_map(r#"{"Make_statement": 0, "Consult": 1}"#).unwrap();
        assert_eq!(json[&0], "Make_statement");
        assert!(parse_id_map("India\tzero\n").is_err());
    }
}
