//! FHIR `decimal`: a JSON number kept as the number it was read as.
//!
//! The workspace does not enable serde_json's `arbitrary_precision` (it changes how every `u64`
//! field in every crate parses), so a decimal is a `serde_json::Number`: integers stay exact
//! integers, and a fraction is the `f64` serde_json reads, written back as the shortest text that
//! reads as the same `f64`. A round trip is therefore exact as a JSON value, but not as text:
//! `100.00` comes back as `100.0`, and a fraction beyond `f64`'s 17 digits is rounded on read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Number;

/// A FHIR decimal, as the JSON number it was read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Decimal(Number);

/// Text that is not a FHIR decimal (the JSON number grammar).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a FHIR decimal")]
pub struct DecimalError(pub String);

impl Decimal {
    /// Reads decimal text such as `"1250.50"`; it must be a JSON number, no spaces.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        Number::from_str(text)
            .map(Self)
            .map_err(|_| DecimalError(text.to_owned()))
    }

    /// The JSON number.
    pub fn as_number(&self) -> &Number {
        &self.0
    }

    /// The value as an `f64`, for display and arithmetic that may round.
    pub fn to_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
}

impl From<u64> for Decimal {
    fn from(value: u64) -> Self {
        Self(value.into())
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Self(value.into())
    }
}

impl From<u32> for Decimal {
    fn from(value: u32) -> Self {
        Self(value.into())
    }
}

impl From<Number> for Decimal {
    fn from(value: Number) -> Self {
        Self(value)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    #[test]
    fn parses_json_numbers_only() {
        assert_eq!(
            Decimal::parse("1250").map(|d| d.to_string()),
            Ok("1250".into())
        );
        assert_eq!(
            Decimal::parse("0.1").map(|d| d.to_string()),
            Ok("0.1".into())
        );
        assert_eq!(
            Decimal::parse("-3.5e2").map(|d| d.to_f64()),
            Ok(Some(-350.0))
        );
        for bad in ["", " 1", "1 ", "01", "1.", ".5", "+1", "NaN", "1,5"] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_round_trip_is_exact_as_a_json_value() {
        for text in [
            "100.00",
            "0.1",
            "1e-7",
            "12345678901234567890",
            "-0.0",
            "3.14159265358979",
        ] {
            let read: serde_json::Value = serde_json::from_str(text).unwrap();
            let decimal: Decimal = serde_json::from_value(read.clone()).unwrap();
            let written = serde_json::to_string(&decimal).unwrap();
            let reread: serde_json::Value = serde_json::from_str(&written).unwrap();
            assert_eq!(read, reread, "{text} came back as {written}");
        }
    }
}
