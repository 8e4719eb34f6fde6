//! FHIR `Identifier`: a business identifier in a namespace.

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::datatypes::{CodeableConcept, Period, Reference};

/// A value in the namespace `system` names (a NID, a card number, a claim number).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifier {
    /// usual | official | temp | secondary | old.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub r#use: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigner: Option<Box<Reference>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Identifier {
    /// `value` in the namespace `system`.
    pub fn new(system: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            system: Some(system.into()),
            value: Some(value.into()),
            ..Self::default()
        }
    }
}
