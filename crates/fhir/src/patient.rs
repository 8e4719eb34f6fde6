//! FHIR `Patient`: the person the records are about.

use serde::{Deserialize, Serialize};

use crate::{Address, Extra, HumanName, Identifier, Meta, ResourceType, TypedResource};

/// A patient: identifiers (NID, insurance card), names, gender, birth date and addresses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub resource_type: ResourceType<Patient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<AdministrativeGender>,
    /// A FHIR date: `1990`, `1990-04` or `1990-04-12`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for Patient {
    const RESOURCE_TYPE: &'static str = "Patient";
}

/// `Patient.gender` (a required binding: no other code is valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdministrativeGender {
    Male,
    Female,
    Other,
    Unknown,
}
