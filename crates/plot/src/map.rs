//! World maps: filled shapes and sized points in pixel coordinates (the caller projects), with a colour legend.
//! The colour scales live here too, so the CLI's files and the API's colours (which the dashboard paints) are
//! the same numbers.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{PlotError, draw_err, register_fonts};

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Shapes with no events with the focus.
pub const NO_EVENTS: Rgb = (238, 238, 238);
/// Shapes with too few events for a reading.
pub const THIN: Rgb = (200, 200, 200);
/// The focal state(s).
pub const FOCUS: Rgb = (60, 60, 60);
const OCEAN: Rgb = (250, 252, 255);
const BORDER: Rgb = (255, 255, 255);

/// Red (hostile, −1) through near-white (neutral, 0) to blue (cooperative, +1): ColorBrewer's RdBu, 5 stops.
const DIVERGING: [Rgb; 5] = [
    (178, 24, 43),
    (239, 138, 98),
    (247, 247, 247),
    (103, 169, 207),
    (33, 102, 172),
];
/// Pale to dark blue for amounts (0 … 1): ColorBrewer's Blues, 3 stops.
const SEQUENTIAL: [Rgb; 3] = [(222, 235, 247), (107, 174, 214), (8, 48, 107)];

fn ramp(stops: &[Rgb], t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A colour scale: diverging around 0 over [−limit, limit], or sequential over [0, limit].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub diverging: bool,
    /// Values beyond it take the end colour.
    pub limit: f64,
}

impl Scale {
    pub fn colour(&self, value: f64) -> Rgb {
        let limit = if self.limit > 0.0 { self.limit } else { 1.0 };
        if self.diverging {
            ramp(&DIVERGING, (value / limit + 1.0) / 2.0)
        } else {
            ramp(&SEQUENTIAL, value / limit)
        }
    }

    /// The value at a position 0 … 1 along the legend.
    pub fn value_at(&self, t: f64) -> f64 {
        if self.diverging {
            (2.0 * t - 1.0) * self.limit
        } else {
            t * self.limit
        }
    }
}

/// `#rrggbb`.
pub fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// One filled shape: its polygons' rings, all filled (see [`world_map`]).
#[derive(Debug, Clone)]
pub struct Area {
    /// Polygons as rings of pixel (x, y).
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
    pub fill: Rgb,
}

/// A located mark: a circle at pixel (x, y).
#[derive(Debug, Clone)]
pub struct Mark {
    pub x: f64,
    pub y: f64,
    pub radius: f64,
    pub fill: Rgb,
}

/// A world map ready to draw.
#[derive(Debug, Clone)]
pub struct WorldMap {
    pub title: String,
    /// A second line: window, measure, source of the shapes.
    pub subtitle: String,
    pub width: u32,
    pub height: u32,
    pub areas: Vec<Area>,
    pub marks: Vec<Mark>,
    /// A colour bar, with the measure's name.
    pub scale: Option<(Scale, String)>,
    /// Swatches after the bar: (label, colour).
    pub swatches: Vec<(String, Rgb)>,
}

const LEGEND: u32 = 90;
const TITLE: u32 = 56;

/// Draws a world map to `path` (.svg or .png).
pub fn world_map(path: &Path, map: &WorldMap) -> Result<(), PlotError> {
    if map.areas.is_empty() {
        return Err(PlotError::Empty(map.title.clone()));
    }
    render!(
        path,
        (map.width, map.height + TITLE + LEGEND),
        draw_map(map)
    )
}

fn colour((r, g, b): Rgb) -> RGBColor {
    RGBColor(r, g, b)
}

fn map_rings(a: &Area) -> impl Iterator<Item = &Vec<(f64, f64)>> {
    a.polygons.iter().flatten()
}

fn draw_map<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: &WorldMap,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    area.fill(&WHITE).map_err(e)?;
    let (header, rest) = area.split_vertically(TITLE);
    let (body, footer) = rest.split_vertically(map.height);
    header
        .draw_text(
            &map.title,
            &("sans-serif", 22).into_text_style(&header),
            (14, 6),
        )
        .map_err(e)?;
    header
        .draw_text(
            &map.subtitle,
            &("sans-serif", 14).into_font().color(&RGBColor(90, 90, 90)),
            (14, 34),
        )
        .map_err(e)?;
    body.fill(&colour(OCEAN)).map_err(e)?;
    let pixel = |&(x, y): &(f64, f64)| (x.round() as i32, y.round() as i32);
    // Every ring is filled: holes in Natural Earth's countries are enclaves, which are shapes of their own and
    // drawn after (callers order areas largest first), and a shape cut at the antimeridian has several outlines.
    for a in &map.areas {
        for ring in map_rings(a) {
            let points: Vec<(i32, i32)> = ring.iter().map(pixel).collect();
            body.draw(&Polygon::new(points.clone(), colour(a.fill).filled()))
                .map_err(e)?;
            body.draw(&PathElement::new(points, colour(BORDER).stroke_width(1)))
                .map_err(e)?;
        }
    }
    for m in &map.marks {
        let centre = pixel(&(m.x, m.y));
        let r = m.radius.round().max(2.0) as i32;
        body.draw(&Circle::new(centre, r, colour(m.fill).mix(0.75).filled()))
            .map_err(e)?;
        body.draw(&Circle::new(centre, r, BLACK.mix(0.5).stroke_width(1)))
            .map_err(e)?;
    }
    let label = ("sans-serif", 13).into_font().color(&RGBColor(40, 40, 40));
    let mut x = 14i32;
    if let Some((scale, name)) = &map.scale {
        let (bar_w, bar_h, top) = (300i32, 14i32, 26i32);
        footer.draw_text(name, &label, (x, 4)).map_err(e)?;
        for i in 0..bar_w {
            let t = f64::from(i) / f64::from(bar_w - 1);
            footer
                .draw(&Rectangle::new(
                    [(x + i, top), (x + i + 1, top + bar_h)],
                    colour(scale.colour(scale.value_at(t))).filled(),
                ))
                .map_err(e)?;
        }
        for t in [0.0, 0.5, 1.0] {
            let v = scale.value_at(t);
            let text = if scale.limit >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            };
            let at = x + (t * f64::from(bar_w - 1)) as i32 - 8;
            footer
                .draw_text(&text, &label, (at, top + bar_h + 4))
                .map_err(e)?;
        }
        x += bar_w + 40;
    }
    for (name, fill) in &map.swatches {
        footer
            .draw(&Rectangle::new(
                [(x, 26), (x + 18, 40)],
                colour(*fill).filled(),
            ))
            .map_err(e)?;
        footer
            .draw(&Rectangle::new(
                [(x, 26), (x + 18, 40)],
                BLACK.mix(0.3).stroke_width(1),
            ))
            .map_err(e)?;
        footer.draw_text(name, &label, (x + 24, 27)).map_err(e)?;
        x += 30 + 8 * name.chars().count() as i32;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_run_from_end_to_end_through_neutral() {
        let d = Scale {
            diverging: true,
            limit: 0.5,
        };
        assert_eq!(d.colour(0.0), DIVERGING[2]);
        assert_eq!(d.colour(-0.5), DIVERGING[0]);
        assert_eq!(d.colour(9.0), DIVERGING[4]);
        assert_eq!(d.colour(f64::NAN), DIVERGING[0]);
        let s = Scale {
            diverging: false,
            limit: 100.0,
        };
        assert_eq!(s.colour(0.0), SEQUENTIAL[0]);
        assert_eq!(s.colour(100.0), SEQUENTIAL[2]);
        assert_eq!(hex((8, 48, 107)), "#08306b");
        assert_eq!(d.value_at(0.0), -0.5);
    }

    #[test]
    fn a_map_draws_to_svg_and_png() {
        let dir = std::env::temp_dir().join(format!("fulcrum-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let square = vec![vec![vec![
            (10.0, 10.0),
            (60.0, 10.0),
            (60.0, 60.0),
            (10.0, 60.0),
        ]]];
        let map = WorldMap {
            title: "t".into(),
            subtitle: "s".into(),
            width: 200,
            height: 100,
            areas: vec![Area {
                polygons: square,
                fill: (1, 2, 3),
            }],
            marks: vec![Mark {
                x: 100.0,
                y: 50.0,
                radius: 5.0,
                fill: (9, 9, 9),
            }],
            scale: Some((
                Scale {
                    diverging: true,
                    limit: 1.0,
                },
                "index".into(),
            )),
            swatches: vec![("too few events".into(), THIN)],
        };
        for name in ["m.svg", "m.png"] {
            world_map(&dir.join(name), &map).unwrap();
        }
        let svg = std::fs::read_to_string(dir.join("m.svg")).unwrap();
        assert!(
            svg.contains("#010203")
                || svg.contains("rgb(1,2,3)")
                || svg.contains("fill=\"#010203\""),
            "{}",
            &svg[..svg.len().min(400)]
        );
        assert!(matches!(
            world_map(&dir.join("m.gif"), &map),
            Err(PlotError::Extension(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
