//! What the cascade does to a frame before a reader sees it: binarizations (a global threshold,
//! adaptive means at two windows, and a local threshold from block minima and maxima), contrast
//! stretching, a scale pyramid and inversion. Each is a pure function of a [`Luma`] plane; the
//! binarizations give 0 (black) or 255 (white).

use super::frame::Luma;

const BLACK: u8 = 0;
const WHITE: u8 = 255;

/// One preprocessing of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prep {
    /// Levels stretched so that the 1st and 99th percentiles become black and white.
    Stretch,
    /// One threshold for the whole frame, chosen by Otsu's method.
    Global,
    /// Each pixel against the mean of a square window whose side is the frame's shorter side
    /// divided by this number.
    Adaptive(u16),
    /// Each pixel against the mid-range of its neighbourhood of 8×8 blocks, blocks without
    /// contrast taking their threshold from their neighbours (after zxing-cpp's newer local
    /// threshold).
    LocalBlocks,
    /// Half the size, each pixel the mean of four.
    Half,
    /// Twice the size, bilinear: codes of fewer than 4 pixels per module.
    Double,
    /// Dark for light: codes shown light on dark, as on a phone in dark mode.
    Inverted,
    /// A box blur of this radius, twice (close to a Gaussian): against sensor noise.
    Smooth(u8),
    /// An unsharp mask: each pixel pushed away from its smoothed self (radius 1), by as much
    /// again: edges softened by defocus or motion made steeper.
    Sharpen,
}

impl Prep {
    pub fn apply(self, luma: &Luma) -> Luma {
        match self {
            Self::Stretch => stretch(luma),
            Self::Global => global_threshold(luma),
            Self::Adaptive(divisor) => adaptive_mean(luma, window(luma, divisor)),
            Self::LocalBlocks => local_blocks(luma),
            Self::Half => half(luma),
            Self::Double => double(luma),
            Self::Inverted => invert(luma),
            Self::Smooth(radius) => smooth(luma, usize::from(radius)),
            Self::Sharpen => sharpen(luma),
        }
    }

    /// A short name for tables.
    pub fn name(self) -> String {
        match self {
            Self::Stretch => "stretch".into(),
            Self::Global => "global".into(),
            Self::Adaptive(divisor) => format!("adaptive/{divisor}"),
            Self::LocalBlocks => "local-blocks".into(),
            Self::Half => "half".into(),
            Self::Double => "double".into(),
            Self::Inverted => "inverted".into(),
            Self::Smooth(radius) => format!("smooth/{radius}"),
            Self::Sharpen => "sharpen".into(),
        }
    }
}

fn window(luma: &Luma, divisor: u16) -> usize {
    let side = luma.width().min(luma.height()) / usize::from(divisor.max(1));
    (side | 1).max(15)
}

fn map(luma: &Luma, f: impl Fn(u8) -> u8) -> Luma {
    Luma::from_parts(
        luma.width(),
        luma.height(),
        luma.pixels().iter().map(|&p| f(p)).collect(),
    )
}

fn histogram(luma: &Luma) -> [usize; 256] {
    let mut counts = [0; 256];
    for &p in luma.pixels() {
        counts[usize::from(p)] += 1;
    }
    counts
}

/// The lowest level at or below which at least `share` of the pixels lie.
fn percentile(counts: &[usize; 256], total: usize, share: f64) -> u8 {
    let wanted = (total as f64 * share).ceil() as usize;
    let mut seen = 0;
    for (level, &count) in counts.iter().enumerate() {
        seen += count;
        if seen >= wanted.max(1) {
            return level as u8;
        }
    }
    WHITE
}

pub fn stretch(luma: &Luma) -> Luma {
    let counts = histogram(luma);
    let total = luma.pixels().len();
    let low = i32::from(percentile(&counts, total, 0.01));
    let high = i32::from(percentile(&counts, total, 0.99));
    if high <= low {
        return luma.clone();
    }
    map(luma, |p| {
        ((i32::from(p) - low) * 255 / (high - low)).clamp(0, 255) as u8
    })
}

/// Otsu's threshold: the level that maximises the variance between the two classes.
pub fn otsu_level(counts: &[usize; 256]) -> u8 {
    let total: usize = counts.iter().sum();
    let sum_all: f64 = counts
        .iter()
        .enumerate()
        .map(|(level, &count)| level as f64 * count as f64)
        .sum();
    let (mut best_level, mut best_variance) = (0u8, -1.0f64);
    let (mut below, mut sum_below) = (0usize, 0.0f64);
    for (level, &count) in counts.iter().enumerate() {
        below += count;
        sum_below += level as f64 * count as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let mean_below = sum_below / below as f64;
        let mean_above = (sum_all - sum_below) / above as f64;
        let variance = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if variance > best_variance {
            best_variance = variance;
            best_level = level as u8;
        }
    }
    best_level
}

pub fn global_threshold(luma: &Luma) -> Luma {
    let level = otsu_level(&histogram(luma));
    map(luma, |p| if p <= level { BLACK } else { WHITE })
}

/// Black where a pixel is darker than the mean of the `window`-sided square around it by more
/// than a tenth.
pub fn adaptive_mean(luma: &Luma, window: usize) -> Luma {
    let (width, height) = (luma.width(), luma.height());
    // Summed-area table, one row and one column of zeros in front.
    let stride = width + 1;
    let mut sums = vec![0u64; stride * (height + 1)];
    for y in 0..height {
        let mut row = 0u64;
        for x in 0..width {
            row += u64::from(luma.at(x, y));
            sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
        }
    }
    let radius = window / 2;
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let (top, bottom) = (y.saturating_sub(radius), (y + radius + 1).min(height));
        for x in 0..width {
            let (left, right) = (x.saturating_sub(radius), (x + radius + 1).min(width));
            let area = ((bottom - top) * (right - left)) as u64;
            let sum = sums[bottom * stride + right] + sums[top * stride + left]
                - sums[top * stride + right]
                - sums[bottom * stride + left];
            let black = u64::from(luma.at(x, y)) * area * 10 < sum * 9;
            pixels.push(if black { BLACK } else { WHITE });
        }
    }
    Luma::from_parts(width, height, pixels)
}

const BLOCK: usize = 8;
/// Blocks whose levels span less than this have no threshold of their own.
const MIN_CONTRAST: u8 = 24;

/// The local threshold of zxing-cpp's newer binarizer, rewritten here: per 8×8 block the
/// mid-range of its minimum and maximum where the block has contrast; each block's threshold
/// the mean of those of the 5×5 blocks around it that have one; blocks with none around them
/// take their neighbours' threshold, spreading outwards until every block has one.
pub fn local_blocks(luma: &Luma) -> Luma {
    let (width, height) = (luma.width(), luma.height());
    if width < BLOCK || height < BLOCK {
        return global_threshold(luma);
    }
    let (columns, rows) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    // 0 stands for "no threshold": a real mid-range of a block with contrast is at least 12.
    let mut own = vec![0u8; columns * rows];
    for row in 0..rows {
        let top = (row * BLOCK).min(height - BLOCK);
        for column in 0..columns {
            let left = (column * BLOCK).min(width - BLOCK);
            let (mut low, mut high) = (u8::MAX, u8::MIN);
            for y in top..top + BLOCK {
                for &p in &luma.pixels()[y * width + left..y * width + left + BLOCK] {
                    low = low.min(p);
                    high = high.max(p);
                }
            }
            if high - low >= MIN_CONTRAST {
                own[row * columns + column] = ((u16::from(low) + u16::from(high)) / 2) as u8;
            }
        }
    }
    let mut thresholds = vec![0u8; columns * rows];
    for row in 0..rows {
        for column in 0..columns {
            let (mut sum, mut count) = (0u32, 0u32);
            for r in row.saturating_sub(2)..(row + 3).min(rows) {
                for c in column.saturating_sub(2)..(column + 3).min(columns) {
                    let t = own[r * columns + c];
                    if t != 0 {
                        sum += u32::from(t);
                        count += 1;
                    }
                }
            }
            if let Some(mean) = sum.checked_div(count) {
                thresholds[row * columns + column] = mean.max(1) as u8;
            }
        }
    }
    fill_gaps(&mut thresholds, columns, rows);
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let row = (y / BLOCK).min(rows - 1);
        for x in 0..width {
            let threshold = thresholds[row * columns + (x / BLOCK).min(columns - 1)];
            pixels.push(if luma.at(x, y) <= threshold {
                BLACK
            } else {
                WHITE
            });
        }
    }
    Luma::from_parts(width, height, pixels)
}

/// Blocks without a threshold (0) take the mean of their neighbours that have one, in waves;
/// a frame without any contrast at all is thresholded at 0 (all white but the blackest).
fn fill_gaps(thresholds: &mut [u8], columns: usize, rows: usize) {
    loop {
        let mut next = thresholds.to_vec();
        let mut missing = false;
        let mut filled = false;
        for row in 0..rows {
            for column in 0..columns {
                if thresholds[row * columns + column] != 0 {
                    continue;
                }
                let (mut sum, mut count) = (0u32, 0u32);
                for r in row.saturating_sub(1)..(row + 2).min(rows) {
                    for c in column.saturating_sub(1)..(column + 2).min(columns) {
                        let t = thresholds[r * columns + c];
                        if t != 0 {
                            sum += u32::from(t);
                            count += 1;
                        }
                    }
                }
                match sum.checked_div(count) {
                    Some(mean) => {
                        next[row * columns + column] = mean.max(1) as u8;
                        filled = true;
                    }
                    None => missing = true,
                }
            }
        }
        thresholds.copy_from_slice(&next);
        if !missing || !filled {
            return;
        }
    }
}

pub fn half(luma: &Luma) -> Luma {
    let (width, height) = (luma.width() / 2, luma.height() / 2);
    if width == 0 || height == 0 {
        return luma.clone();
    }
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            let sum = u16::from(luma.at(2 * x, 2 * y))
                + u16::from(luma.at(2 * x + 1, 2 * y))
                + u16::from(luma.at(2 * x, 2 * y + 1))
                + u16::from(luma.at(2 * x + 1, 2 * y + 1));
            pixels.push(((sum + 2) / 4) as u8);
        }
    }
    Luma::from_parts(width, height, pixels)
}

pub fn double(luma: &Luma) -> Luma {
    let (width, height) = (luma.width() * 2, luma.height() * 2);
    let mut pixels = Vec::with_capacity(width * height);
    let (last_x, last_y) = (luma.width() - 1, luma.height() - 1);
    for y in 0..height {
        // Source coordinate of the new pixel's centre, in fixed point (1/4 pixel).
        let sy = (2 * y).saturating_sub(1);
        let (y0, fy) = ((sy / 4).min(last_y), (sy % 4) as u32);
        let y1 = (y0 + 1).min(last_y);
        for x in 0..width {
            let sx = (2 * x).saturating_sub(1);
            let (x0, fx) = ((sx / 4).min(last_x), (sx % 4) as u32);
            let x1 = (x0 + 1).min(last_x);
            let top = u32::from(luma.at(x0, y0)) * (4 - fx) + u32::from(luma.at(x1, y0)) * fx;
            let bottom = u32::from(luma.at(x0, y1)) * (4 - fx) + u32::from(luma.at(x1, y1)) * fx;
            pixels.push(((top * (4 - fy) + bottom * fy + 8) / 16) as u8);
        }
    }
    Luma::from_parts(width, height, pixels)
}

pub fn smooth(luma: &Luma, radius: usize) -> Luma {
    let once = box_pass(&box_pass(luma, radius, true), radius, false);
    box_pass(&box_pass(&once, radius, true), radius, false)
}

/// A running-sum box filter along rows (`horizontal`) or columns, clamped at the edges.
fn box_pass(luma: &Luma, radius: usize, horizontal: bool) -> Luma {
    let (width, height) = (luma.width(), luma.height());
    let (lines, length) = if horizontal {
        (height, width)
    } else {
        (width, height)
    };
    let at = |line: usize, i: usize| {
        if horizontal {
            luma.at(i, line)
        } else {
            luma.at(line, i)
        }
    };
    let mut pixels = vec![0u8; width * height];
    let window = (2 * radius + 1) as u32;
    for line in 0..lines {
        let clamped = |i: isize| at(line, i.clamp(0, length as isize - 1) as usize);
        let mut sum: u32 = (-(radius as isize)..=radius as isize)
            .map(|i| u32::from(clamped(i)))
            .sum();
        for i in 0..length {
            let value = ((sum + window / 2) / window) as u8;
            let index = if horizontal {
                line * width + i
            } else {
                i * width + line
            };
            pixels[index] = value;
            sum += u32::from(clamped(i as isize + radius as isize + 1));
            sum -= u32::from(clamped(i as isize - radius as isize));
        }
    }
    Luma::from_parts(width, height, pixels)
}

pub fn sharpen(luma: &Luma) -> Luma {
    let blurred = smooth(luma, 1);
    Luma::from_parts(
        luma.width(),
        luma.height(),
        luma.pixels()
            .iter()
            .zip(blurred.pixels())
            .map(|(&p, &b)| (2 * i32::from(p) - i32::from(b)).clamp(0, 255) as u8)
            .collect(),
    )
}

pub fn invert(luma: &Luma) -> Luma {
    map(luma, |p| 255 - p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A left-to-right ramp from `dark` to `light` with a dark square of `ink` in the middle.
    fn shaded(width: usize, height: usize, dark: u8, light: u8, ink: u8) -> Luma {
        let mut pixels = Vec::new();
        for y in 0..height {
            for x in 0..width {
                let square = (width / 3..2 * width / 3).contains(&x)
                    && (height / 3..2 * height / 3).contains(&y);
                let background =
                    u32::from(dark) + (u32::from(light - dark) * x as u32) / width as u32;
                pixels.push(if square {
                    (background * u32::from(ink) / 255) as u8
                } else {
                    background as u8
                });
            }
        }
        Luma::from_parts(width, height, pixels)
    }

    fn black_at(luma: &Luma, x: usize, y: usize) -> bool {
        luma.at(x, y) == BLACK
    }

    #[test]
    fn otsu_splits_two_levels_between_them() {
        let mut counts = [0; 256];
        counts[40] = 100;
        counts[200] = 100;
        let level = otsu_level(&counts);
        assert!((40..200).contains(&level), "{level}");
    }

    #[test]
    fn local_thresholds_follow_uneven_light_where_a_global_one_fails() {
        // Background from 60 (left) to 250 (right); the ink is 40% of the background.
        let luma = shaded(100, 100, 60, 250, 100);
        let local = local_blocks(&luma);
        let adaptive = adaptive_mean(&luma, window(&luma, 4));
        for binary in [&local, &adaptive] {
            // Inside the square, black; beside it on both sides, white.
            assert!(black_at(binary, 40, 50) && black_at(binary, 56, 50));
            assert!(!black_at(binary, 26, 50) && !black_at(binary, 74, 50));
        }
        let global = global_threshold(&luma);
        // The global threshold cannot tell the dim background on the left from the ink.
        assert!(black_at(&global, 2, 50) || !black_at(&global, 56, 50));
    }

    #[test]
    fn blocks_without_contrast_take_their_neighbours_threshold() {
        let mut thresholds = vec![0, 0, 0, 0, 90, 0, 0, 0, 0];
        fill_gaps(&mut thresholds, 3, 3);
        assert_eq!(thresholds, vec![90; 9]);
        let mut flat = vec![0; 4];
        fill_gaps(&mut flat, 2, 2);
        assert_eq!(flat, vec![0; 4]);
    }

    #[test]
    fn stretch_spans_the_full_range() {
        let luma = shaded(64, 64, 100, 140, 200);
        let stretched = stretch(&luma);
        assert_eq!(stretched.pixels().iter().min(), Some(&0));
        assert_eq!(stretched.pixels().iter().max(), Some(&255));
    }

    #[test]
    fn the_pyramid_halves_and_doubles_sizes() {
        let luma = shaded(65, 33, 0, 250, 255);
        let small = half(&luma);
        assert_eq!((small.width(), small.height()), (32, 16));
        let large = double(&luma);
        assert_eq!((large.width(), large.height()), (130, 66));
        assert_eq!(large.at(0, 0), luma.at(0, 0));
        assert_eq!(invert(&luma).at(5, 5), 255 - luma.at(5, 5));
    }

    #[test]
    fn sharpening_steepens_an_edge_and_keeps_flat_areas() {
        // A soft edge: 100, 110, ..., 150 across six columns, then flat.
        let ramp: Vec<u8> = (0..12 * 12)
            .map(|i| (100 + 10 * (i % 12).clamp(0, 5)) as u8)
            .collect();
        let luma = Luma::from_parts(12, 12, ramp);
        let sharp = sharpen(&luma);
        assert!(sharp.at(1, 6) < luma.at(1, 6) || sharp.at(0, 6) <= luma.at(0, 6));
        assert!(sharp.at(5, 6) > luma.at(5, 6), "{}", sharp.at(5, 6));
        assert_eq!(sharp.at(10, 6), luma.at(10, 6));
        let flat = Luma::from_parts(9, 9, vec![120; 81]);
        assert_eq!(sharpen(&flat), flat);
    }

    #[test]
    fn smoothing_averages_noise_and_keeps_flat_areas() {
        let flat = Luma::from_parts(9, 9, vec![120; 81]);
        assert_eq!(smooth(&flat, 2), flat);
        let mut speck = vec![0u8; 81];
        speck[40] = 255;
        let smoothed = smooth(&Luma::from_parts(9, 9, speck), 1);
        assert!(
            smoothed.at(4, 4) < 60 && smoothed.at(3, 4) > 0,
            "{}",
            smoothed.at(4, 4)
        );
    }
}
