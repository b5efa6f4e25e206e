//! Signed graphs of states and structural balance.
//!
//! Over a window, the weight of the pair {i, j} is the mean Goldstein score of the events between them in
//! either direction. Its sign is + above the neutral band, − below it, and 0 (no edge) inside it or without
//! events. A triangle with three edges is balanced when the product of its signs is positive ("the friend of
//! my friend is my friend", "the enemy of my enemy is my friend").
//!
//! * triangle index = balanced triangles / triangles (1 = fully balanced; NaN without triangles);
//! * frustration index = the least number of edges whose removal (or sign flip) makes the graph balanced,
//!   i.e. the minimum over splits of the states into two camps of (negative edges inside a camp + positive
//!   edges across camps). Computed exactly by enumerating the 2^(n−1) splits (n ≤ 20).

use crate::Event;

/// The most states [`frustration_index`] enumerates exactly.
pub const MAX_EXACT_STATES: usize = 20;

/// A signed graph over `n` states: `weight[i][j]` is the mean Goldstein of i–j events (NaN without events).
#[derive(Debug, Clone, PartialEq)]
pub struct SignedGraph {
    pub n: usize,
    pub weight: Vec<Vec<f64>>,
    pub events: Vec<Vec<u64>>,
    pub sign: Vec<Vec<i8>>,
}

/// Builds the signed graph of the events with `from <= day <= to`.
pub fn signed_graph(
    events: &[Event],
    n: usize,
    from: i32,
    to: i32,
    neutral_band: f64,
) -> SignedGraph {
    let mut sum = vec![vec![0.0; n]; n];
    let mut count = vec![vec![0u64; n]; n];
    for e in events.iter().filter(|e| e.day >= from && e.day <= to) {
        let (i, j) = (e.src as usize, e.dst as usize);
        if i >= n || j >= n || i == j {
            continue;
        }
        let (a, b) = (i.min(j), i.max(j));
        sum[a][b] += e.goldstein;
        count[a][b] += 1;
    }
    let mut weight = vec![vec![f64::NAN; n]; n];
    let mut events_m = vec![vec![0; n]; n];
    let mut sign = vec![vec![0i8; n]; n];
    for a in 0..n {
        for b in a + 1..n {
            let c = count[a][b];
            let w = if c == 0 {
                f64::NAN
            } else {
                sum[a][b] / c as f64
            };
            let s = if w > neutral_band {
                1
            } else if w < -neutral_band {
                -1
            } else {
                0
            };
            for (x, y) in [(a, b), (b, a)] {
                weight[x][y] = w;
                events_m[x][y] = c;
                sign[x][y] = s;
            }
        }
    }
    SignedGraph {
        n,
        weight,
        events: events_m,
        sign,
    }
}

/// Triangle counts of a signed graph.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Triangles {
    pub triangles: u64,
    pub balanced: u64,
    /// balanced / triangles; NaN without triangles.
    pub triangle_index: f64,
}

pub fn triangles(g: &SignedGraph) -> Triangles {
    let (mut total, mut balanced) = (0, 0);
    for i in 0..g.n {
        for j in i + 1..g.n {
            for k in j + 1..g.n {
                let p = g.sign[i][j] as i32 * g.sign[j][k] as i32 * g.sign[i][k] as i32;
                if p != 0 {
                    total += 1;
                    if p > 0 {
                        balanced += 1;
                    }
                }
            }
        }
    }
    Triangles {
        triangles: total,
        balanced,
        triangle_index: if total == 0 {
            f64::NAN
        } else {
            balanced as f64 / total as f64
        },
    }
}

/// The exact frustration index and one split into two camps that attains it (`camp[i]` is 0 or 1).
/// `None` when the graph has more than [`MAX_EXACT_STATES`] states.
pub fn frustration_index(g: &SignedGraph) -> Option<(u32, Vec<u8>)> {
    if g.n > MAX_EXACT_STATES {
        return None;
    }
    if g.n == 0 {
        return Some((0, Vec::new()));
    }
    let edges: Vec<(usize, usize, i8)> = (0..g.n)
        .flat_map(|i| (i + 1..g.n).map(move |j| (i, j)))
        .filter(|&(i, j)| g.sign[i][j] != 0)
        .map(|(i, j)| (i, j, g.sign[i][j]))
        .collect();
    let mut best = (u32::MAX, 0u32);
    // State 0 stays in camp 0: a split and its mirror image frustrate the same edges.
    for mask in 0..(1u32 << (g.n - 1)) {
        let camp = |i: usize| if i == 0 { 0 } else { (mask >> (i - 1)) & 1 };
        let frustrated = edges
            .iter()
            .filter(|&&(i, j, s)| (camp(i) == camp(j)) != (s > 0))
            .count() as u32;
        if frustrated < best.0 {
            best = (frustrated, mask);
        }
    }
    let camps = (0..g.n)
        .map(|i| {
            if i == 0 {
                0
            } else {
                ((best.1 >> (i - 1)) & 1) as u8
            }
        })
        .collect();
    Some((best.0, camps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_key;

    fn ev(src: u16, dst: u16, g: f64) -> Event {
        Event {
            day: 0,
            src,
            dst,
            code: code_key("042"),
            quad_class: 1,
            goldstein: g,
            tone: f64::NAN,
        }
    }

    #[test]
    fn balanced_and_unbalanced_triangles() {
        // 0 and 1 friends, both enemies of 2: balanced.
        let g = signed_graph(
            &[ev(0, 1, 5.0), ev(1, 2, -5.0), ev(2, 0, -4.0)],
            3,
            0,
            0,
            1.0,
        );
        assert_eq!(
            triangles(&g),
            Triangles {
                triangles: 1,
                balanced: 1,
                triangle_index: 1.0
            }
        );
        assert_eq!(frustration_index(&g).unwrap().0, 0);
        // All three enemies: unbalanced, one edge must go.
        let g = signed_graph(
            &[ev(0, 1, -5.0), ev(1, 2, -5.0), ev(2, 0, -4.0)],
            3,
            0,
            0,
            1.0,
        );
        assert_eq!(triangles(&g).balanced, 0);
        assert_eq!(frustration_index(&g).unwrap().0, 1);
        // Inside the neutral band there is no edge, hence no triangle.
        let g = signed_graph(
            &[ev(0, 1, 0.5), ev(1, 2, -5.0), ev(2, 0, -4.0)],
            3,
            0,
            0,
            1.0,
        );
        assert_eq!(triangles(&g).triangles, 0);
        assert!(triangles(&g).triangle_index.is_nan());
    }

    #[test]
    fn frustration_is_exact_on_a_known_graph() {
        // Two camps {0,1,2} and {3,4} with all signs as expected, plus one friendly cross edge 0–3.
        let mut evs = Vec::new();
        for (i, j) in [(0, 1), (0, 2), (1, 2), (3, 4)] {
            evs.push(ev(i, j, 3.0));
        }
        for (i, j) in [(1, 3), (1, 4), (2, 3), (2, 4), (0, 4)] {
            evs.push(ev(i, j, -3.0));
        }
        evs.push(ev(0, 3, 3.0));
        let g = signed_graph(&evs, 5, 0, 0, 1.0);
        let (f, camps) = frustration_index(&g).unwrap();
        assert_eq!(f, 1);
        assert_eq!(camps[0], camps[1]);
        assert_eq!(camps[3], camps[4]);
        assert_ne!(camps[0], camps[3]);
    }
}
