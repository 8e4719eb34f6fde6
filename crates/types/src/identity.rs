//! Who someone is, as the outside registries say it: citizens in the election commission's (EC)
//! registry, insurance cards at the insurer, licences in the government health-service registry.
//! And the parsing of the identifiers people type.

use crate::{Address, Hash32};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier someone typed was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("the {0} is empty")]
    Empty(&'static str),
    #[error("the {what} must be {min} to {max} characters long; {found} were given")]
    Length {
        what: &'static str,
        min: usize,
        max: usize,
        found: usize,
    },
    #[error("the {what} may hold only letters A–Z, digits and hyphens; {found:?} is not allowed")]
    Character { what: &'static str, found: char },
    #[error("the {0} must hold at least one letter or digit")]
    NoLetterOrDigit(&'static str),
    #[error("the {0} may not start with a hyphen")]
    LeadingHyphen(&'static str),
    #[error("the {0} may not end with a hyphen")]
    TrailingHyphen(&'static str),
    #[error("the {0} may not hold two hyphens in a row")]
    DoubledHyphen(&'static str),
}

/// Letters, digits and single inner hyphens, upper-cased, spaces around it removed: the one parser
/// of the identifiers a person types (national ID, insurance card, licence numbers). At least one
/// letter or digit; no hyphen first, last, or next to another.
fn identifier(
    text: &str,
    what: &'static str,
    min: usize,
    max: usize,
) -> Result<String, IdentifierError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(IdentifierError::Empty(what));
    }
    if let Some(found) = trimmed
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(IdentifierError::Character { what, found });
    }
    if !trimmed.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(IdentifierError::NoLetterOrDigit(what));
    }
    if trimmed.starts_with('-') {
        return Err(IdentifierError::LeadingHyphen(what));
    }
    if trimmed.ends_with('-') {
        return Err(IdentifierError::TrailingHyphen(what));
    }
    if trimmed.contains("--") {
        return Err(IdentifierError::DoubledHyphen(what));
    }
    let count = trimmed.chars().count();
    if !(min..=max).contains(&count) {
        return Err(IdentifierError::Length {
            what,
            min,
            max,
            found: count,
        });
    }
    Ok(trimmed.to_ascii_uppercase())
}

macro_rules! identifier_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $min:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, IdentifierError> {
                identifier(text, $what, $min, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

identifier_type!(
    /// A national ID number (NID), as the EC registry issues it.
    Nid, "national ID number", 6, 24
);
identifier_type!(
    /// An insurance card number (I_ID), as the insurer issues it.
    CardNumber, "insurance card number", 6, 32
);
identifier_type!(
    /// A licence number in the government health-service registry.
    LicenceNumber, "licence number", 4, 32
);

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub line: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
}

/// A citizen as the EC registry holds her (her photo is served beside this record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citizen {
    pub nid: Nid,
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub address: PostalAddress,
}

/// What a government licence allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceKind {
    Hospital,
    Clinic,
    Laboratory,
    Insurer,
}

/// Where a licence stands in the government registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Active,
    Suspended,
    Revoked,
}

/// A licence as the government health-service registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub licence: LicenceNumber,
    pub name: String,
    pub kind: LicenceKind,
    pub status: LicenceStatus,
    pub city: String,
}

/// Where an insurance card stands at its insurer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    Active,
    Expired,
    Cancelled,
}

/// An insurance card's coverage, as its insurer answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub card_number: CardNumber,
    pub status: CoverageStatus,
    /// `YYYY-MM-DD`, the last day covered.
    pub valid_until: String,
    pub insurer: Address,
    pub insurer_name: String,
    /// The plan's short name at the insurer.
    pub plan: String,
    /// The plan's policy id on chain.
    pub policy_id: Hash32,
    /// The media type of the plan's policy document.
    pub media_type: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_trimmed_and_upper_cased() {
        assert_eq!(
            Nid::parse("  19710302-4411 ").map(|n| n.to_string()),
            Ok("19710302-4411".into())
        );
        assert_eq!(
            CardNumber::parse("mmh-100-2001").map(|n| n.to_string()),
            Ok("MMH-100-2001".into())
        );
    }

    #[test]
    fn identifiers_refuse_what_no_registry_issues() {
        assert_eq!(
            Nid::parse("   "),
            Err(IdentifierError::Empty("national ID number"))
        );
        assert!(matches!(
            Nid::parse("123"),
            Err(IdentifierError::Length { found: 3, .. })
        ));
        assert!(matches!(
            Nid::parse("1971 0302"),
            Err(IdentifierError::Character { found: ' ', .. })
        ));
        assert!(matches!(
            CardNumber::parse("MMH/../../etc"),
            Err(IdentifierError::Character { found: '/', .. })
        ));
        assert!(matches!(
            LicenceNumber::parse(&"A".repeat(33)),
            Err(IdentifierError::Length { found: 33, .. })
        ));
        // Deserializing goes through the same parser.
        assert!(serde_json::from_str::<Nid>("\"12 34\"").is_err());
        assert!(serde_json::from_str::<Nid>("\"123456\"").is_ok());
    }

    /// Each case: what was typed, and what the parser makes of it (the identifier as stored, or
    /// the refusal), the same whether typed or read from JSON.
    fn check_table<T: serde::de::DeserializeOwned + fmt::Display>(
        parse: fn(&str) -> Result<T, IdentifierError>,
        cases: &[(&str, Result<&str, IdentifierError>)],
    ) {
        for (input, expected) in cases {
            let parsed = parse(input).map(|id| id.to_string());
            assert_eq!(
                parsed.as_deref(),
                expected.as_ref().map(|s| *s),
                "{input:?}"
            );
            let json = serde_json::to_string(input).expect("a string");
            let read = serde_json::from_str::<T>(&json).map(|id| id.to_string());
            match expected {
                Ok(stored) => assert_eq!(read.expect("reads"), *stored, "{input:?}"),
                Err(refusal) => {
                    let message = read.expect_err("refused").to_string();
                    assert!(
                        message.starts_with(&refusal.to_string()),
                        "{input:?}: {message}"
                    );
                }
            }
        }
    }

    #[test]
    fn national_ids_accepted_and_refused() {
        use IdentifierError::*;
        let what = "national ID number";
        check_table(
            Nid::parse,
            &[
                ("19710302-4411", Ok("19710302-4411")),
                (" 19680915-2284\t", Ok("19680915-2284")),
                ("ab12cd", Ok("AB12CD")),
                ("1-2-3-4", Ok("1-2-3-4")),
                ("123456789012345678901234", Ok("123456789012345678901234")),
                ("", Err(Empty(what))),
                ("------", Err(NoLetterOrDigit(what))),
                ("-19710302", Err(LeadingHyphen(what))),
                ("19710302-", Err(TrailingHyphen(what))),
                ("19710302--4411", Err(DoubledHyphen(what))),
                ("1971_0302", Err(Character { what, found: '_' })),
                (
                    "19710302-441\u{0661}",
                    Err(Character {
                        what,
                        found: '\u{0661}',
                    }),
                ),
                (
                    "12345",
                    Err(Length {
                        what,
                        min: 6,
                        max: 24,
                        found: 5,
                    }),
                ),
                (
                    &"1".repeat(25),
                    Err(Length {
                        what,
                        min: 6,
                        max: 24,
                        found: 25,
                    }),
                ),
            ],
        );
    }

    #[test]
    fn card_numbers_accepted_and_refused() {
        use IdentifierError::*;
        let what = "insurance card number";
        check_table(
            CardNumber::parse,
            &[
                ("MMH-1001-0001", Ok("MMH-1001-0001")),
                ("mmh-1001-0002", Ok("MMH-1001-0002")),
                ("MMH10010003", Ok("MMH10010003")),
                ("  ", Err(Empty(what))),
                ("-------", Err(NoLetterOrDigit(what))),
                ("-MMH-1001", Err(LeadingHyphen(what))),
                ("MMH-1001-", Err(TrailingHyphen(what))),
                ("MMH--1001", Err(DoubledHyphen(what))),
                ("MMH-1001---0001", Err(DoubledHyphen(what))),
                ("MMH.1001", Err(Character { what, found: '.' })),
                (
                    "MMH-1",
                    Err(Length {
                        what,
                        min: 6,
                        max: 32,
                        found: 5,
                    }),
                ),
            ],
        );
    }

    #[test]
    fn licence_numbers_accepted_and_refused() {
        use IdentifierError::*;
        let what = "licence number";
        check_table(
            LicenceNumber::parse,
            &[
                ("HO-LIC-1001", Ok("HO-LIC-1001")),
                ("ins-sandbox-0001", Ok("INS-SANDBOX-0001")),
                ("A1B2", Ok("A1B2")),
                ("", Err(Empty(what))),
                ("----", Err(NoLetterOrDigit(what))),
                ("-", Err(NoLetterOrDigit(what))),
                ("-HO-LIC", Err(LeadingHyphen(what))),
                ("HO-LIC-", Err(TrailingHyphen(what))),
                ("HO--LIC", Err(DoubledHyphen(what))),
                ("HO LIC", Err(Character { what, found: ' ' })),
                (
                    "HO1",
                    Err(Length {
                        what,
                        min: 4,
                        max: 32,
                        found: 3,
                    }),
                ),
            ],
        );
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let cases = [
            (
                Nid::parse("------").map(drop),
                "the national ID number must hold at least one letter or digit",
            ),
            (
                CardNumber::parse("-MMH-1001").map(drop),
                "the insurance card number may not start with a hyphen",
            ),
            (
                CardNumber::parse("MMH-1001-").map(drop),
                "the insurance card number may not end with a hyphen",
            ),
            (
                LicenceNumber::parse("HO--LIC").map(drop),
                "the licence number may not hold two hyphens in a row",
            ),
        ];
        for (result, message) in cases {
            assert_eq!(result.expect_err(message).to_string(), message);
        }
    }
}
