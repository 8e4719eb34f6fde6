//! FHIR `Coverage`: the insurance that pays for a patient's care.

use serde::{Deserialize, Serialize};

use crate::codes::FinancialStatus;
use crate::{
    CodeableConcept, Extra, Identifier, Meta, Period, Reference, ResourceType, TypedResource,
};

/// A patient's cover under a plan: who benefits, who pays, the member number and the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub resource_type: ResourceType<Coverage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Required.
    pub status: FinancialStatus,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_holder: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Reference>,
    /// The member (card) number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_id: Option<String>,
    /// Required: the patient covered.
    pub beneficiary: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// Required, one or more: the insurer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payor: Vec<Reference>,
    #[serde(default, rename = "class", skip_serializing_if = "Vec::is_empty")]
    pub class: Vec<CoverageClass>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for Coverage {
    const RESOURCE_TYPE: &'static str = "Coverage";
}

/// A classification of the cover: its group, plan or class, by value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageClass {
    /// Required: `group`, `plan`, `class`... (coverage-class code system).
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    /// Required.
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
