//! The FHIR R4 resources Caretrail reads and writes, as serde types.
//!
//! Only the elements the system uses are typed; every other element, at every level, is kept in
//! the struct's `extra` map and written back, so parsing and serializing a resource loses nothing
//! (compared as JSON values: member order and a decimal's trailing zeros are not kept, see
//! [`Decimal`]). Each resource checks its `resourceType` when it is read ([`TypedResource`]);
//! [`Resource`] reads any of them by that member.
//!
//! No IO, no clock, no randomness: times arrive as unix seconds ([`Instant`]). Builds for wasm32.

pub mod codes;
pub mod datatypes;
mod error;
mod resource;
mod resource_type;

mod audit_event;
mod bundle;
mod claim;
mod claim_response;
mod consent;
mod coverage;
mod diagnostic_report;
mod encounter;
mod insurance_plan;
mod medication_request;
mod patient;
mod service_request;

pub use datatypes::{
    Address, Attachment, CodeableConcept, Coding, Decimal, DecimalError, HumanName, Identifier,
    Instant, InstantError, Meta, Money, Period, Quantity, Reference,
};
pub use error::ParseError;
pub use resource::Resource;
pub use resource_type::{ResourceType, TypedResource};

pub use audit_event::{
    AuditEvent, AuditEventAction, AuditEventAgent, AuditEventDetail, AuditEventEntity,
    AuditEventOutcome, AuditEventSource, RecordRead,
};
pub use bundle::{Bundle, BundleEntry};
pub use claim::{Claim, ClaimInsurance, ClaimItem};
pub use claim_response::{
    Adjudication, ClaimResponse, ClaimResponseItem, ClaimResponseOutcome, ClaimResponseTotal,
    Payment,
};
pub use codes::{ClaimUse, FinancialStatus, PublicationStatus};
pub use consent::{
    Consent, ConsentActor, ConsentData, ConsentDataMeaning, ConsentProvision, ConsentStatus,
    ProvisionType,
};
pub use coverage::{Coverage, CoverageClass};
pub use diagnostic_report::{DiagnosticReport, DiagnosticReportStatus};
pub use encounter::{Encounter, EncounterStatus};
pub use insurance_plan::{
    BenefitCost, BenefitLimit, GeneralCost, InsurancePlan, Plan, PlanBenefit, PlanCoverage,
    SpecificCost, SpecificCostBenefit,
};
pub use medication_request::{
    Dosage, MedicationRequest, MedicationRequestIntent, MedicationRequestStatus,
};
pub use patient::{AdministrativeGender, Patient};
pub use service_request::{RequestIntent, RequestStatus, ServiceRequest};

/// The rest of an element: every member this crate does not type, kept as read.
pub type Extra = serde_json::Map<String, serde_json::Value>;
