//! The cascade: attempts (a preprocessing, then a reader) in a fixed order until one reads a
//! code the caller accepts, within a time budget. The decisions are pure: the clock is passed
//! in, so the order and the budget are tested without one.

use std::time::Duration;

use super::error::DecodeError;
use super::frame::Luma;
use super::preprocess::Prep;
use super::readers::{Outcome, Reader, read};

/// One attempt of the cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempt {
    pub prep: Prep,
    pub reader: Reader,
}

impl Attempt {
    pub const fn new(prep: Prep, reader: Reader) -> Self {
        Self { prep, reader }
    }

    pub fn name(&self) -> String {
        format!("{} {}", self.reader.name(), self.prep.name())
    }

    /// Whether the attempt is worth its cost on a picture of this size: doubling is for small
    /// pictures (codes of few pixels per module), halving for large ones.
    pub fn applies_to(&self, luma: &Luma) -> bool {
        let (short, long) = (
            luma.width().min(luma.height()),
            luma.width().max(luma.height()),
        );
        match self.prep {
            Prep::Double => long <= 1024,
            Prep::Half => short >= 240,
            _ => true,
        }
    }

    /// Runs the attempt alone (the bench measures each so).
    pub fn run(&self, luma: &Luma) -> Outcome {
        if !self.applies_to(luma) {
            return Outcome::Nothing;
        }
        match self.prep {
            Prep::Original => read(self.reader, luma),
            prep => read(self.reader, &prep.apply(luma)),
        }
    }
}

/// Every attempt the bench weighs for the cascade.
pub const CANDIDATES: &[Attempt] = &[
    Attempt::new(Prep::Original, Reader::Rxing),
    Attempt::new(Prep::Original, Reader::RxingGlobal),
    Attempt::new(Prep::Stretch, Reader::Rxing),
    Attempt::new(Prep::Global, Reader::RxingGlobal),
    Attempt::new(Prep::Adaptive(8), Reader::RxingGlobal),
    Attempt::new(Prep::Adaptive(24), Reader::RxingGlobal),
    Attempt::new(Prep::LocalBlocks, Reader::RxingGlobal),
    Attempt::new(Prep::Half, Reader::Rxing),
    Attempt::new(Prep::Double, Reader::Rxing),
    Attempt::new(Prep::Original, Reader::Rqrr),
    Attempt::new(Prep::Global, Reader::Rqrr),
    Attempt::new(Prep::Adaptive(8), Reader::Rqrr),
    Attempt::new(Prep::Adaptive(24), Reader::Rqrr),
    Attempt::new(Prep::LocalBlocks, Reader::Rqrr),
    Attempt::new(Prep::Half, Reader::Rqrr),
    Attempt::new(Prep::Inverted, Reader::Rxing),
];

/// The cascade's attempts, in order: rxing first, then the attempts that add reads on the
/// generated set, by reads added per millisecond (`qr` bench, `--fit`), then rqrr alone, and
/// inversion last.
pub const CASCADE: &[Attempt] = &[
    Attempt::new(Prep::Original, Reader::Rxing),
    Attempt::new(Prep::LocalBlocks, Reader::RxingGlobal),
    Attempt::new(Prep::Adaptive(8), Reader::RxingGlobal),
    Attempt::new(Prep::Double, Reader::Rxing),
    Attempt::new(Prep::Original, Reader::Rqrr),
    Attempt::new(Prep::Inverted, Reader::Rxing),
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

/// How a scan runs.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// After this much time no further attempt starts (the first always runs).
    pub budget: Duration,
    /// When set, only a read this accepts ends the scan (e.g. one that parses as a Caretrail
    /// payload); other reads are kept to report [`DecodeError::NotAccepted`].
    pub accept: Option<&'a dyn Fn(&[u8]) -> bool>,
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
    pub fn accepting(accept: &'a dyn Fn(&[u8]) -> bool) -> Self {
        Self {
            accept: Some(accept),
            ..Self::default()
        }
    }
}

/// Runs the attempts of `options` on `luma` until one reads an accepted code. `elapsed` tells
/// the time since the scan began; it is asked before each attempt after the first.
pub fn scan(
    luma: &Luma,
    options: &Options<'_>,
    elapsed: &mut dyn FnMut() -> Duration,
) -> Result<Read, DecodeError> {
    let mut seen = false;
    let mut refused: Option<Read> = None;
    let mut cache: Vec<(Prep, Luma)> = Vec::new();
    for (index, attempt) in options.attempts.iter().enumerate() {
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
        let outcome = if attempt.prep == Prep::Original {
            read(attempt.reader, luma)
        } else {
            let position = match cache.iter().position(|(prep, _)| *prep == attempt.prep) {
                Some(position) => position,
                None => {
                    cache.push((attempt.prep, attempt.prep.apply(luma)));
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
