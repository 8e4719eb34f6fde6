//! FHIR `ServiceRequest`: an order for a test or procedure, one service per resource.

use serde::{Deserialize, Serialize};

use crate::{
    CodeableConcept, Extra, Identifier, Instant, Meta, Reference, ResourceType, TypedResource,
};

/// An order for one service (a lab test) for the patient. Tests ordered together share a
/// `requisition` identifier.
///
/// R4 requires `status`, `intent` and `subject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRequest {
    pub resource_type: ResourceType<ServiceRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The identifier shared by the requests ordered together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requisition: Option<Identifier>,
    /// Required.
    pub status: RequestStatus,
    /// Required.
    pub intent: RequestIntent,
    /// The test or procedure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// Required.
    pub subject: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for ServiceRequest {
    const RESOURCE_TYPE: &'static str = "ServiceRequest";
}

/// RequestStatus: `ServiceRequest.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    Draft,
    Active,
    OnHold,
    Revoked,
    Completed,
    EnteredInError,
    Unknown,
}

/// RequestIntent: `ServiceRequest.intent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestIntent {
    Proposal,
    Plan,
    Directive,
    Order,
    OriginalOrder,
    ReflexOrder,
    FillerOrder,
    InstanceOrder,
    Option,
}

impl ServiceRequest {
    /// An active order of the test `code` for `subject`, by `requester`, at `authored_on`.
    pub fn test(
        subject: Reference,
        code: CodeableConcept,
        requester: Reference,
        authored_on: &Instant,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            requisition: None,
            status: RequestStatus::Active,
            intent: RequestIntent::Order,
            code: Some(code),
            subject,
            encounter: None,
            authored_on: Some(authored_on.into()),
            requester: Some(requester),
            extra: Extra::new(),
        }
    }

    /// A test list: one order per test, all sharing `requisition`.
    pub fn test_list(
        requisition: &Identifier,
        subject: &Reference,
        tests: impl IntoIterator<Item = CodeableConcept>,
        requester: &Reference,
        authored_on: &Instant,
    ) -> Vec<Self> {
        tests
            .into_iter()
            .map(|code| {
                let mut request = Self::test(subject.clone(), code, requester.clone(), authored_on);
                request.requisition = Some(requisition.clone());
                request
            })
            .collect()
    }

    /// Adds the visit it was ordered in.
    #[must_use]
    pub fn with_encounter(mut self, encounter: Reference) -> Self {
        self.encounter = Some(encounter);
        self
    }
}
