//! FHIR `DiagnosticReport`: a test's results, with the report itself as attachments.

use serde::{Deserialize, Serialize};

use crate::{
    Attachment, CodeableConcept, Extra, Identifier, Instant, Meta, Period, Reference, ResourceType,
    TypedResource,
};

/// The results of the tests a `ServiceRequest` ordered; the report as issued (a PDF, an image)
/// is in `presentedForm`.
///
/// R4 requires `status` and `code`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticReport {
    pub resource_type: ResourceType<DiagnosticReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The orders it answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub based_on: Vec<Reference>,
    /// Required.
    pub status: DiagnosticReportStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    /// Required: what was tested.
    pub code: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presented_form: Vec<Attachment>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for DiagnosticReport {
    const RESOURCE_TYPE: &'static str = "DiagnosticReport";
}

/// `DiagnosticReport.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticReportStatus {
    Registered,
    Partial,
    Preliminary,
    Final,
    Amended,
    Corrected,
    Appended,
    Cancelled,
    EnteredInError,
    Unknown,
}

impl DiagnosticReport {
    /// A final report of `code` for `subject` by `performer`, issued at `issued`, carried in
    /// `presented_form` (the lab's PDF, a scan).
    pub fn issued(
        subject: Reference,
        code: CodeableConcept,
        performer: Reference,
        issued: &Instant,
        presented_form: Vec<Attachment>,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            based_on: Vec::new(),
            status: DiagnosticReportStatus::Final,
            category: Vec::new(),
            code,
            subject: Some(subject),
            encounter: None,
            effective_date_time: None,
            effective_period: None,
            issued: Some(issued.into()),
            performer: vec![performer],
            result: Vec::new(),
            conclusion: None,
            presented_form,
            extra: Extra::new(),
        }
    }

    /// Adds the orders (`ServiceRequest`s) it answers.
    #[must_use]
    pub fn with_based_on(mut self, orders: impl IntoIterator<Item = Reference>) -> Self {
        self.based_on.extend(orders);
        self
    }

    /// Adds the visit it belongs to.
    #[must_use]
    pub fn with_encounter(mut self, encounter: Reference) -> Self {
        self.encounter = Some(encounter);
        self
    }
}
