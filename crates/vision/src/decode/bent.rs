//! A grid that follows a bent sheet. zxing's readers map a code's modules to the picture by one
//! projective map, fitted on the finder (and alignment) patterns; on a code printed on cloth or
//! a curved card the modules drift from it by up to a module between those patterns, and the
//! read fails its checksum. Here the map is corrected locally: at nodes every few modules, the
//! shift (in modules) that makes the modules around the node most uniform (all black or all
//! white) is searched near the shift of the nodes already placed, starting from the finder
//! patterns, where the map is right. Modules are then sampled at the map plus the interpolated
//! shift. Pure: a binary picture in, a grid of modules out.

/// A projective map from module coordinates to picture coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projective([f64; 9]);

impl Projective {
    /// The map taking the square `0..side` to the quadrilateral `corners` (top-left, top-right,
    /// bottom-left, bottom-right), or `None` when the corners are degenerate.
    pub fn square_to(side: f64, corners: [(f64, f64); 4]) -> Option<Self> {
        let [(x0, y0), (x1, y1), (x3, y3), (x2, y2)] = corners;
        // Heckbert's closed form for the unit square to (x0,y0)..(x3,y3) in order around it.
        let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
        let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
        let det = dx1 * dy2 - dx2 * dy1;
        if det.abs() < 1e-9 {
            return None;
        }
        let g = (dx3 * dy2 - dx2 * dy3) / det;
        let h = (dx1 * dy3 - dx3 * dy1) / det;
        let unit = [
            x1 - x0 + g * x1,
            x3 - x0 + h * x3,
            x0,
            y1 - y0 + g * y1,
            y3 - y0 + h * y3,
            y0,
            g,
            h,
            1.0,
        ];
        let mut m = unit;
        for row in 0..3 {
            m[row * 3] /= side;
            m[row * 3 + 1] /= side;
        }
        m.iter().all(|v| v.is_finite()).then_some(Self(m))
    }

    pub fn apply(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.0;
        let w = m[6] * u + m[7] * v + m[8];
        (
            (m[0] * u + m[1] * v + m[2]) / w,
            (m[3] * u + m[4] * v + m[5]) / w,
        )
    }
}

/// A binary picture: `true` is black.
pub trait Binary {
    fn size(&self) -> (usize, usize);
    fn black(&self, x: usize, y: usize) -> bool;
}

/// Modules between nodes of the shift field.
const STEP: usize = 3;
/// Modules on each side of a node that its shift is fitted on.
const REACH: isize = 3;
/// Where each module is looked at, around its centre (in modules).
const PROBES: [(f64, f64); 5] = [
    (0.0, 0.0),
    (-0.3, -0.3),
    (0.3, -0.3),
    (-0.3, 0.3),
    (0.3, 0.3),
];

/// The `dimension`×`dimension` modules of the code that `map` places (module coordinates
/// `0..dimension`), each sampled where the fitted shift field moves it; row after row, `true`
/// for black.
pub fn sample_bent(picture: &impl Binary, map: &Projective, dimension: usize) -> Vec<bool> {
    let shifts = shift_field(picture, map, dimension);
    let nodes = dimension.div_ceil(STEP) + 1;
    let mut modules = Vec::with_capacity(dimension * dimension);
    for v in 0..dimension {
        for u in 0..dimension {
            let (du, dv) = interpolate(&shifts, nodes, u as f64 + 0.5, v as f64 + 0.5);
            let (x, y) = map.apply(u as f64 + 0.5 + du, v as f64 + 0.5 + dv);
            modules.push(black_at(picture, x, y));
        }
    }
    modules
}

fn black_at(picture: &impl Binary, x: f64, y: f64) -> bool {
    let (width, height) = picture.size();
    if !(x >= 0.0 && y >= 0.0 && (x as usize) < width && (y as usize) < height) {
        return false;
    }
    picture.black(x as usize, y as usize)
}

/// How uniform the modules around node `(a, b)` are when shifted by `(du, dv)` modules: per
/// module, how far its probes agree (5 when all agree, 1 when split 3 to 2).
fn uniformity(
    picture: &impl Binary,
    map: &Projective,
    dimension: usize,
    (a, b): (usize, usize),
    (du, dv): (f64, f64),
) -> i32 {
    let (cu, cv) = ((a * STEP) as isize, (b * STEP) as isize);
    let mut score = 0;
    for v in (cv - REACH).max(0)..(cv + REACH).min(dimension as isize) {
        for u in (cu - REACH).max(0)..(cu + REACH).min(dimension as isize) {
            let black = PROBES
                .iter()
                .filter(|(pu, pv)| {
                    let (x, y) = map.apply(u as f64 + 0.5 + du + pu, v as f64 + 0.5 + dv + pv);
                    black_at(picture, x, y)
                })
                .count() as i32;
            score += (2 * black - PROBES.len() as i32).abs();
        }
    }
    score
}

/// The shift (in modules) at each node, nodes every [`STEP`] modules from the top-left corner,
/// row after row. Nodes are placed from the three finder corners inwards, each searched within
/// half a module of the mean of its placed neighbours; the finder corners keep no shift.
fn shift_field(picture: &impl Binary, map: &Projective, dimension: usize) -> Vec<(f64, f64)> {
    let nodes = dimension.div_ceil(STEP) + 1;
    let last = nodes - 1;
    let mut order: Vec<(usize, usize)> = (0..nodes)
        .flat_map(|b| (0..nodes).map(move |a| (a, b)))
        .collect();
    let from_finders = |&(a, b): &(usize, usize)| {
        let to = |x: usize, y: usize| a.abs_diff(x).max(b.abs_diff(y));
        to(0, 0).min(to(last, 0)).min(to(0, last))
    };
    order.sort_by_key(|node| (from_finders(node), node.1, node.0));
    let mut shifts: Vec<Option<(f64, f64)>> = vec![None; nodes * nodes];
    for (a, b) in order {
        let placed: Vec<(f64, f64)> = neighbours(a, b, nodes)
            .filter_map(|(x, y)| shifts[y * nodes + x])
            .collect();
        let shift = if from_finders(&(a, b)) == 0 {
            (0.0, 0.0)
        } else {
            let guess = mean(&placed);
            best_shift(picture, map, dimension, (a, b), guess)
        };
        shifts[b * nodes + a] = Some(shift);
    }
    shifts.into_iter().map(Option::unwrap_or_default).collect()
}

fn neighbours(a: usize, b: usize, nodes: usize) -> impl Iterator<Item = (usize, usize)> {
    (b.saturating_sub(1)..(b + 2).min(nodes)).flat_map(move |y| {
        (a.saturating_sub(1)..(a + 2).min(nodes))
            .filter(move |&x| (x, y) != (a, b))
            .map(move |x| (x, y))
    })
}

fn mean(shifts: &[(f64, f64)]) -> (f64, f64) {
    if shifts.is_empty() {
        return (0.0, 0.0);
    }
    let n = shifts.len() as f64;
    (
        shifts.iter().map(|s| s.0).sum::<f64>() / n,
        shifts.iter().map(|s| s.1).sum::<f64>() / n,
    )
}

/// The most uniform shift within half a module of `guess`: a coarse search by quarter modules,
/// then by eighths around the best; ties go to the shift nearest the guess.
fn best_shift(
    picture: &impl Binary,
    map: &Projective,
    dimension: usize,
    node: (usize, usize),
    guess: (f64, f64),
) -> (f64, f64) {
    let mut best = (uniformity(picture, map, dimension, node, guess), guess);
    for (step, reach) in [(0.25, 2), (0.125, 1)] {
        let centre = best.1;
        for j in -reach..=reach {
            for i in -reach..=reach {
                if (i, j) == (0, 0) {
                    continue;
                }
                let shift = (
                    centre.0 + f64::from(i) * step,
                    centre.1 + f64::from(j) * step,
                );
                let score = uniformity(picture, map, dimension, node, shift);
                let nearer = distance(shift, guess) < distance(best.1, guess);
                if score > best.0 || (score == best.0 && nearer) {
                    best = (score, shift);
                }
            }
        }
    }
    best.1
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).abs() + (a.1 - b.1).abs()
}

/// The shift at module coordinates `(u, v)`, bilinear between the nodes around it.
fn interpolate(shifts: &[(f64, f64)], nodes: usize, u: f64, v: f64) -> (f64, f64) {
    let (gu, gv) = (u / STEP as f64, v / STEP as f64);
    let (a, b) = (
        (gu.floor() as usize).min(nodes - 2),
        (gv.floor() as usize).min(nodes - 2),
    );
    let (fu, fv) = (gu - a as f64, gv - b as f64);
    let at = |x: usize, y: usize| shifts[y * nodes + x];
    let lerp =
        |p: (f64, f64), q: (f64, f64), t: f64| (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t);
    let top = lerp(at(a, b), at(a + 1, b), fu);
    let bottom = lerp(at(a, b + 1), at(a + 1, b + 1), fu);
    lerp(top, bottom, fv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkerboard of modules, `scale` pixels each, drawn with each module's position moved
    /// by `bend(u, v)` (in modules).
    struct Drawn {
        side: usize,
        dimension: usize,
        scale: f64,
        bend: fn(f64, f64) -> (f64, f64),
        pattern: fn(usize, usize) -> bool,
    }

    impl Binary for Drawn {
        fn size(&self) -> (usize, usize) {
            (self.side, self.side)
        }

        fn black(&self, x: usize, y: usize) -> bool {
            // Invert the bend approximately by a few fixed-point steps.
            let (px, py) = (x as f64 / self.scale, y as f64 / self.scale);
            let (mut u, mut v) = (px, py);
            for _ in 0..8 {
                let (du, dv) = (self.bend)(u, v);
                (u, v) = (px - du, py - dv);
            }
            u >= 0.0
                && v >= 0.0
                && (u as usize) < self.dimension
                && (v as usize) < self.dimension
                && (self.pattern)(u as usize, v as usize)
        }
    }

    fn pattern(u: usize, v: usize) -> bool {
        (u * 7 + v * 3 + u * v) % 5 < 2
    }

    #[test]
    fn the_square_maps_onto_its_corners() {
        let corners = [(10.0, 12.0), (90.0, 8.0), (14.0, 95.0), (99.0, 101.0)];
        let map = Projective::square_to(25.0, corners).unwrap();
        for ((u, v), (x, y)) in [(0.0, 0.0), (25.0, 0.0), (0.0, 25.0), (25.0, 25.0)]
            .into_iter()
            .zip(corners)
        {
            let (mx, my) = map.apply(u, v);
            assert!((mx - x).abs() < 1e-9 && (my - y).abs() < 1e-9, "{mx},{my}");
        }
        assert!(Projective::square_to(1.0, [(0.0, 0.0); 4]).is_none());
    }

    #[test]
    fn a_bent_grid_is_followed_where_the_flat_map_drifts() {
        let dimension = 29;
        let scale = 6.0;
        // Modules pushed by up to 0.8 of a module, in a wave along each axis; none at the
        // finder corners.
        let drawn = Drawn {
            side: (dimension as f64 * scale) as usize + 2,
            dimension,
            scale,
            bend: |u, v| {
                let wave = |t: f64| 0.8 * (t / 29.0 * std::f64::consts::PI).sin();
                (wave(v) * wave(u) * 1.0, wave(u) * wave(v) * 0.6)
            },
            pattern,
        };
        let side = dimension as f64 * scale;
        let map = Projective::square_to(
            dimension as f64,
            [(0.0, 0.0), (side, 0.0), (0.0, side), (side, side)],
        )
        .unwrap();
        let truth: Vec<bool> = (0..dimension)
            .flat_map(|v| (0..dimension).map(move |u| pattern(u, v)))
            .collect();
        let wrong = |modules: &[bool]| modules.iter().zip(&truth).filter(|(a, b)| a != b).count();
        let flat: Vec<bool> = (0..dimension)
            .flat_map(|v| (0..dimension).map(move |u| (u, v)))
            .map(|(u, v)| {
                let (x, y) = map.apply(u as f64 + 0.5, v as f64 + 0.5);
                black_at(&drawn, x, y)
            })
            .collect();
        let bent = sample_bent(&drawn, &map, dimension);
        assert!(wrong(&flat) > 40, "the flat map drifts: {}", wrong(&flat));
        assert!(wrong(&bent) < 5, "the bent grid follows: {}", wrong(&bent));
    }
}
