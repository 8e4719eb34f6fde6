//! FHIR `Quantity` (and `SimpleQuantity`, the same without a comparator): a measured amount.

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::datatypes::Decimal;

/// A value with its unit, as text and optionally as a code (UCUM).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quantity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    /// `<`, `<=`, `>=` or `>`; absent in a `SimpleQuantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Quantity {
    /// A bare count or amount, with no unit.
    pub fn count(value: impl Into<Decimal>) -> Self {
        Self {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// `value` of the unit as people read it (`"visits per year"`).
    pub fn with_unit(value: impl Into<Decimal>, unit: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            unit: Some(unit.into()),
            ..Self::default()
        }
    }
}
