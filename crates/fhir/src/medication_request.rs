//! FHIR `MedicationRequest`: a prescription, one medicine per resource.

use serde::{Deserialize, Serialize};

use crate::{
    CodeableConcept, Extra, Identifier, Instant, Meta, Reference, ResourceType, TypedResource,
};

/// An order for one medicine for the patient, with how to take it.
///
/// R4 requires `status`, `intent`, a medication (`medicationCodeableConcept` or
/// `medicationReference`: exactly one) and `subject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    pub resource_type: ResourceType<MedicationRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Required.
    pub status: MedicationRequestStatus,
    /// Required.
    pub intent: MedicationRequestIntent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication_reference: Option<Reference>,
    /// Required.
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dosage_instruction: Vec<Dosage>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for MedicationRequest {
    const RESOURCE_TYPE: &'static str = "MedicationRequest";
}

/// `MedicationRequest.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MedicationRequestStatus {
    Active,
    OnHold,
    Cancelled,
    Completed,
    EnteredInError,
    Stopped,
    Draft,
    Unknown,
}

/// `MedicationRequest.intent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MedicationRequestIntent {
    Proposal,
    Plan,
    Order,
    OriginalOrder,
    ReflexOrder,
    FillerOrder,
    InstanceOrder,
    Option,
}

/// How to take the medicine; Caretrail writes it as text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// `1 tablet twice a day after meals, for 5 days`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_instruction: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Dosage {
    /// A dosage given as text only.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            ..Self::default()
        }
    }
}

impl MedicationRequest {
    /// A prescription: an active order of `medication` for `subject`, by `requester` (the
    /// doctor), written at `authored_on`.
    pub fn prescription(
        subject: Reference,
        medication: CodeableConcept,
        requester: Reference,
        authored_on: &Instant,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            status: MedicationRequestStatus::Active,
            intent: MedicationRequestIntent::Order,
            medication_codeable_concept: Some(medication),
            medication_reference: None,
            subject,
            encounter: None,
            authored_on: Some(authored_on.into()),
            requester: Some(requester),
            dosage_instruction: Vec::new(),
            extra: Extra::new(),
        }
    }

    /// Adds the visit it was written in.
    #[must_use]
    pub fn with_encounter(mut self, encounter: Reference) -> Self {
        self.encounter = Some(encounter);
        self
    }

    /// Adds how to take it, as text.
    #[must_use]
    pub fn with_dosage(mut self, text: impl Into<String>) -> Self {
        self.dosage_instruction.push(Dosage::text(text));
        self
    }
}
