//! The Equal Earth projection (Šavrič, Patterson & Jenny 2018): equal-area, so a large state does not look more
//! important than it is, and pleasant for world maps. One implementation, used by the CLI's charts and, through
//! the paths and points the API sends, by the dashboard.

use std::fmt::Write;

const A1: f64 = 1.340264;
const A2: f64 = -0.081106;
const A3: f64 = 0.000893;
const A4: f64 = 0.003796;

/// Longitude and latitude in degrees → projected (x, y) with y growing northward (unit sphere).
pub fn equal_earth(lon: f64, lat: f64) -> (f64, f64) {
    let lambda = lon.to_radians();
    let phi = lat.clamp(-90.0, 90.0).to_radians();
    let theta = ((3f64.sqrt() / 2.0) * phi.sin()).asin();
    let t2 = theta * theta;
    let t6 = t2 * t2 * t2;
    let x = 2.0 * 3f64.sqrt() * lambda * theta.cos()
        / (3.0 * (A1 + 3.0 * A2 * t2 + t6 * (7.0 * A3 + 9.0 * A4 * t2)));
    let y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
    (x, y)
}

/// A map's frame: the world from 180°W to 180°E and from `south` to 85°N, projected and scaled to `width` pixels
/// (y downward, as SVG and bitmaps count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    x0: f64,
    y_top: f64,
    scale: f64,
}

/// The southern edge: Antarctica takes a sixth of a world map and holds no state.
pub const SOUTH: f64 = -58.0;
const NORTH: f64 = 85.0;

impl Frame {
    pub fn new(width: f64) -> Frame {
        let (x_left, _) = equal_earth(-180.0, 0.0);
        let (_, y_top) = equal_earth(0.0, NORTH);
        let (_, y_bottom) = equal_earth(0.0, SOUTH);
        let scale = width / (-2.0 * x_left);
        Frame {
            width,
            height: ((y_top - y_bottom) * scale).round(),
            x0: x_left,
            y_top,
            scale,
        }
    }

    /// Degrees → pixels.
    pub fn pixel(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = equal_earth(lon, lat);
        ((x - self.x0) * self.scale, (self.y_top - y) * self.scale)
    }

    /// An SVG path (`d` attribute) of polygons given as rings of (lon, lat), one decimal per coordinate.
    pub fn svg_path(&self, polygons: &[Vec<Vec<[f64; 2]>>]) -> String {
        let mut d = String::new();
        for ring in polygons.iter().flatten() {
            for (i, &[lon, lat]) in ring.iter().enumerate() {
                let (x, y) = self.pixel(lon, lat);
                let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { 'M' } else { 'L' });
            }
            d.push('Z');
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_earth_matches_published_values() {
        // The projection's extremes on the unit sphere (Šavrič et al. 2018, table 2): x at 180° on the equator
        // and y at the pole.
        let (x, y) = equal_earth(180.0, 0.0);
        assert!((x - 2.706_629_5).abs() < 1e-4, "{x}");
        assert_eq!(y, 0.0);
        let (x, y) = equal_earth(0.0, 90.0);
        assert_eq!(x, 0.0);
        assert!((y - 1.317_362_8).abs() < 1e-4, "{y}");
        // Symmetric, and monotone in latitude.
        let (xa, ya) = equal_earth(30.0, 45.0);
        let (xb, yb) = equal_earth(-30.0, -45.0);
        assert!((xa + xb).abs() < 1e-12 && (ya + yb).abs() < 1e-12);
        assert!(equal_earth(0.0, 46.0).1 > ya);
    }

    #[test]
    fn the_frame_spans_its_width_and_puts_north_up() {
        let f = Frame::new(1000.0);
        let (x, _) = f.pixel(-180.0, 0.0);
        assert!(x.abs() < 1e-9);
        let (x, _) = f.pixel(180.0, 0.0);
        assert!((x - 1000.0).abs() < 1e-9);
        let (_, north) = f.pixel(0.0, 60.0);
        let (_, south) = f.pixel(0.0, -30.0);
        assert!(north < south);
        let (_, bottom) = f.pixel(0.0, SOUTH);
        assert!((bottom - f.height).abs() <= 0.5);
        assert_eq!(
            f.svg_path(&[vec![vec![[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]]])
                .matches('L')
                .count(),
            2
        );
    }
}
