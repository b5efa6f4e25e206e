//! Natural Earth's country shapes (1:50m, from world-atlas 2.0.2; `data/SOURCE.md`), decoded from TopoJSON once.

use std::sync::OnceLock;

use serde_json::Value;

use crate::codes::{SHAPES_WITHOUT_ISO, iso_name, iso3_of_numeric};

/// The TopoJSON file as published in the npm package, byte for byte.
pub const COUNTRIES_TOPOJSON: &str = include_str!("../data/countries-50m.json");
/// Where the shapes come from, for legends and `--help`.
pub const ATTRIBUTION: &str = "Natural Earth 1:50m (public domain), via world-atlas 2.0.2";

/// One state's (or territory's) outline.
#[derive(Debug, Clone)]
pub struct Shape {
    /// ISO 3166-1 alpha-3 code; `None` for a shape no state is coloured by (Siachen Glacier).
    pub iso3: Option<&'static str>,
    /// Natural Earth's short name ("Russia", "Dem. Rep. Congo").
    pub name: String,
    /// Polygons, each a list of rings (outer first) of (longitude, latitude) in degrees.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the compiled-in country shapes do not decode: {0}")]
pub struct ShapeError(String);

/// Every shape, decoded on first use (about 240 shapes, 80,000 points; a few milliseconds).
pub fn shapes() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    // The file is compiled in and tested (`tests::every_shape_decodes`): a failure here is a build defect.
    SHAPES.get_or_init(|| decode(COUNTRIES_TOPOJSON).expect("compiled-in shapes decode"))
}

/// The shape of a state by ISO alpha-3 code.
pub fn shape_of(iso3: &str) -> Option<&'static Shape> {
    shapes().iter().find(|s| s.iso3 == Some(iso3))
}

fn err(what: &str) -> ShapeError {
    ShapeError(what.to_string())
}

/// Decodes a TopoJSON topology's `countries` object: quantised, delta-encoded arcs shared between neighbours.
fn decode(text: &str) -> Result<Vec<Shape>, ShapeError> {
    let topology: Value = serde_json::from_str(text).map_err(|e| ShapeError(e.to_string()))?;
    let pair = |v: &Value| -> Option<[f64; 2]> { Some([v.get(0)?.as_f64()?, v.get(1)?.as_f64()?]) };
    let transform = &topology["transform"];
    let scale = pair(&transform["scale"]).ok_or_else(|| err("no transform.scale"))?;
    let translate = pair(&transform["translate"]).ok_or_else(|| err("no transform.translate"))?;
    let arcs: Vec<Vec<[f64; 2]>> = topology["arcs"]
        .as_array()
        .ok_or_else(|| err("no arcs"))?
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0.0, 0.0);
            arc.as_array()
                .into_iter()
                .flatten()
                .filter_map(pair)
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    [x * scale[0] + translate[0], y * scale[1] + translate[1]]
                })
                .collect()
        })
        .collect();
    let ring = |indices: &Value| -> Result<Vec<[f64; 2]>, ShapeError> {
        let mut points: Vec<[f64; 2]> = Vec::new();
        for index in indices
            .as_array()
            .ok_or_else(|| err("a ring is not a list"))?
        {
            let i = index
                .as_i64()
                .ok_or_else(|| err("an arc index is not a number"))?;
            // A negative index ~i is arc i reversed.
            let (k, reversed) = if i < 0 { (!i, true) } else { (i, false) };
            let arc = arcs
                .get(k as usize)
                .ok_or_else(|| err("an arc index is out of range"))?;
            let mut part = arc.clone();
            if reversed {
                part.reverse();
            }
            // Consecutive arcs share their joining point.
            let skip = usize::from(!points.is_empty());
            points.extend(part.into_iter().skip(skip));
        }
        Ok(points)
    };
    // A ring that crosses the antimeridian becomes one ring per side (world-atlas 2 leaves the cutting to the
    // renderer); each polygon keeps its rings, outer ones first.
    let polygon = |rings: &Value| -> Result<Vec<Vec<[f64; 2]>>, ShapeError> {
        let mut out = Vec::new();
        for r in rings
            .as_array()
            .ok_or_else(|| err("a polygon is not a list"))?
        {
            out.extend(split_at_antimeridian(ring(r)?));
        }
        Ok(out)
    };
    let geometries = topology["objects"]["countries"]["geometries"]
        .as_array()
        .ok_or_else(|| err("no objects.countries.geometries"))?;
    let mut shapes = Vec::with_capacity(geometries.len());
    for g in geometries {
        let name = g["properties"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        // No state, and below the maps' southern edge; its ring also circles the pole, which no cut can draw.
        if name == "Antarctica" {
            continue;
        }
        let polygons = match g["type"].as_str() {
            Some("Polygon") => vec![polygon(&g["arcs"])?],
            Some("MultiPolygon") => g["arcs"]
                .as_array()
                .ok_or_else(|| err("a multipolygon is not a list"))?
                .iter()
                .map(polygon)
                .collect::<Result<_, _>>()?,
            _ => continue,
        };
        let numeric = g["id"].as_str().and_then(|id| id.parse::<u16>().ok());
        let iso3 = match numeric {
            Some(n) => iso3_of_numeric(n),
            None => SHAPES_WITHOUT_ISO
                .iter()
                .find(|(n, _, _)| *n == name)
                .and_then(|&(_, iso, _)| iso),
        };
        shapes.push(Shape {
            iso3,
            name: if name.is_empty() {
                iso3.and_then(iso_name).unwrap_or_default().to_string()
            } else {
                name
            },
            polygons,
        });
    }
    Ok(shapes)
}

/// Cuts a ring at ±180° longitude: its longitudes are made continuous (a step over 180° is a crossing), and the
/// ring is clipped to [−180°, 180°] as it stands and shifted by ±360°, so each side of the map gets its part.
/// Points along a cut are added every degree of latitude, so the cut follows the map's curved edge.
fn split_at_antimeridian(ring: Vec<[f64; 2]>) -> Vec<Vec<[f64; 2]>> {
    let mut unwrapped: Vec<[f64; 2]> = Vec::with_capacity(ring.len());
    let mut offset = 0.0;
    for [lon, lat] in ring {
        if let Some(&[previous, _]) = unwrapped.last() {
            let step = lon + offset - previous;
            if step > 180.0 {
                offset -= 360.0;
            } else if step < -180.0 {
                offset += 360.0;
            }
        }
        unwrapped.push([lon + offset, lat]);
    }
    let (west, east) = unwrapped
        .iter()
        .fold((f64::MAX, f64::MIN), |(w, e), p| (w.min(p[0]), e.max(p[0])));
    if west >= -180.0 && east <= 180.0 {
        return vec![unwrapped];
    }
    [-360.0, 0.0, 360.0]
        .into_iter()
        .filter(|shift| east + shift > -180.0 && west + shift < 180.0)
        .map(|shift| {
            let shifted: Vec<[f64; 2]> = unwrapped.iter().map(|&[x, y]| [x + shift, y]).collect();
            densify_cuts(clip(clip(shifted, -180.0, false), 180.0, true))
        })
        .filter(|r| r.len() >= 3)
        .collect()
}

/// Sutherland–Hodgman against one meridian: keeps the part west of it (`keep_west`) or east of it.
fn clip(ring: Vec<[f64; 2]>, meridian: f64, keep_west: bool) -> Vec<[f64; 2]> {
    let inside = |p: &[f64; 2]| {
        if keep_west {
            p[0] <= meridian
        } else {
            p[0] >= meridian
        }
    };
    let cross = |a: &[f64; 2], b: &[f64; 2]| {
        let t = (meridian - a[0]) / (b[0] - a[0]);
        [meridian, a[1] + t * (b[1] - a[1])]
    };
    let mut out = Vec::with_capacity(ring.len());
    for (i, current) in ring.iter().enumerate() {
        let previous = &ring[(i + ring.len() - 1) % ring.len()];
        match (inside(previous), inside(current)) {
            (true, true) => out.push(*current),
            (true, false) => out.push(cross(previous, current)),
            (false, true) => {
                out.push(cross(previous, current));
                out.push(*current);
            }
            (false, false) => {}
        }
    }
    out
}

/// Adds points every degree of latitude between consecutive points that both lie on a cut.
fn densify_cuts(ring: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    let on_cut = |p: &[f64; 2]| p[0].abs() == 180.0;
    let mut out = Vec::with_capacity(ring.len());
    for (i, p) in ring.iter().enumerate() {
        out.push(*p);
        let next = &ring[(i + 1) % ring.len()];
        if on_cut(p) && on_cut(next) && p[0] == next[0] {
            let steps = (next[1] - p[1]).abs().floor() as usize;
            for k in 1..steps {
                let t = k as f64 / steps as f64;
                out.push([p[0], p[1] + t * (next[1] - p[1])]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_across_the_antimeridian_is_cut_in_two() {
        let ring = vec![[170.0, 0.0], [-170.0, 0.0], [-170.0, 10.0], [170.0, 10.0]];
        let parts = split_at_antimeridian(ring);
        assert_eq!(parts.len(), 2);
        for part in &parts {
            assert!(part.iter().all(|p| (-180.0..=180.0).contains(&p[0])));
            // Each part has its 10° of cut, densified.
            assert!(
                part.iter().filter(|p| p[0].abs() == 180.0).count() >= 10,
                "{part:?}"
            );
        }
        let inside = vec![[10.0, 0.0], [20.0, 0.0], [20.0, 10.0]];
        assert_eq!(split_at_antimeridian(inside.clone()), vec![inside]);
    }

    #[test]
    fn every_shape_decodes_with_a_code_except_the_disputed_glacier() {
        let all = shapes();
        // 241 in the file; Antarctica is left out.
        assert_eq!(all.len(), 240);
        let uncoded: Vec<&str> = all
            .iter()
            .filter(|s| s.iso3.is_none())
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(uncoded, vec!["Siachen Glacier"]);
        for s in all {
            assert!(!s.polygons.is_empty(), "{}", s.name);
            for [lon, lat] in s.polygons.iter().flatten().flatten() {
                assert!(
                    (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat),
                    "{}",
                    s.name
                );
            }
        }
    }

    #[test]
    fn shapes_sit_where_the_states_are() {
        let centre = |iso3: &str| {
            let s = shape_of(iso3).unwrap_or_else(|| panic!("{iso3} has a shape"));
            let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
            for p in s.polygons.iter().flatten().flatten() {
                for k in 0..2 {
                    lo[k] = lo[k].min(p[k]);
                    hi[k] = hi[k].max(p[k]);
                }
            }
            (lo, hi)
        };
        // India lies between 68°E–98°E and 6°N–36°N (with its islands); Pakistan between 60°E–78°E.
        let (lo, hi) = centre("IND");
        assert!(
            lo[0] > 67.0 && hi[0] < 98.0 && lo[1] > 6.0 && hi[1] < 36.5,
            "{lo:?} {hi:?}"
        );
        let (lo, hi) = centre("PAK");
        assert!(lo[0] > 60.0 && hi[0] < 78.0, "{lo:?} {hi:?}");
        // Russia crosses the antimeridian: cut there, it reaches both edges, and no edge of any ring spans
        // more than half the world (which would draw a line across the map).
        let (lo, hi) = centre("RUS");
        assert!(
            lo[0] < -169.0 && lo[0] >= -180.0 && hi[0] == 180.0,
            "{lo:?} {hi:?}"
        );
        for s in shapes() {
            for ring in s.polygons.iter().flatten() {
                for w in ring.windows(2) {
                    assert!((w[1][0] - w[0][0]).abs() < 180.0, "{}: {:?}", s.name, w);
                }
            }
        }
        assert_eq!(shape_of("SGP").map(|s| s.name.as_str()), Some("Singapore"));
        assert_eq!(shape_of("XKX").map(|s| s.name.as_str()), Some("Kosovo"));
        // Somaliland is drawn as part of Somalia: two shapes for SOM.
        assert_eq!(shapes().iter().filter(|s| s.iso3 == Some("SOM")).count(), 2);
    }
}
