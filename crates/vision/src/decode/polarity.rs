//! Which way round a frame's code probably is, from its histogram alone. A code's background
//! (its quiet zone and half its modules) is the sheet's colour, and outweighs its ink: on paper
//! the brightest levels hold more pixels than the darkest; on a screen in dark mode, the
//! reverse. What lies between (a table, a wall) counts for neither.

use super::frame::Luma;
use super::preprocess::half;

/// The share of the level range, at each end, whose pixels are weighed.
const TAIL: u32 = 4;
/// How much heavier the dark end must be to call the frame light on dark.
const MARGIN: (usize, usize) = (5, 4);

/// The two ways a code is printed or shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// Dark modules on a light background: paper, most screens.
    DarkOnLight,
    /// Light modules on a dark background: a screen in dark mode.
    LightOnDark,
}

/// The polarity the histogram of `luma` suggests: light on dark when the darkest quarter of its
/// range (between the 1st and 99th percentiles) holds a quarter more pixels than the brightest.
/// The histogram is taken at a quarter of the size (each level the mean of 16 pixels), where
/// sensor noise no longer fills the tails.
pub fn polarity(luma: &Luma) -> Polarity {
    let quarter = match luma.width().min(luma.height()) >= 64 {
        true => half(&half(luma)),
        false => luma.clone(),
    };
    levels_polarity(&quarter)
}

fn levels_polarity(luma: &Luma) -> Polarity {
    let mut counts = [0usize; 256];
    for &p in luma.pixels() {
        counts[usize::from(p)] += 1;
    }
    let total = luma.pixels().len();
    let level_at = |share: usize| {
        let mut seen = 0;
        counts
            .iter()
            .position(|&c| {
                seen += c;
                seen * 100 >= total * share
            })
            .unwrap_or(255) as u32
    };
    let (low, high) = (level_at(1), level_at(99));
    let reach = (high - low) / TAIL;
    if reach == 0 {
        return Polarity::DarkOnLight;
    }
    let dark: usize = counts[low as usize..=(low + reach) as usize].iter().sum();
    let light: usize = counts[(high - reach) as usize..=high as usize].iter().sum();
    if dark * MARGIN.1 > light * MARGIN.0 {
        Polarity::LightOnDark
    } else {
        Polarity::DarkOnLight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `side`² frame: a background of `background`, a square of `sheet` in the middle
    /// (half the side), striped with `ink` on a third of its rows.
    fn frame(side: usize, background: u8, sheet: u8, ink: u8) -> Luma {
        let mut pixels = vec![background; side * side];
        for y in side / 4..3 * side / 4 {
            for x in side / 4..3 * side / 4 {
                pixels[y * side + x] = if y % 3 == 0 { ink } else { sheet };
            }
        }
        Luma::from_parts(side, side, pixels)
    }

    #[test]
    fn the_heavier_end_of_the_histogram_is_the_background() {
        assert_eq!(polarity(&frame(60, 120, 230, 20)), Polarity::DarkOnLight);
        assert_eq!(polarity(&frame(60, 120, 20, 230)), Polarity::LightOnDark);
        // A flat frame has no polarity to speak of: the usual one.
        assert_eq!(
            polarity(&Luma::from_parts(8, 8, vec![90; 64])),
            Polarity::DarkOnLight
        );
    }
}
