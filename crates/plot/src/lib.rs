//! Fulcrum's charts, drawn with plotters to SVG or PNG (by the file's extension). Text uses the DejaVu Sans
//! font compiled into the binary, so charts look the same on machines without fonts.
//!
//! Maps are in [`map`].
//!
//! Pure in the sense that matters: data in, one file out; no store, no printing.

use std::ops::Range;
use std::path::Path;
use std::sync::Once;

use fulcrum_model::civil_from_days;
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("{0}: the chart's file name must end in .svg or .png")]
    Extension(String),
    #[error("drawing {path}: {reason}")]
    Draw { path: String, reason: String },
    #[error("nothing to plot: {0}")]
    Empty(String),
}

/// One line of a dated chart.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    /// (day since 1970-01-01, value); NaN values leave gaps.
    pub points: Vec<(i32, f64)>,
    /// Days to mark with a dot on this line (e.g. change points).
    pub markers: Vec<i32>,
    /// Optional (lower, upper) band around the line, per point.
    pub band: Option<Vec<(f64, f64)>>,
}

/// A dated line chart.
#[derive(Debug, Clone)]
pub struct DatedChart {
    pub title: String,
    pub y_label: String,
    pub lines: Vec<Line>,
    /// Vertical lines with labels (e.g. a break date).
    pub events: Vec<(i32, String)>,
    /// A horizontal reference line (e.g. 0 for a tilt).
    pub zero_line: bool,
}

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 560;
/// Ten distinguishable colours (the "tab10" palette), so a five-state triad's ten pairs never share one.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

fn date_label(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn draw_err(path: &Path, e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Draws onto an SVG or PNG file (by extension) with `$draw`, a generic function over the backend.
macro_rules! render {
    ($path:expr, $size:expr, $draw:ident ( $($arg:expr),* )) => {{
        register_fonts();
        let path: &Path = $path;
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => {
                let area = SVGBackend::new(path, $size).into_drawing_area();
                $draw(&area, $($arg),*).map_err(|e| draw_err(path, e))?;
                area.present().map_err(|e| draw_err(path, e))
            }
            Some("png") => {
                let area = BitMapBackend::new(path, $size).into_drawing_area();
                $draw(&area, $($arg),*).map_err(|e| draw_err(path, e))?;
                area.present().map_err(|e| draw_err(path, e))
            }
            _ => Err(PlotError::Extension(path.display().to_string())),
        }
    }};
}

fn value_range(lines: &[Line]) -> Option<Range<f64>> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in lines {
        for (i, &(_, v)) in l.points.iter().enumerate() {
            for x in [
                Some(v),
                l.band.as_ref().map(|b| b[i].0),
                l.band.as_ref().map(|b| b[i].1),
            ]
            .into_iter()
            .flatten()
            {
                if x.is_finite() {
                    lo = lo.min(x);
                    hi = hi.max(x);
                }
            }
        }
    }
    if !lo.is_finite() {
        return None;
    }
    let pad = ((hi - lo) * 0.08).max(0.5);
    Some(lo - pad..hi + pad)
}

/// Draws a dated line chart to `path` (.svg or .png).
pub fn dated_chart(path: &Path, chart: &DatedChart) -> Result<(), PlotError> {
    let days: Vec<i32> = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .collect();
    let (Some(&first), Some(&last)) = (days.iter().min(), days.iter().max()) else {
        return Err(PlotError::Empty(chart.title.clone()));
    };
    let y = value_range(&chart.lines).ok_or_else(|| PlotError::Empty(chart.title.clone()))?;
    let x = first..last.max(first + 1);
    render!(path, (WIDTH, HEIGHT), draw_dated(chart, x, y))
}

fn draw_dated<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &DatedChart,
    x: Range<i32>,
    y: Range<f64>,
) -> Result<(), String> {
    {
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut c = ChartBuilder::on(area)
            .caption(&chart.title, ("sans-serif", 22))
            .margin(14)
            .margin_right(40)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x.clone(), y.clone())
            .map_err(|e| e.to_string())?;
        c.configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|d| date_label(*d))
            .x_desc("date")
            .y_desc(chart.y_label.as_str())
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        if chart.zero_line && y.start < 0.0 && y.end > 0.0 {
            c.draw_series(LineSeries::new(
                vec![(x.start, 0.0), (x.end, 0.0)],
                BLACK.mix(0.5),
            ))
            .map_err(|e| e.to_string())?;
        }
        for (i, line) in chart.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            if let Some(band) = &line.band {
                let upper: Vec<(i32, f64)> = line
                    .points
                    .iter()
                    .zip(band)
                    .filter(|(_, b)| b.1.is_finite())
                    .map(|(p, b)| (p.0, b.1))
                    .collect();
                let lower: Vec<(i32, f64)> = line
                    .points
                    .iter()
                    .zip(band)
                    .filter(|(_, b)| b.0.is_finite())
                    .map(|(p, b)| (p.0, b.0))
                    .rev()
                    .collect();
                let poly: Vec<(i32, f64)> = upper.into_iter().chain(lower).collect();
                if poly.len() > 2 {
                    c.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.15))))
                        .map_err(|e| e.to_string())?;
                }
            }
            // Split at NaNs so gaps show as gaps.
            let mut segments: Vec<Vec<(i32, f64)>> = vec![Vec::new()];
            for &(d, v) in &line.points {
                if v.is_finite() {
                    segments.last_mut().expect("one").push((d, v));
                } else if !segments.last().expect("one").is_empty() {
                    segments.push(Vec::new());
                }
            }
            let mut first_segment = true;
            for seg in segments.into_iter().filter(|s| !s.is_empty()) {
                let series = c
                    .draw_series(
                        LineSeries::new(seg.clone(), color.stroke_width(2))
                            .point_size(if seg.len() < 60 { 2 } else { 0 }),
                    )
                    .map_err(|e| e.to_string())?;
                if first_segment {
                    series.label(line.name.as_str()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                    });
                    first_segment = false;
                }
            }
            let marks: Vec<(i32, f64)> = line
                .markers
                .iter()
                .filter_map(|m| {
                    line.points
                        .iter()
                        .find(|p| p.0 == *m && p.1.is_finite())
                        .copied()
                })
                .collect();
            c.draw_series(
                marks
                    .into_iter()
                    .map(|p| TriangleMarker::new(p, 8, color.filled())),
            )
            .map_err(|e| e.to_string())?;
        }
        for (day, label) in &chart.events {
            if x.contains(day) {
                c.draw_series(LineSeries::new(
                    vec![(*day, y.start), (*day, y.end)],
                    RGBColor(90, 90, 90).stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
                c.draw_series(std::iter::once(Text::new(
                    format!(" {label}"),
                    (*day, y.end - (y.end - y.start) * 0.04),
                    ("sans-serif", 14),
                )))
                .map_err(|e| e.to_string())?;
            }
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// Impulse responses: `irf[h][(response, shock)]` with optional bands, as a grid of small charts.
pub fn irf_grid(
    path: &Path,
    title: &str,
    names: &[String],
    irf: &[Vec<Vec<f64>>],
    bands: Option<(&Grid, &Grid)>,
) -> Result<(), PlotError> {
    let k = names.len();
    if k == 0 || irf.is_empty() {
        return Err(PlotError::Empty(title.to_string()));
    }
    let cell = 230u32;
    render!(
        path,
        (cell * k as u32 + 40, cell * k as u32 + 70),
        draw_irf(title, names, irf, bands)
    )
}

type Grid = [Vec<Vec<f64>>];

fn draw_irf<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    names: &[String],
    irf: &Grid,
    bands: Option<(&Grid, &Grid)>,
) -> Result<(), String> {
    let k = names.len();
    let horizon = irf.len() - 1;
    {
        area.fill(&WHITE).map_err(|e| e.to_string())?;
        let (top, body) = area.split_vertically(50);
        top.draw_text(
            title,
            &TextStyle::from(("sans-serif", 20).into_font()),
            (20, 14),
        )
        .map_err(|e| e.to_string())?;
        let cells = body.split_evenly((k, k));
        for (idx, cell_area) in cells.iter().enumerate() {
            let (i, j) = (idx / k, idx % k);
            let values: Vec<f64> = (0..=horizon)
                .flat_map(|h| {
                    let mut v = vec![irf[h][i][j]];
                    if let Some((lo, hi)) = bands {
                        v.push(lo[h][i][j]);
                        v.push(hi[h][i][j]);
                    }
                    v
                })
                .filter(|v| v.is_finite())
                .collect();
            let lo = values.iter().cloned().fold(0.0f64, f64::min);
            let hi = values.iter().cloned().fold(0.0f64, f64::max);
            let pad = ((hi - lo) * 0.1).max(1e-9);
            let mut c = ChartBuilder::on(cell_area)
                .caption(format!("{} ← {}", names[i], names[j]), ("sans-serif", 12))
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(40)
                .build_cartesian_2d(0f64..horizon as f64, lo - pad..hi + pad)
                .map_err(|e| e.to_string())?;
            c.configure_mesh()
                .x_labels(5)
                .y_labels(4)
                .label_style(("sans-serif", 10))
                .light_line_style(WHITE)
                .draw()
                .map_err(|e| e.to_string())?;
            if let Some((l, u)) = bands {
                let poly: Vec<(f64, f64)> = (0..=horizon)
                    .map(|h| (h as f64, u[h][i][j]))
                    .chain((0..=horizon).rev().map(|h| (h as f64, l[h][i][j])))
                    .filter(|p| p.1.is_finite())
                    .collect();
                c.draw_series(std::iter::once(Polygon::new(poly, PALETTE[0].mix(0.18))))
                    .map_err(|e| e.to_string())?;
            }
            c.draw_series(LineSeries::new(
                vec![(0.0, 0.0), (horizon as f64, 0.0)],
                BLACK.mix(0.4),
            ))
            .map_err(|e| e.to_string())?;
            c.draw_series(LineSeries::new(
                (0..=horizon).map(|h| (h as f64, irf[h][i][j])),
                PALETTE[0].stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// World maps (after the `render!` macro they use).
pub mod map;

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> DatedChart {
        DatedChart {
            title: "RUS between IND and PAK".into(),
            y_label: "tilt (Goldstein points)".into(),
            lines: vec![Line {
                name: "tilt".into(),
                points: (0..30)
                    .map(|d| {
                        (
                            17_900 + d * 7,
                            if d == 5 {
                                f64::NAN
                            } else {
                                (d as f64 / 4.0).sin()
                            },
                        )
                    })
                    .collect(),
                markers: vec![17_900 + 70],
                band: Some(
                    (0..30)
                        .map(|d| ((d as f64 / 4.0).sin() - 0.3, (d as f64 / 4.0).sin() + 0.3))
                        .collect(),
                ),
            }],
            events: vec![(17_941, "Pulwama".into())],
            zero_line: true,
        }
    }

    #[test]
    fn writes_svg_and_png_with_text() {
        let dir = std::env::temp_dir().join(format!("fulcrum-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let svg = dir.join("c.svg");
        dated_chart(&svg, &chart()).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(
            text.contains("RUS between IND and PAK")
                && text.contains("Pulwama")
                && text.contains("2019-"),
            "title, event and dates drawn"
        );
        let png = dir.join("c.png");
        dated_chart(&png, &chart()).unwrap();
        assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
        assert!(matches!(
            dated_chart(&dir.join("c.txt"), &chart()),
            Err(PlotError::Extension(_))
        ));
        let irf = vec![vec![vec![1.0, 0.0], vec![0.5, 1.0]]; 5];
        irf_grid(
            &dir.join("irf.png"),
            "IRF",
            &["A→B".into(), "B→A".into()],
            &irf,
            Some((&irf, &irf)),
        )
        .unwrap();
        std::fs::remove_dir_all(&dir).ok();
    }
}
