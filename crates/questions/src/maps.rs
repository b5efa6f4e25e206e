//! The map questions: a focal state's ties with every other state (the relations map, or its change across a
//! date), and where the events between states were recorded (the event map). Both answers carry what any front
//! end draws — the colour of each state and point, computed here once — and [`shape_paths`] gives the shapes in
//! the same projection for the dashboard.

use std::collections::BTreeMap;

use fulcrum_events::{Located, LocatedEvent, Place, Resolver};
use fulcrum_geo::codes::{cameo_of_iso3, iso3_of_cameo};
use fulcrum_geo::{Frame, shapes};
use fulcrum_model::actors::ActorSpec;
use fulcrum_model::{ValueError, iso_date};
use fulcrum_plot::map::{Area, FOCUS, Mark, NO_EVENTS, Rgb, Scale, THIN, WorldMap, hex};
use fulcrum_query::QueryEngine;
use fulcrum_relations::balance::MIN_EVENTS;
use fulcrum_relations::ties::{TieMeasure, TieReading, TieShift, tie, tie_shift};

use crate::front::Request;
use crate::table::{Col, Table, floats, table};
use crate::{Actor, QuestionError, Questions, Span, Window, parse_day};

type Result<T> = std::result::Result<T, QuestionError>;

/// Width of the map's frame in pixels; the height follows from the projection.
pub const MAP_WIDTH: f64 = 1000.0;
const Z90: f64 = 1.644_853_626_951_472_2;

/// A window written as one value: `FROM..TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub from: i32,
    pub to: i32,
}

/// Parses `YYYY-MM-DD..YYYY-MM-DD`.
pub fn parse_days(s: &str) -> std::result::Result<Days, ValueError> {
    let bad = || ValueError::new(s, "a window", "FROM..TO, e.g. 2018-01-01..2018-10-31");
    let (from, to) = s.split_once("..").ok_or_else(bad)?;
    let (from, to) = (parse_day(from.trim())?, parse_day(to.trim())?);
    if from > to {
        return Err(ValueError::new(
            s,
            "a window",
            "a first day no later than the last",
        ));
    }
    Ok(Days { from, to })
}

/// The window with `--window FROM..TO` folded into `--from/--to`; both ways at once are refused (checked here,
/// not by clap's `conflicts_with`, which the query-string front end's one-argument value checks cannot carry).
fn windowed(window: &Window, days: Option<Days>) -> Result<Window> {
    match days {
        Some(_) if window.from.is_some() || window.to.is_some() => Err(QuestionError::Parameter(
            "give the window either as --window FROM..TO or as --from/--to, not both".into(),
        )),
        Some(d) => Ok(Window {
            from: Some(d.from),
            to: Some(d.to),
            ..window.clone()
        }),
        None => Ok(window.clone()),
    }
}

/// Which of a pair's events a relations map counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MapDirection {
    /// Either direction.
    #[default]
    Both,
    /// From the focus to the state.
    Out,
    /// From the state to the focus.
    In,
}

impl std::str::FromStr for MapDirection {
    type Err = ValueError;
    fn from_str(s: &str) -> std::result::Result<Self, ValueError> {
        match s.to_ascii_lowercase().as_str() {
            "both" => Ok(MapDirection::Both),
            "out" | "from" => Ok(MapDirection::Out),
            "in" | "to" => Ok(MapDirection::In),
            _ => Err(ValueError::new(
                s,
                "a direction",
                "both, out (focus → state) or in (state → focus)",
            )),
        }
    }
}

impl std::fmt::Display for MapDirection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MapDirection::Both => "both",
            MapDirection::Out => "out",
            MapDirection::In => "in",
        })
    }
}

// ------------------------------------------------------------------------------------------------ relations map

/// A focal state's ties with every other state over a window, or their change across a date.
#[derive(clap::Args, Debug, Clone)]
pub struct RelationsMapRequest {
    /// The focal state or group (CAMEO code, name, or SCO, BRICS, QUAD, NATO, EU).
    pub focus: ActorSpec,
    /// The window as FROM..TO (YYYY-MM-DD..YYYY-MM-DD), instead of --from and --to.
    #[arg(long = "window", value_name = "FROM..TO", value_parser = parse_days)]
    pub days: Option<Days>,
    #[command(flatten)]
    pub window: Window,
    /// What colours each state: index (evidence-weighted tie N/(W+10), −1 hostile … +1 cooperative), goldstein
    /// (mean score), events, or q1 … q4 (share of each QuadClass).
    #[arg(long, default_value = "index")]
    pub measure: TieMeasure,
    /// Which events count: both directions, out (focus → state) or in (state → focus).
    #[arg(long, default_value = "both")]
    pub direction: MapDirection,
    /// A difference map: each state's change across this date (YYYY-MM-DD; after − before).
    #[arg(long = "break", value_parser = parse_day)]
    pub break_day: Option<i32>,
    /// Fewest events for a colour (in each period of a difference map); below it a state is grey.
    #[arg(long, default_value_t = MIN_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_events: u64,
}

impl Request for RelationsMapRequest {}

/// One state on the relations map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MapState {
    /// The state's CAMEO code (as GDELT writes it) and name; for a code with no shape, the code as stored.
    pub code: String,
    pub name: String,
    /// ISO 3166-1 alpha-3 code of its shape; `None` for regions and codes not on the map.
    pub iso3: Option<String>,
    /// The stored codes counted as this state (ROM and ROU are Romania; GZS, WSB and PSE are Palestine).
    pub codes: Vec<String>,
    /// Over the whole window.
    pub reading: TieReading,
    /// Across the break date, for a difference map.
    pub shift: Option<TieShift>,
    /// What the map shows: the measure over the window, or its change across the break.
    pub value: f64,
    /// Its 90% band (normal approximation; the tie index's own band without a break).
    pub low: f64,
    pub high: f64,
    /// Whether there were enough events to colour it; else it is grey.
    pub coloured: bool,
    pub colour: String,
}

#[derive(Debug, Clone)]
pub struct RelationsMapAnswer {
    pub focus: Actor,
    /// Shapes of the focus (its state, or a group's members).
    pub focus_iso3: Vec<String>,
    pub span: Span,
    pub measure: TieMeasure,
    pub direction: MapDirection,
    pub break_day: Option<i32>,
    pub min_events: u64,
    pub scale: Scale,
    /// Coloured states by value (highest first), then grey ones by events.
    pub states: Vec<MapState>,
}

/// A "nice" upper end for a scale: 1, 2, 2.5 or 5 times a power of ten, at least `x`.
fn nice_ceiling(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&v| v >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// The colour scale of a map's values: symmetric around 0 for signed values, from 0 for amounts, reaching the
/// 95th percentile of the coloured states' magnitudes (one outlier does not wash out the rest); shares run to 1.
fn scale_for(values: &[f64], signed: bool, share: bool) -> Scale {
    if share && !signed {
        return Scale {
            diverging: false,
            limit: 1.0,
        };
    }
    let mut magnitudes: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.abs())
        .collect();
    magnitudes.sort_by(f64::total_cmp);
    let at = magnitudes
        .get(((magnitudes.len() as f64 * 0.95).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(1.0);
    Scale {
        diverging: signed,
        limit: nice_ceiling(at),
    }
}

/// One state's shape (ISO code), the stored codes counted as it, and its events with the focus.
type StatePartners = (Option<&'static str>, Vec<String>, Vec<fulcrum_model::Event>);

impl Questions<'_> {
    /// Every state's ties with the focus over the window (or their change across `break`), with map colours.
    pub fn relations_map(&self, r: &RelationsMapRequest) -> Result<RelationsMapAnswer> {
        let window = windowed(&r.window, r.days)?;
        let focus = std::slice::from_ref(&r.focus);
        let (loaded, span) = self.load_partners(focus, &window)?;
        if let Some(day) = r.break_day
            && !(span.from < day && day <= span.to)
        {
            return Err(QuestionError::Parameter(format!(
                "the break {} must fall after the window's first day {} and no later than its last {}",
                iso_date(day),
                iso_date(span.from),
                iso_date(span.to)
            )));
        }
        // Partners by the shape they are drawn as: every stored code of one state counts once.
        let mut by_state: BTreeMap<String, StatePartners> = BTreeMap::new();
        for (k, code) in loaded.partners.iter().enumerate() {
            let iso3 = iso3_of_cameo(code);
            let key = iso3.map_or_else(|| code.clone(), |i| cameo_of_iso3(i).to_string());
            let entry = by_state
                .entry(key)
                .or_insert_with(|| (iso3, Vec::new(), Vec::new()));
            entry.1.push(code.clone());
            let index = (k + 1) as u16;
            entry
                .2
                .extend(loaded.events.iter().filter(|e| match r.direction {
                    MapDirection::Both => e.src == index || e.dst == index,
                    MapDirection::Out => e.src == 0 && e.dst == index,
                    MapDirection::In => e.src == index && e.dst == 0,
                }));
        }
        self.limits.check()?;
        let days = |from: i32, to: i32| (to - from + 1).max(1) as u32;
        let mut states: Vec<MapState> = by_state
            .into_iter()
            .map(|(code, (iso3, codes, events))| {
                let reading = tie(&events, days(span.from, span.to), r.min_events);
                let shift = r.break_day.map(|b| {
                    let before = tie(
                        events.iter().filter(|e| e.day < b),
                        days(span.from, b - 1),
                        r.min_events,
                    );
                    let after = tie(
                        events.iter().filter(|e| e.day >= b),
                        days(b, span.to),
                        r.min_events,
                    );
                    tie_shift(before, after, r.measure)
                });
                let (value, low, high, coloured) = match &shift {
                    Some(s) => (
                        s.change,
                        s.change - Z90 * s.standard_error,
                        s.change + Z90 * s.standard_error,
                        s.before.events >= r.min_events && s.after.events >= r.min_events,
                    ),
                    None if r.measure == TieMeasure::Index => (
                        reading.index,
                        reading.index_low,
                        reading.index_high,
                        reading.events >= r.min_events,
                    ),
                    None => {
                        let (v, se) = (reading.value(r.measure), reading.standard_error(r.measure));
                        (
                            v,
                            v - Z90 * se,
                            v + Z90 * se,
                            reading.events >= r.min_events,
                        )
                    }
                };
                let name = iso3
                    .and_then(|i| {
                        fulcrum_model::cameo::country_label(cameo_of_iso3(i))
                            .or(fulcrum_geo::iso_name(i))
                    })
                    .or_else(|| fulcrum_model::cameo::country_label(&code))
                    .unwrap_or(&code)
                    .to_string();
                MapState {
                    code,
                    name,
                    iso3: iso3.map(str::to_string),
                    codes,
                    reading,
                    shift,
                    value,
                    low,
                    high,
                    coloured: coloured && value.is_finite(),
                    colour: String::new(),
                }
            })
            .collect();
        let coloured: Vec<f64> = states
            .iter()
            .filter(|s| s.coloured)
            .map(|s| s.value)
            .collect();
        let share = matches!(
            r.measure,
            TieMeasure::Q1 | TieMeasure::Q2 | TieMeasure::Q3 | TieMeasure::Q4
        );
        let scale = scale_for(
            &coloured,
            r.measure.signed() || r.break_day.is_some(),
            share,
        );
        for s in &mut states {
            let rgb = if s.coloured {
                scale.colour(s.value)
            } else if s.reading.events == 0 {
                NO_EVENTS
            } else {
                THIN
            };
            s.colour = hex(rgb);
        }
        states.sort_by(|x, y| {
            y.coloured
                .cmp(&x.coloured)
                .then_with(|| {
                    if x.coloured {
                        y.value.total_cmp(&x.value)
                    } else {
                        y.reading.events.cmp(&x.reading.events)
                    }
                })
                .then_with(|| x.code.cmp(&y.code))
        });
        let focus_iso3 = fulcrum_events::countries_of(focus)
            .iter()
            .filter_map(|c| iso3_of_cameo(c).map(str::to_string))
            .collect();
        Ok(RelationsMapAnswer {
            focus: Actor::of(&r.focus),
            focus_iso3,
            span,
            measure: r.measure,
            direction: r.direction,
            break_day: r.break_day,
            min_events: r.min_events,
            scale,
            states,
        })
    }
}

impl RelationsMapAnswer {
    /// What the map shows, in words.
    pub fn describe(&self) -> String {
        let what = self.measure.describe();
        let direction = match self.direction {
            MapDirection::Both => "both directions",
            MapDirection::Out => "from the focus",
            MapDirection::In => "toward the focus",
        };
        match self.break_day {
            Some(b) => format!(
                "change of the {what} at {} (after − before), {direction}",
                iso_date(b)
            ),
            None => format!("{what}, {direction}"),
        }
    }

    /// One sentence per side: the warmest and coldest coloured states, and how many are grey or off the map.
    pub fn summary(&self) -> String {
        let coloured: Vec<&MapState> = self.states.iter().filter(|s| s.coloured).collect();
        let names = |it: &mut dyn Iterator<Item = &&MapState>| {
            it.take(5)
                .map(|s| format!("{} {:+.2}", s.code, s.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let thin = self.states.iter().filter(|s| !s.coloured).count();
        let off = self
            .states
            .iter()
            .filter(|s| s.iso3.is_none())
            .map(|s| s.code.as_str())
            .collect::<Vec<_>>();
        let mut out = format!(
            "{} states with {} ({} .. {}): {} coloured, {} with fewer than {} events (grey)",
            self.states.len(),
            self.focus.code,
            iso_date(self.span.from),
            iso_date(self.span.to),
            coloured.len(),
            thin,
            self.min_events
        );
        if !coloured.is_empty() {
            out.push_str(&format!("\nhighest: {}", names(&mut coloured.iter())));
            out.push_str(&format!("\nlowest:  {}", names(&mut coloured.iter().rev())));
        }
        if !off.is_empty() {
            out.push_str(&format!(
                "\nnot on the map (regions or codes without a shape): {}",
                off.join(", ")
            ));
        }
        out
    }

    /// One row per state: the value shown with its band and colour, every reading, and the shift.
    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let v = &self.states;
        let text = |get: fn(&MapState) -> String| Col::Str(v.iter().map(get).collect());
        let mut columns = vec![
            ("code", text(|s| s.code.clone())),
            ("name", text(|s| s.name.clone())),
            ("iso3", text(|s| s.iso3.clone().unwrap_or_default())),
            ("codes", text(|s| s.codes.join(" "))),
            ("value", floats(v, |s| s.value)),
            ("low", floats(v, |s| s.low)),
            ("high", floats(v, |s| s.high)),
            ("coloured", text(|s| s.coloured.to_string())),
            ("colour", text(|s| s.colour.clone())),
            (
                "events",
                Col::U64(v.iter().map(|s| s.reading.events).collect()),
            ),
            ("index", floats(v, |s| s.reading.index)),
            ("index_low", floats(v, |s| s.reading.index_low)),
            ("index_high", floats(v, |s| s.reading.index_high)),
            (
                "tie",
                text(|s| format!("{:?}", s.reading.tie).to_lowercase()),
            ),
            ("goldstein", floats(v, |s| s.reading.mean_goldstein)),
            ("q1", floats(v, |s| s.reading.value(TieMeasure::Q1))),
            ("q2", floats(v, |s| s.reading.value(TieMeasure::Q2))),
            ("q3", floats(v, |s| s.reading.value(TieMeasure::Q3))),
            ("q4", floats(v, |s| s.reading.value(TieMeasure::Q4))),
        ];
        if self.break_day.is_some() {
            let shift = |get: fn(&TieShift) -> f64| {
                floats(v, move |s| s.shift.as_ref().map_or(f64::NAN, get))
            };
            let events = |get: fn(&TieShift) -> u64| {
                Col::U64(v.iter().map(|s| s.shift.as_ref().map_or(0, get)).collect())
            };
            let measure = self.measure;
            columns.extend([
                ("events_before", events(|t| t.before.events)),
                ("events_after", events(|t| t.after.events)),
                (
                    "before",
                    floats(v, move |s| {
                        s.shift
                            .as_ref()
                            .map_or(f64::NAN, |t| t.before.value(measure))
                    }),
                ),
                (
                    "after",
                    floats(v, move |s| {
                        s.shift
                            .as_ref()
                            .map_or(f64::NAN, |t| t.after.value(measure))
                    }),
                ),
                ("change_se", shift(|t| t.standard_error)),
                ("z", shift(|t| t.z)),
                ("p_value", shift(|t| t.p_value)),
            ]);
        }
        table(columns)
    }

    /// The map as a picture: every shape coloured by its state's value, the focus dark.
    pub fn chart(&self) -> WorldMap {
        let colours: BTreeMap<&str, Rgb> = self
            .states
            .iter()
            .filter_map(|s| Some((s.iso3.as_deref()?, parse_hex(&s.colour)?)))
            .collect();
        let frame = Frame::new(MAP_WIDTH);
        let areas = areas(&frame, |iso3| {
            if self.focus_iso3.iter().any(|f| f == iso3) {
                FOCUS
            } else {
                colours.get(iso3).copied().unwrap_or(NO_EVENTS)
            }
        });
        WorldMap {
            title: format!(
                "{} ({}) and every other state",
                self.focus.name, self.focus.code
            ),
            subtitle: format!(
                "{} .. {} · {} · shapes: {}",
                iso_date(self.span.from),
                iso_date(self.span.to),
                self.describe(),
                fulcrum_geo::shapes::ATTRIBUTION
            ),
            width: frame.width as u32,
            height: frame.height as u32,
            areas,
            marks: Vec::new(),
            scale: Some((self.scale, self.measure.to_string())),
            swatches: vec![
                (format!("fewer than {} events", self.min_events), THIN),
                ("no events".into(), NO_EVENTS),
                (self.focus.code.clone(), FOCUS),
            ],
        }
    }
}

fn parse_hex(s: &str) -> Option<Rgb> {
    let s = s.strip_prefix('#')?;
    let byte = |i: usize| u8::from_str_radix(s.get(i..i + 2)?, 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

/// Every shape in the frame, largest first (so enclaves are painted over the state around them).
fn areas(frame: &Frame, fill: impl Fn(&str) -> Rgb) -> Vec<Area> {
    let mut out: Vec<(f64, Area)> = shapes()
        .iter()
        .map(|shape| {
            let polygons: Vec<Vec<Vec<(f64, f64)>>> = shape
                .polygons
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|ring| {
                            ring.iter()
                                .map(|&[lon, lat]| frame.pixel(lon, lat))
                                .collect()
                        })
                        .collect()
                })
                .collect();
            let size = polygons
                .iter()
                .filter_map(|p| p.first())
                .map(|r| ring_area(r))
                .sum::<f64>();
            let colour = shape.iso3.map_or(NO_EVENTS, &fill);
            (
                size,
                Area {
                    polygons,
                    fill: colour,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.into_iter().map(|(_, a)| a).collect()
}

fn ring_area(ring: &[(f64, f64)]) -> f64 {
    let mut twice = 0.0;
    for (i, &(x0, y0)) in ring.iter().enumerate() {
        let (x1, y1) = ring[(i + 1) % ring.len()];
        twice += x0 * y1 - x1 * y0;
    }
    (twice / 2.0).abs()
}

/// One shape as the dashboard draws it: an SVG path in the map's frame ([`MAP_WIDTH`] wide).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShapePath {
    pub iso3: Option<String>,
    /// The CAMEO code a relations map's rows use for this shape.
    pub code: Option<String>,
    pub name: String,
    pub d: String,
}

/// Every shape as an SVG path, and the frame's size.
pub fn shape_paths() -> (Frame, Vec<ShapePath>) {
    let frame = Frame::new(MAP_WIDTH);
    let paths = shapes()
        .iter()
        .map(|s| ShapePath {
            iso3: s.iso3.map(str::to_string),
            code: s.iso3.map(|i| cameo_of_iso3(i).to_string()),
            name: s.name.clone(),
            d: frame.svg_path(&s.polygons),
        })
        .collect();
    (frame, paths)
}

// ------------------------------------------------------------------------------------------------ event map

/// Where the events between states (or of one type) were recorded.
#[derive(clap::Args, Debug, Clone)]
pub struct EventMapRequest {
    /// Two actors: the events between them; one: its events with anyone; none: every event of --code.
    #[arg(num_args = 0..=2, value_name = "ACTOR")]
    pub actors: Vec<ActorSpec>,
    /// The window as FROM..TO (YYYY-MM-DD..YYYY-MM-DD), instead of --from and --to.
    #[arg(long = "window", value_name = "FROM..TO", value_parser = parse_days)]
    pub days: Option<Days>,
    #[command(flatten)]
    pub window: Window,
    /// Only events whose CAMEO code starts with these digits (19: fight; 042: make a visit).
    #[arg(long)]
    pub code: Option<String>,
    /// Which recorded place: action (where it happened), actor1 or actor2 (where each actor is; GDELT only).
    #[arg(long, default_value = "action")]
    pub place: Place,
    /// Most places returned, the busiest first.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_points: u64,
}

impl Request for EventMapRequest {}

/// One event behind a point, for the drill-down.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PointEvent {
    pub date: String,
    pub code: String,
    pub quad_class: i8,
    pub goldstein: f64,
    pub actor1: Option<String>,
    pub actor2: Option<String>,
    pub event_id: Option<i64>,
    pub source_url: Option<String>,
    pub dataset: String,
}

/// The events recorded at one place.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventPoint {
    pub lat: f64,
    pub lon: f64,
    /// Pixel position in the map's frame (the projection the shapes are drawn in).
    pub x: f64,
    pub y: f64,
    pub place: Option<String>,
    pub country: Option<String>,
    pub events: u64,
    /// Events per QuadClass 1–4.
    pub quad: [u64; 4],
    /// The most frequent QuadClass (the lower on a tie): the point's colour.
    pub quad_class: u8,
    pub colour: String,
    /// Radius in pixels: area proportional to the number of events.
    pub radius: f64,
    pub first: String,
    pub last: String,
    /// Up to ten of its events, the latest first.
    pub sample: Vec<PointEvent>,
}

#[derive(Debug, Clone)]
pub struct EventMapAnswer {
    pub actors: Vec<Actor>,
    pub code: Option<String>,
    pub place: Place,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub located: u64,
    pub without_coordinates: u64,
    /// Places left out beyond `max_points` (the quietest).
    pub dropped_points: u64,
    pub points: Vec<EventPoint>,
}

/// QuadClass colours: greens for cooperation, oranges and red for conflict.
pub const QUAD_COLOURS: [Rgb; 4] = [(26, 150, 65), (102, 189, 99), (253, 174, 97), (215, 25, 28)];
const SAMPLE: usize = 10;

/// Where events happened, read from the store by SQL (an event map needs columns the in-memory table does not hold).
pub fn event_map(
    engine: &QueryEngine,
    resolver: Option<&Resolver>,
    r: &EventMapRequest,
) -> Result<EventMapAnswer> {
    if let Some(code) = &r.code
        && (code.is_empty() || code.len() > 4 || !code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(QuestionError::Parameter(format!(
            "code '{code}' is not a CAMEO code or its start: 1 to 4 digits, e.g. 19 or 042"
        )));
    }
    if r.actors.is_empty() && r.code.is_none() {
        return Err(QuestionError::Parameter(
            "an event map needs one or two actors, or a --code (every event of that type)".into(),
        ));
    }
    let window = windowed(&r.window, r.days)?;
    let selection = window.selection()?;
    let Located {
        events,
        without_coordinates,
    } = fulcrum_events::located(
        engine,
        &r.actors,
        &selection,
        resolver,
        r.code.as_deref(),
        r.place,
    )?;
    let located = events.len() as u64;
    let mut at: BTreeMap<(i64, i64), Vec<LocatedEvent>> = BTreeMap::new();
    for e in events {
        // Places closer than about 10 m are one place.
        at.entry(((e.lat * 1e4).round() as i64, (e.lon * 1e4).round() as i64))
            .or_default()
            .push(e);
    }
    let mut groups: Vec<Vec<LocatedEvent>> = at.into_values().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let keep = (r.max_points as usize).min(groups.len());
    let dropped_points = (groups.len() - keep) as u64;
    groups.truncate(keep);
    let busiest = groups.first().map_or(1, Vec::len) as f64;
    let frame = Frame::new(MAP_WIDTH);
    let points = groups
        .into_iter()
        .map(|mut events| {
            let mut quad = [0u64; 4];
            for e in &events {
                if (1..=4).contains(&e.quad_class) {
                    quad[e.quad_class as usize - 1] += 1;
                }
            }
            let quad_class = (0..4)
                .max_by_key(|&k| (quad[k], std::cmp::Reverse(k)))
                .unwrap_or(0) as u8
                + 1;
            let (lat, lon) = (events[0].lat, events[0].lon);
            let (x, y) = frame.pixel(lon, lat);
            let n = events.len() as f64;
            let first = events.iter().map(|e| e.day).min().unwrap_or_default();
            let last = events.iter().map(|e| e.day).max().unwrap_or_default();
            events.sort_by_key(|e| std::cmp::Reverse(e.day));
            let place = events.iter().find_map(|e| e.place.clone());
            let country = events.iter().find_map(|e| e.place_country.clone());
            let sample = events
                .iter()
                .take(SAMPLE)
                .map(|e| PointEvent {
                    date: iso_date(e.day),
                    code: e.code.clone(),
                    quad_class: e.quad_class,
                    goldstein: e.goldstein,
                    actor1: e.actor1.clone(),
                    actor2: e.actor2.clone(),
                    event_id: e.event_id,
                    source_url: e.source_url.clone(),
                    dataset: e.dataset.clone(),
                })
                .collect();
            EventPoint {
                lat,
                lon,
                x: (x * 10.0).round() / 10.0,
                y: (y * 10.0).round() / 10.0,
                place,
                country,
                events: n as u64,
                quad,
                quad_class,
                colour: hex(QUAD_COLOURS[quad_class as usize - 1]),
                radius: ((2.5 + 14.0 * (n / busiest).sqrt()) * 10.0).round() / 10.0,
                first: iso_date(first),
                last: iso_date(last),
                sample,
            }
        })
        .collect();
    Ok(EventMapAnswer {
        actors: r.actors.iter().map(Actor::of).collect(),
        code: r.code.clone(),
        place: r.place,
        from: selection.from,
        to: selection.to,
        located,
        without_coordinates,
        dropped_points,
        points,
    })
}

impl EventMapAnswer {
    fn what(&self) -> String {
        let mut what = match self.actors.as_slice() {
            [] => "events".to_string(),
            [a] => format!("events of {}", a.code),
            [a, b, ..] => format!("events between {} and {}", a.code, b.code),
        };
        if let Some(code) = &self.code {
            what.push_str(&format!(" with a code starting {code}"));
        }
        what
    }

    /// How many events are on the map, and how many could not be.
    pub fn summary(&self) -> String {
        let total = self.located + self.without_coordinates;
        let mut out = format!(
            "{}: {} of {} have coordinates ({} place), at {} places",
            self.what(),
            self.located,
            total,
            self.place,
            self.points.len()
        );
        if self.without_coordinates > 0 {
            out.push_str(&format!(
                "; {} without coordinates are not on the map (TKG facts and some reports have none)",
                self.without_coordinates
            ));
        }
        if self.dropped_points > 0 {
            out.push_str(&format!(
                "; the {} quietest places are left out (--max-points)",
                self.dropped_points
            ));
        }
        out
    }

    /// One row per place.
    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let v = &self.points;
        let text = |get: fn(&EventPoint) -> String| Col::Str(v.iter().map(get).collect());
        let quad = |k: usize| Col::U64(v.iter().map(|p| p.quad[k]).collect());
        table(vec![
            ("lat", floats(v, |p| p.lat)),
            ("lon", floats(v, |p| p.lon)),
            ("place", text(|p| p.place.clone().unwrap_or_default())),
            ("country", text(|p| p.country.clone().unwrap_or_default())),
            ("events", Col::U64(v.iter().map(|p| p.events).collect())),
            ("q1", quad(0)),
            ("q2", quad(1)),
            ("q3", quad(2)),
            ("q4", quad(3)),
            (
                "quad_class",
                Col::U64(v.iter().map(|p| u64::from(p.quad_class)).collect()),
            ),
            ("first", text(|p| p.first.clone())),
            ("last", text(|p| p.last.clone())),
        ])
    }

    /// The points over the world's shapes.
    pub fn chart(&self) -> WorldMap {
        let frame = Frame::new(MAP_WIDTH);
        let window = match (self.from, self.to) {
            (Some(f), Some(t)) => format!("{} .. {}", iso_date(f), iso_date(t)),
            (Some(f), None) => format!("from {}", iso_date(f)),
            (None, Some(t)) => format!("to {}", iso_date(t)),
            (None, None) => "all days".into(),
        };
        WorldMap {
            title: format!("Where the {} were recorded", self.what()),
            subtitle: format!(
                "{window} · {} of {} events located · size: events · colour: most frequent QuadClass · shapes: {}",
                self.located,
                self.located + self.without_coordinates,
                fulcrum_geo::shapes::ATTRIBUTION
            ),
            width: frame.width as u32,
            height: frame.height as u32,
            areas: areas(&frame, |_| (225, 225, 225)),
            marks: self
                .points
                .iter()
                .rev()
                .map(|p| Mark {
                    x: p.x,
                    y: p.y,
                    radius: p.radius,
                    fill: QUAD_COLOURS[p.quad_class as usize - 1],
                })
                .collect(),
            scale: None,
            swatches: [
                "verbal cooperation",
                "material cooperation",
                "verbal conflict",
                "material conflict",
            ]
            .iter()
            .zip(QUAD_COLOURS)
            .map(|(n, c)| (n.to_string(), c))
            .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse_as_from_dot_dot_to() {
        let d = parse_days("2018-01-01..2018-10-31").unwrap();
        assert_eq!(
            (iso_date(d.from), iso_date(d.to)),
            ("2018-01-01".into(), "2018-10-31".into())
        );
        assert!(parse_days("2018-01-01").is_err());
        assert!(parse_days("2018-10-31..2018-01-01").is_err());
        assert!(parse_days("2018-13-01..2018-12-31").is_err());
    }

    #[test]
    fn scales_reach_a_nice_number_above_most_values() {
        assert_eq!(nice_ceiling(0.37), 0.5);
        assert_eq!(nice_ceiling(0.2), 0.2);
        assert_eq!(nice_ceiling(3.1), 5.0);
        assert_eq!(nice_ceiling(1234.0), 2000.0);
        assert_eq!(nice_ceiling(2001.0), 2500.0);
        let mut values: Vec<f64> = (1..=19).map(|i| f64::from(i) / 100.0).collect();
        values.push(0.9); // one outlier of twenty
        let s = scale_for(&values, true, false);
        assert!(s.diverging && s.limit == 0.2, "{s:?}");
        assert_eq!(scale_for(&[0.2], false, true).limit, 1.0);
        assert_eq!(scale_for(&[], true, false).limit, 1.0);
    }

    #[test]
    fn every_shape_has_a_path_in_the_frame() {
        let (frame, paths) = shape_paths();
        assert_eq!(paths.len(), shapes().len());
        let india = paths
            .iter()
            .find(|p| p.iso3.as_deref() == Some("IND"))
            .unwrap();
        assert_eq!(india.code.as_deref(), Some("IND"));
        assert!(india.d.starts_with('M') && india.d.ends_with('Z'));
        let romania = paths
            .iter()
            .find(|p| p.iso3.as_deref() == Some("ROU"))
            .unwrap();
        assert_eq!(romania.code.as_deref(), Some("ROM"));
        assert!(
            frame.height > 400.0 && frame.height < 600.0,
            "{}",
            frame.height
        );
        assert_eq!(parse_hex("#08306b"), Some((8, 48, 107)));
        assert_eq!(parse_hex("08306b"), None);
    }
}
