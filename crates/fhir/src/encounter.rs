//! FHIR `Encounter`: a visit of the patient to a health organisation.

use serde::{Deserialize, Serialize};

use crate::codes::ACT_CODE;
use crate::{
    Coding, Extra, Identifier, Instant, Meta, Period, Reference, ResourceType, TypedResource,
};

/// A visit: its state, its class (outpatient, inpatient...), the patient, when, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    pub resource_type: ResourceType<Encounter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// Required.
    pub status: EncounterStatus,
    /// Required: `AMB`, `IMP`, `EMER`... from [`ACT_CODE`](crate::codes::ACT_CODE).
    pub class: Coding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The health organisation responsible for the visit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_provider: Option<Reference>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for Encounter {
    const RESOURCE_TYPE: &'static str = "Encounter";
}

/// `Encounter.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EncounterStatus {
    Planned,
    Arrived,
    Triaged,
    InProgress,
    Onleave,
    Finished,
    Cancelled,
    EnteredInError,
    Unknown,
}

impl Encounter {
    /// An outpatient visit (`AMB`) of `subject` to `service_provider`, in progress since `start`.
    pub fn outpatient_visit(
        subject: Reference,
        service_provider: Reference,
        start: &Instant,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            status: EncounterStatus::InProgress,
            class: Coding::new(ACT_CODE, "AMB").with_display("ambulatory"),
            subject: Some(subject),
            period: Some(Period::starting(start)),
            service_provider: Some(service_provider),
            extra: Extra::new(),
        }
    }

    /// Closes the visit: finished at `end`.
    #[must_use]
    pub fn finished(mut self, end: &Instant) -> Self {
        self.status = EncounterStatus::Finished;
        self.period.get_or_insert_with(Period::default).end = Some(end.into());
        self
    }
}
