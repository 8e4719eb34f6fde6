//! The password policy of both wallets: the desktop keystore (`caretrail-keystore`'s `Password`)
//! and the web page ([`crate::sealed_key::seal`]) keep a key only under a password that is at
//! least [`MIN_CHARS`] characters long and that [`estimate`] puts at [`MIN_GUESSES_LOG10`] or more
//! (10^10 guesses, zxcvbn's top score).
//!
//! [`estimate`] is zxcvbn's method, compacted to fit the web page: the password is split into the
//! pieces an attacker would try first (a common password or English word, also reversed, in
//! capitals or with digits for letters; a repeated character or block; a run like `abcd` or
//! `4321`; a keyboard row like `qwerty`; a year) or else characters guessed one by one, and the
//! cheapest split's guesses are the estimate. Its dictionaries are zxcvbn's first 2,000 passwords
//! and first 2,000 English words (`passwords.txt`, `english.txt`; 31 KB, 16 KB gzipped): the
//! `zxcvbn` crate itself adds 846 KB gzipped to the web page's wasm, over its 500 KB budget.

mod estimate;

pub use estimate::{Estimate, Weakness, estimate};

/// The fewest characters (Unicode scalar values) a password may have.
pub const MIN_CHARS: usize = 12;
/// The fewest guesses, as a power of ten, [`estimate`] must find.
pub const MIN_GUESSES_LOG10: f64 = 10.0;

/// Why a password may not keep a key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeakPassword {
    #[error("the password is too short: at least {min} characters, this one has {found}")]
    TooShort { min: usize, found: usize },
    #[error(
        "the password is too easy to guess (about 10^{} guesses): {}; use more \
         words, or words and characters that are not a pattern",
        // Rounded as an integer: the web page's wasm carries no float formatting.
        guesses_log10.round() as i64,
        describe(weaknesses)
    )]
    TooGuessable {
        guesses_log10: f64,
        weaknesses: Vec<Weakness>,
    },
}

fn describe(weaknesses: &[Weakness]) -> String {
    if weaknesses.is_empty() {
        return "too few characters that are not a pattern".into();
    }
    let parts: Vec<String> = weaknesses.iter().map(ToString::to_string).collect();
    format!("it is made of {}", parts.join(", "))
}

/// Checks `password` against the policy.
pub fn check(password: &str) -> Result<(), WeakPassword> {
    let found = password.chars().count();
    if found < MIN_CHARS {
        return Err(WeakPassword::TooShort {
            min: MIN_CHARS,
            found,
        });
    }
    let estimate = estimate(password);
    if estimate.guesses_log10 < MIN_GUESSES_LOG10 {
        return Err(WeakPassword::TooGuessable {
            guesses_log10: estimate.guesses_log10,
            weaknesses: estimate.weaknesses,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_accepted_or_refused_with_their_reason() {
        use Weakness::*;
        enum Expected {
            Accepted,
            TooShort(usize),
            Guessable(&'static [Weakness]),
        }
        use Expected::*;
        let table: &[(&str, Expected)] = &[
            // Passphrases and random strings.
            ("correct horse battery staple", Accepted),
            ("a password with spaces", Accepted),
            ("caretrail 2013 keystore", Accepted),
            ("vX9#qL2!mR7$", Accepted),
            ("Tr0ub4dor&3-zebra-quill", Accepted),
            ("glimmer orbit canyon", Accepted),
            ("the tide mill of Skagen 7", Accepted),
            ("пароль-для-ключа-зимой", Accepted),
            // Too short, whatever they hold.
            ("", TooShort(0)),
            ("pw", TooShort(2)),
            ("vX9#qL2!mR7", TooShort(11)),
            ("ǅž€ñ漢字", TooShort(6)),
            // Long enough, but patterns and common words.
            ("passwordpassword", Guessable(&[CommonPassword, Repeat])),
            ("aaaaaaaaaaaaaaaa", Guessable(&[Repeat])),
            ("abcdefghijklmnop", Guessable(&[Sequence])),
            ("1234567890123", Guessable(&[Sequence])),
            ("qwertyuiopasdf", Guessable(&[CommonPassword])),
            ("ertyuiop[]sdfghjkl", Guessable(&[KeyboardRow])),
            ("P@ssw0rd123456", Guessable(&[CommonPassword])),
            ("iloveyou1987!", Guessable(&[CommonPassword, Year])),
            ("sunshine2024!", Guessable(&[CommonPassword, Year])),
            ("drowssapdrowssap", Guessable(&[CommonPassword, Repeat])),
            ("FOOTBALLsoccer", Guessable(&[CommonPassword])),
            ("monkeydragon123", Guessable(&[CommonPassword])),
            ("thepeoplewhich", Guessable(&[CommonWord])),
            ("abcabcabcabcabc", Guessable(&[Repeat])),
        ];
        for (password, expected) in table {
            let got = check(password);
            match (expected, &got) {
                (Accepted, Ok(())) => {}
                (TooShort(n), Err(WeakPassword::TooShort { min, found }))
                    if found == n && *min == MIN_CHARS => {}
                (Guessable(kinds), Err(WeakPassword::TooGuessable { weaknesses, .. })) => {
                    for kind in *kinds {
                        assert!(
                            weaknesses.contains(kind),
                            "{password:?}: {kind:?} not among {weaknesses:?}"
                        );
                    }
                }
                _ => panic!("{password:?}: {got:?} (estimate {:?})", estimate(password)),
            }
        }
    }

    #[test]
    fn a_refusal_says_what_is_wrong() {
        let short = check("hunter2").unwrap_err().to_string();
        assert!(
            short.contains("too short") && short.contains("12"),
            "{short}"
        );
        let guessable = check("password12345").unwrap_err().to_string();
        assert!(
            guessable.contains("too easy to guess") && guessable.contains("a common password"),
            "{guessable}"
        );
        assert!(!guessable.contains("password12345"), "{guessable}");
    }
}
