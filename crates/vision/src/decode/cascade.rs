//! The cascade: attempts (a preprocessing, then a reader) in a fixed order until one reads a
//! code the caller accepts, within a time budget. The decisions are pure: the clock is passed
//! in, so the order and the budget are tested without one.

use std::time::Duration;

use super::error::DecodeError;
use super::frame::Luma;
use super::polarity::{Polarity, polarity};
use super::preprocess::Prep;
use super::readers::{Outcome, Reader, all_codes, read};

/// One attempt of the cascade: preprocessing steps, in order, then a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempt {
    pub preps: &'static [Prep],
    pub reader: Reader,
}

impl Attempt {
    pub const fn new(preps: &'static [Prep], reader: Reader) -> Self {
        Self { preps, reader }
    }

    pub fn name(&self) -> String {
        let preps: Vec<String> = self.preps.iter().map(|p| p.name()).collect();
        match preps.is_empty() {
            true => format!("{} original", self.reader.name()),
            false => format!("{} {}", self.reader.name(), preps.join("+")),
        }
    }

    /// Whether the attempt reads the frame inverted (light for dark).
    pub fn inverts(&self) -> bool {
        self.preps.first() == Some(&Prep::Inverted)
    }

    fn prepare(&self, luma: &Luma) -> Luma {
        let mut image = luma.clone();
        for prep in self.preps {
            image = prep.apply(&image);
        }
        image
    }

    /// Whether the attempt is worth its cost on a picture of this size: doubling is for small
    /// pictures (codes of few pixels per module), halving for large ones.
    pub fn applies_to(&self, luma: &Luma) -> bool {
        let (short, long) = (
            luma.width().min(luma.height()),
            luma.width().max(luma.height()),
        );
        self.preps.iter().all(|prep| match prep {
            Prep::Double => long <= 1024,
            Prep::Half => short >= 240,
            _ => true,
        })
    }

    /// Runs the attempt alone (the bench measures each so).
    pub fn run(&self, luma: &Luma) -> Outcome {
        if !self.applies_to(luma) {
            return Outcome::Nothing;
        }
        match self.preps {
            [] => read(self.reader, luma),
            _ => read(self.reader, &self.prepare(luma)),
        }
    }
}

use Prep::{Adaptive, Double, Global, Half, Inverted, LocalBlocks, Sharpen, Smooth, Stretch};
use Reader::{Rqrr, Rxing, RxingGlobal};

/// Every attempt the bench weighs for the cascade.
pub const CANDIDATES: &[Attempt] = &[
    Attempt::new(&[], Rxing),
    Attempt::new(&[], RxingGlobal),
    Attempt::new(&[Stretch], Rxing),
    Attempt::new(&[Smooth(1)], Rxing),
    Attempt::new(&[Smooth(1), Stretch], Rxing),
    Attempt::new(&[Half], Rxing),
    Attempt::new(&[Half, Stretch], Rxing),
    Attempt::new(&[Half, LocalBlocks], RxingGlobal),
    Attempt::new(&[Double], Rxing),
    Attempt::new(&[Global], RxingGlobal),
    Attempt::new(&[Adaptive(8)], RxingGlobal),
    Attempt::new(&[Adaptive(24)], RxingGlobal),
    Attempt::new(&[LocalBlocks], RxingGlobal),
    Attempt::new(&[Stretch, LocalBlocks], RxingGlobal),
    Attempt::new(&[Smooth(1), LocalBlocks], RxingGlobal),
    Attempt::new(&[Smooth(2), Adaptive(8)], RxingGlobal),
    Attempt::new(&[Double, LocalBlocks], RxingGlobal),
    Attempt::new(&[], Rqrr),
    Attempt::new(&[Global], Rqrr),
    Attempt::new(&[LocalBlocks], Rqrr),
    Attempt::new(&[Smooth(1), LocalBlocks], Rqrr),
    Attempt::new(&[Half], Rqrr),
    Attempt::new(&[Inverted], Rxing),
    Attempt::new(&[Inverted, Stretch], Rxing),
    Attempt::new(&[Inverted, LocalBlocks], RxingGlobal),
    Attempt::new(&[Inverted, Half, LocalBlocks], RxingGlobal),
    Attempt::new(&[Sharpen], Rxing),
    Attempt::new(&[Sharpen, LocalBlocks], RxingGlobal),
    Attempt::new(&[Half, LocalBlocks], Rqrr),
    Attempt::new(&[Half, Global], Rqrr),
    Attempt::new(&[Adaptive(8)], Rqrr),
    Attempt::new(&[Stretch], Rqrr),
];

/// The cascade's attempts, in order: rxing first, then the greedy fit the `qr` bench prints on
/// the generated set (hard, 50 pictures of each degradation): at each step the candidate that
/// adds the most exact reads per millisecond on the pictures still unread, kept while it adds at
/// least two. A frame that looks light on dark runs its inverted attempts right after the first
/// ([`in_order`]).
pub const CASCADE: &[Attempt] = &[
    Attempt::new(&[], Rxing),
    Attempt::new(&[Half, Stretch], Rxing),
    Attempt::new(&[Inverted, Half, LocalBlocks], RxingGlobal),
    Attempt::new(&[Double], Rxing),
    Attempt::new(&[Half, LocalBlocks], RxingGlobal),
    Attempt::new(&[Global], Rqrr),
    Attempt::new(&[Half, Global], Rqrr),
    Attempt::new(&[Adaptive(8)], Rqrr),
    Attempt::new(&[Stretch, LocalBlocks], RxingGlobal),
    Attempt::new(&[Double, LocalBlocks], RxingGlobal),
    Attempt::new(&[Smooth(1), Stretch], Rxing),
    Attempt::new(&[Smooth(1)], Rxing),
];

/// A code read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The code's text.
    pub text: String,
    /// The attempt that read it.
    pub attempt: Attempt,
}

impl Read {
    /// The text's bytes (UTF-8), what a payload parser takes.
    pub fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

/// Whether a read's bytes are what the caller wants (e.g. a valid Caretrail payload).
pub type Accept = dyn Fn(&[u8]) -> bool;

/// How a scan runs.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// After this much time no further attempt starts (the first always runs).
    pub budget: Duration,
    /// When set, only a read this accepts ends the scan (e.g. one that parses as a Caretrail
    /// payload); other reads are kept to report [`DecodeError::NotAccepted`].
    pub accept: Option<&'a Accept>,
    /// The attempts, in order.
    pub attempts: &'a [Attempt],
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("budget", &self.budget)
            .field("accept", &self.accept.map(|_| "Fn(&[u8]) -> bool"))
            .field("attempts", &self.attempts.len())
            .finish()
    }
}

/// A frame's time budget by default: 100 ms, about three frames of a 30 fps camera.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(100);

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            budget: DEFAULT_BUDGET,
            accept: None,
            attempts: CASCADE,
        }
    }
}

impl<'a> Options<'a> {
    /// Stops only at a read that `accept` takes.
    pub fn accepting(accept: &'a Accept) -> Self {
        Self {
            accept: Some(accept),
            ..Self::default()
        }
    }
}

/// The order the attempts run in on a frame of `polarity`: as given, except that on a frame that
/// looks light on dark the attempts that invert it come right after the first.
pub fn in_order(attempts: &[Attempt], polarity: Polarity) -> Vec<Attempt> {
    let Some((first, rest)) = attempts.split_first() else {
        return Vec::new();
    };
    let mut order = vec![*first];
    if polarity == Polarity::LightOnDark {
        order.extend(rest.iter().filter(|a| a.inverts()));
        order.extend(rest.iter().filter(|a| !a.inverts()));
    } else {
        order.extend(rest);
    }
    order
}

/// Runs the attempts of `options` on `luma` until one reads an accepted code. `elapsed` tells
/// the time since the scan began; it is asked before each attempt after the first.
pub fn scan(
    luma: &Luma,
    options: &Options<'_>,
    elapsed: &mut dyn FnMut() -> Duration,
) -> Result<Read, DecodeError> {
    let mut seen = false;
    let mut checked_for_others = false;
    let mut refused: Option<Read> = None;
    let mut cache: Vec<(&[Prep], Luma)> = Vec::new();
    let attempts = match options.attempts.len() {
        0 | 1 => options.attempts.to_vec(),
        _ => in_order(options.attempts, polarity(luma)),
    };
    for (index, attempt) in attempts.iter().enumerate() {
        if index > 0 && elapsed() >= options.budget {
            return Err(match refused {
                Some(read) => DecodeError::NotAccepted(read),
                None => DecodeError::OutOfTime {
                    budget_ms: options.budget.as_millis(),
                },
            });
        }
        if !attempt.applies_to(luma) {
            continue;
        }
        let outcome = if attempt.preps.is_empty() {
            read(attempt.reader, luma)
        } else {
            let position = match cache.iter().position(|(preps, _)| *preps == attempt.preps) {
                Some(position) => position,
                None => {
                    cache.push((attempt.preps, attempt.prepare(luma)));
                    cache.len() - 1
                }
            };
            read(attempt.reader, &cache[position].1)
        };
        match outcome {
            Outcome::Read(mut texts) => {
                if texts.len() > 1 {
                    return Err(DecodeError::SeveralCodes(texts));
                }
                let read = Read {
                    text: texts.swap_remove(0),
                    attempt: *attempt,
                };
                // The first read of the scan: is there a second code beside it?
                if !checked_for_others {
                    checked_for_others = true;
                    if let Outcome::Read(all) = all_codes(luma)
                        && all.len() > 1
                    {
                        return Err(DecodeError::SeveralCodes(all));
                    }
                }
                if options.accept.is_none_or(|accept| accept(read.bytes())) {
                    return Ok(read);
                }
                refused.get_or_insert(read);
            }
            Outcome::Seen => seen = true,
            Outcome::Nothing | Outcome::Panicked => {}
        }
    }
    Err(match refused {
        Some(read) => DecodeError::NotAccepted(read),
        None if seen => DecodeError::Unreadable,
        None => DecodeError::NoCode,
    })
}
