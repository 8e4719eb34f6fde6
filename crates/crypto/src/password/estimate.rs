//! How many guesses a password would take an attacker who tries common passwords, words and
//! patterns first: zxcvbn's minimum-guesses split, with smaller dictionaries and simpler scoring.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Only the first characters are estimated: the estimate of a prefix is a lower bound (every
/// further character multiplies the guesses by at least one), and a password this long that is
/// still guessable in its first 256 characters is refused anyway.
const MAX_ESTIMATED_CHARS: usize = 256;
/// The longest dictionary entry.
const MAX_WORD_CHARS: usize = 15;
/// Guesses per character guessed one by one (zxcvbn's brute-force cardinality).
const BRUTE_FORCE_LOG10: f64 = 1.0;
/// The fewest guesses a piece of two or more characters counts for (zxcvbn's).
const MIN_PIECE_GUESSES: f64 = 50.0;

/// A pattern the cheapest split of the password is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weakness {
    CommonPassword,
    CommonWord,
    Repeat,
    Sequence,
    KeyboardRow,
    Year,
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Weakness::CommonPassword => "a common password",
            Weakness::CommonWord => "a common English word",
            Weakness::Repeat => "a repeated character or block",
            Weakness::Sequence => "a run like abcd or 4321",
            Weakness::KeyboardRow => "a keyboard row like qwerty",
            Weakness::Year => "a year",
        })
    }
}

/// The guesses the cheapest split takes, as a power of ten, and the patterns in that split.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub guesses_log10: f64,
    pub weaknesses: Vec<Weakness>,
}

/// A stretch `start..end` of the password (in characters) an attacker guesses as one piece.
#[derive(Debug)]
struct Piece {
    start: usize,
    end: usize,
    log10: f64,
    weaknesses: Vec<Weakness>,
}

/// Estimates the guesses `password` takes.
pub fn estimate(password: &str) -> Estimate {
    let chars: Vec<char> = password.chars().take(MAX_ESTIMATED_CHARS).collect();
    let mut cache = HashMap::new();
    split(&chars, true, &mut cache)
}

/// The cheapest split of `chars` into pieces; repeats only when `repeats` (a repeated block's own
/// estimate is of its block, without looking for repeats in it again).
fn split(chars: &[char], repeats: bool, cache: &mut HashMap<Vec<char>, Estimate>) -> Estimate {
    let n = chars.len();
    let mut pieces = Vec::new();
    dictionary_pieces(chars, &mut pieces);
    run_pieces(chars, &mut pieces);
    year_pieces(chars, &mut pieces);
    if repeats {
        repeat_pieces(chars, cache, &mut pieces);
    }
    let mut ending_at: Vec<Vec<usize>> = vec![Vec::new(); n + 1];
    for (index, piece) in pieces.iter().enumerate() {
        ending_at[piece.end].push(index);
    }
    // best[j]: the fewest guesses (log10) for chars[..j], and the piece that ends the split
    // (None: one character guessed alone).
    let mut best: Vec<(f64, Option<usize>)> = vec![(0.0, None); n + 1];
    for j in 1..=n {
        best[j] = (best[j - 1].0 + BRUTE_FORCE_LOG10, None);
        for &index in &ending_at[j] {
            let piece = &pieces[index];
            let total = best[piece.start].0 + piece.log10;
            if total < best[j].0 {
                best[j] = (total, Some(index));
            }
        }
    }
    let mut weaknesses = Vec::new();
    let mut j = n;
    while j > 0 {
        match best[j].1 {
            Some(index) => {
                weaknesses.extend_from_slice(&pieces[index].weaknesses);
                j = pieces[index].start;
            }
            None => j -= 1,
        }
    }
    weaknesses.sort();
    weaknesses.dedup();
    Estimate {
        guesses_log10: best[n].0,
        weaknesses,
    }
}

fn piece(start: usize, end: usize, guesses: f64, weaknesses: Vec<Weakness>) -> Piece {
    Piece {
        start,
        end,
        log10: guesses.max(MIN_PIECE_GUESSES).log10(),
        weaknesses,
    }
}

/// zxcvbn's passwords and English words, each ranked by frequency (1 = the most common).
fn dictionaries() -> &'static [(HashMap<&'static str, u32>, Weakness); 2] {
    static DICTIONARIES: OnceLock<[(HashMap<&'static str, u32>, Weakness); 2]> = OnceLock::new();
    DICTIONARIES.get_or_init(|| {
        let ranked = |text: &'static str| {
            text.lines()
                .zip(1..)
                .collect::<HashMap<&'static str, u32>>()
        };
        [
            (
                ranked(include_str!("passwords.txt")),
                Weakness::CommonPassword,
            ),
            (ranked(include_str!("english.txt")), Weakness::CommonWord),
        ]
    })
}

/// The letter a digit or symbol stands for in "l33t" spelling.
fn unleet(c: char) -> char {
    match c {
        '4' | '@' => 'a',
        '8' => 'b',
        '(' => 'c',
        '3' => 'e',
        '6' => 'g',
        '1' | '!' | '|' => 'i',
        '0' => 'o',
        '$' | '5' => 's',
        '7' | '+' => 't',
        '2' => 'z',
        other => other,
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// How many ways the word's capitals could have been placed: 1 in lower case, 2 for a first
/// capital or all capitals, else the ways to choose that many capitals.
fn capitals_factor(word: &[char]) -> f64 {
    let upper = word.iter().filter(|c| c.is_uppercase()).count();
    let lower = word.iter().filter(|c| c.is_lowercase()).count();
    if upper == 0 {
        1.0
    } else if lower == 0 || (upper == 1 && word[0].is_uppercase()) {
        2.0
    } else {
        let total = upper + lower;
        (1..=upper.min(lower))
            .map(|k| binomial(total, k))
            .sum::<f64>()
    }
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Words of three or more characters from the dictionaries, as written, reversed, or in l33t.
fn dictionary_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let n = chars.len();
    for start in 0..n {
        for end in (start + 3)..=n.min(start + MAX_WORD_CHARS) {
            let word = &chars[start..end];
            let plain: String = word.iter().copied().map(lower).collect();
            let unleeted: String = word.iter().map(|&c| unleet(lower(c))).collect();
            let substituted = word
                .iter()
                .filter(|&&c| unleet(lower(c)) != lower(c))
                .count();
            let capitals = capitals_factor(word);
            for (dictionary, weakness) in dictionaries() {
                let mut candidates = vec![(plain.clone(), 1.0)];
                if substituted > 0 {
                    candidates.push((unleeted.clone(), 2f64.powi(substituted as i32)));
                }
                for (text, factor) in candidates {
                    let reversed: String = text.chars().rev().collect();
                    for (text, reversal) in [(text, 1.0), (reversed, 2.0)] {
                        if let Some(&rank) = dictionary.get(text.as_str()) {
                            let guesses = f64::from(rank) * capitals * factor * reversal;
                            pieces.push(piece(start, end, guesses, vec![*weakness]));
                        }
                    }
                }
            }
        }
    }
}

/// The rows of a US keyboard, unshifted.
const KEYBOARD_ROWS: [&str; 4] = [
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
];

/// Runs of three or more characters one step apart: `abcd`, `4321` (alphabet or digits), and
/// `qwer`, `lkjh` (a keyboard row).
fn run_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let n = chars.len();
    for start in 0..n {
        // In the alphabet or the digits, up or down.
        for step in [1i64, -1] {
            let mut end = start + 1;
            while end < n
                && same_class(chars[end - 1], chars[end])
                && i64::from(u32::from(chars[end])) - i64::from(u32::from(chars[end - 1])) == step
            {
                end += 1;
                if end - start >= 3 {
                    let first = chars[start];
                    let starts = if "aAzZ019".contains(first) {
                        4.0
                    } else if first.is_ascii_digit() {
                        10.0
                    } else {
                        26.0
                    };
                    let direction = if step < 0 { 2.0 } else { 1.0 };
                    let guesses = starts * (end - start) as f64 * direction;
                    pieces.push(piece(start, end, guesses, vec![Weakness::Sequence]));
                }
            }
        }
        // Along a keyboard row, either way.
        for row in KEYBOARD_ROWS {
            let keys: Vec<char> = row.chars().collect();
            let position = |c: char| keys.iter().position(|&k| k == lower(c));
            for step in [1i64, -1] {
                let mut end = start + 1;
                while end < n {
                    match (position(chars[end - 1]), position(chars[end])) {
                        (Some(a), Some(b)) if b as i64 - a as i64 == step => end += 1,
                        _ => break,
                    }
                    if end - start >= 3 {
                        let direction = if step < 0 { 2.0 } else { 1.0 };
                        let guesses = 100.0 * (end - start) as f64 * direction;
                        pieces.push(piece(start, end, guesses, vec![Weakness::KeyboardRow]));
                    }
                }
            }
        }
    }
}

fn same_class(a: char, b: char) -> bool {
    (a.is_ascii_digit() && b.is_ascii_digit())
        || (a.is_ascii_lowercase() && b.is_ascii_lowercase())
        || (a.is_ascii_uppercase() && b.is_ascii_uppercase())
}

/// Years from 1900 to 2099, written with four digits.
fn year_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    for (start, window) in chars.windows(4).enumerate() {
        let year: String = window.iter().collect();
        if window.iter().all(char::is_ascii_digit)
            && (year.starts_with("19") || year.starts_with("20"))
        {
            pieces.push(piece(start, start + 4, 200.0, vec![Weakness::Year]));
        }
    }
}

/// A block repeated: `aaaa`, `abcabc`, `passwordpassword`; guessed as its block's guesses times
/// the number of repeats.
fn repeat_pieces(
    chars: &[char],
    cache: &mut HashMap<Vec<char>, Estimate>,
    pieces: &mut Vec<Piece>,
) {
    let n = chars.len();
    for start in 0..n {
        for block in 1..=(n - start) / 2 {
            let base = &chars[start..start + block];
            let mut count = 1;
            while start + (count + 1) * block <= n
                && &chars[start + count * block..start + (count + 1) * block] == base
            {
                count += 1;
                if count < 2 || (block == 1 && count < 3) {
                    continue;
                }
                let estimate = cache
                    .entry(base.to_vec())
                    .or_insert_with_key(|base| split(base, false, &mut HashMap::new()))
                    .clone();
                let mut weaknesses = estimate.weaknesses;
                weaknesses.push(Weakness::Repeat);
                let guesses = 10f64.powf(estimate.guesses_log10) * count as f64;
                pieces.push(piece(start, start + count * block, guesses, weaknesses));
            }
        }
    }
}
