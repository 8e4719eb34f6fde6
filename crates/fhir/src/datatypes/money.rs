//! FHIR `Money`: an amount in a currency.

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::datatypes::Decimal;

/// An amount and its ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Money {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Money {
    /// `value` in `currency` (`"BDT"`).
    pub fn new(value: impl Into<Decimal>, currency: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            currency: Some(currency.into()),
            ..Self::default()
        }
    }
}
