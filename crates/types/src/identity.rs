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
}

/// Letters, digits and inner hyphens, upper-cased, spaces around it removed: the one parser of the
/// identifiers a person types (national ID, insurance card, licence numbers).
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
}
