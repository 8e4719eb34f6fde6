//! The 24-word BIP-39 recovery phrase, and the Ethereum key it derives: the same for the desktop
//! keystore and the web page, which both show it once when a key is made and restore from it.

use std::fmt;

use coins_bip39::{English, Mnemonic, Wordlist};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::SecretKey;

/// The derivation path of the first account of MetaMask, `cast wallet` and most Ethereum
/// wallets; the same phrase gives the same address there.
pub const ETHEREUM_PATH: &str = "m/44'/60'/0'/0/0";

/// Why a text is not a recovery phrase. The messages name positions, never words: a wrong word is
/// most likely a typo of a secret one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhraseError {
    #[error("a recovery phrase has {expected} words; this one has {found}")]
    WordCount { expected: usize, found: usize },
    #[error("word {position} is not in the BIP-39 English word list")]
    UnknownWord { position: usize },
    #[error(
        "every word is a BIP-39 word, but the checksum does not match: a word is wrong or out of place"
    )]
    Checksum,
}

/// A 24-word BIP-39 recovery phrase (256 bits of entropy), shown to the patient once when her key
/// is made. It is wiped from memory when dropped, prints as `<redacted>`, and has no `Serialize`
/// (nor `PartialEq`, which would compare it in variable time).
#[derive(Clone)]
pub struct RecoveryPhrase(Zeroizing<String>);

impl RecoveryPhrase {
    pub const WORDS: usize = 24;

    /// A fresh phrase from the caller's cryptographic RNG.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        // coins-bip39 keeps the entropy in a plain array it does not wipe; it lives only for
        // this call. The phrase itself is held zeroizing from here on.
        let mnemonic = Mnemonic::<English>::new_with_count(rng, Self::WORDS)
            .expect("24 is a BIP-39 word count");
        Self(Zeroizing::new(mnemonic.to_phrase()))
    }

    /// Reads a phrase as the patient typed it: any spacing, any letter case.
    pub fn parse(text: &str) -> Result<Self, PhraseError> {
        let found = text.split_whitespace().count();
        if found != Self::WORDS {
            return Err(PhraseError::WordCount {
                expected: Self::WORDS,
                found,
            });
        }
        let mut phrase = Zeroizing::new(String::with_capacity(text.len()));
        for (index, word) in text.split_whitespace().enumerate() {
            let word = Zeroizing::new(word.to_lowercase());
            if English::get_index(&word).is_err() {
                return Err(PhraseError::UnknownWord {
                    position: index + 1,
                });
            }
            if index > 0 {
                phrase.push(' ');
            }
            phrase.push_str(&word);
        }
        // Every word is known, so the only way left to fail is the checksum.
        Mnemonic::<English>::new_from_phrase(&phrase).map_err(|_| PhraseError::Checksum)?;
        Ok(Self(phrase))
    }

    /// The words, in order, to show the patient once.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }

    /// The whole phrase, words separated by one space, for another wallet to import.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The key at [`ETHEREUM_PATH`], with no BIP-39 passphrase (as MetaMask derives it).
    pub fn derive_key(&self) -> SecretKey {
        let derived = Mnemonic::<English>::new_from_phrase(&self.0)
            .and_then(|mnemonic| mnemonic.derive_key(ETHEREUM_PATH, None))
            .expect("a checked phrase derives at a fixed hardened path");
        let signing: &k256::ecdsa::SigningKey = derived.as_ref();
        let bytes = Zeroizing::new(<[u8; 32]>::from(signing.to_bytes()));
        SecretKey::from_bytes(&bytes).expect("BIP-32 yields a valid secp256k1 scalar")
    }
}

impl fmt::Debug for RecoveryPhrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryPhrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    // The BIP-39 test vector of all-zero entropy, 24 words; its address at m/44'/60'/0'/0/0 is
    // what MetaMask and `cast wallet address --mnemonic` print for it.
    const ZERO_PHRASE: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
        abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
        abandon abandon abandon abandon art";
    const ZERO_ADDRESS: &str = "0xf278cf59f82edcf871d630f28ecc8056f25c1cdb";

    #[test]
    fn the_standard_path_gives_the_wallets_address() {
        let phrase = RecoveryPhrase::parse(ZERO_PHRASE).unwrap();
        assert_eq!(phrase.derive_key().address().to_string(), ZERO_ADDRESS);
    }

    #[test]
    fn generated_phrases_have_24_words_and_parse_back() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let phrase = RecoveryPhrase::generate(&mut rng);
        assert_eq!(phrase.words().count(), 24);
        let again = RecoveryPhrase::parse(phrase.reveal()).unwrap();
        assert_eq!(again.reveal(), phrase.reveal());
        assert_eq!(again.derive_key(), phrase.derive_key());
        assert_ne!(RecoveryPhrase::generate(&mut rng).reveal(), phrase.reveal());
    }

    #[test]
    fn spacing_and_case_do_not_matter() {
        let messy = format!("  {}\n", ZERO_PHRASE.to_uppercase().replace(' ', " \t "));
        assert_eq!(RecoveryPhrase::parse(&messy).unwrap().reveal(), ZERO_PHRASE);
    }

    #[test]
    fn a_wrong_word_count_is_refused() {
        let short = ZERO_PHRASE.rsplit_once(' ').unwrap().0;
        assert_eq!(
            RecoveryPhrase::parse(short).unwrap_err(),
            PhraseError::WordCount {
                expected: 24,
                found: 23
            }
        );
        let twelve = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
            abandon abandon about";
        assert_eq!(
            RecoveryPhrase::parse(twelve).unwrap_err(),
            PhraseError::WordCount {
                expected: 24,
                found: 12
            }
        );
        assert_eq!(
            RecoveryPhrase::parse("").unwrap_err(),
            PhraseError::WordCount {
                expected: 24,
                found: 0
            }
        );
    }

    #[test]
    fn an_unknown_word_is_refused_by_position_without_echoing_it() {
        let typo = ZERO_PHRASE
            .replacen("abandon", "abandonn", 3)
            .replacen("abandonn", "abandon", 2);
        let error = RecoveryPhrase::parse(&typo).unwrap_err();
        assert_eq!(error, PhraseError::UnknownWord { position: 3 });
        assert!(!error.to_string().contains("abandonn"), "{error}");
    }

    #[test]
    fn a_bad_checksum_is_refused() {
        // "art" is the checksum word of all-zero entropy; "able" is a valid word that is not.
        let wrong = ZERO_PHRASE.replace(" art", " able");
        assert_eq!(
            RecoveryPhrase::parse(&wrong).unwrap_err(),
            PhraseError::Checksum
        );
    }

    #[test]
    fn a_phrase_never_prints_its_words() {
        let phrase = RecoveryPhrase::parse(ZERO_PHRASE).unwrap();
        for text in [
            format!("{phrase:?}"),
            format!("{phrase:#?}"),
            format!("{:?}", Some(&phrase)),
        ] {
            assert!(text.contains("<redacted>"), "{text}");
            assert!(!text.contains("abandon") && !text.contains("art"), "{text}");
        }
    }
}
