//! Code sets with required bindings that several resources share, and the code systems the
//! constructors write codes from.

use serde::{Deserialize, Serialize};

/// FinancialResourceStatusCodes: `status` of Coverage, Claim and ClaimResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinancialStatus {
    Active,
    Cancelled,
    Draft,
    EnteredInError,
}

/// PublicationStatus: `status` of InsurancePlan (and of conformance resources).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicationStatus {
    Draft,
    Active,
    Retired,
    Unknown,
}

/// The `use` of a Claim and a ClaimResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimUse {
    Claim,
    Preauthorization,
    Predetermination,
}

// The code systems the constructors write codes from.

/// The v3 ActCode system (`Encounter.class` codes such as `AMB`; policy rules such as `OPTIN`).
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
/// The adjudication code system: `submitted`, `copay`, `eligible`, `deductible`, `benefit`...
pub const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// The audit-entity-type code system (`1`: person, `2`: system object).
pub const AUDIT_ENTITY_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
/// The audit-event-type code system (`rest`: a RESTful operation).
pub const AUDIT_EVENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/audit-event-type";
/// The claim-type code system: `institutional`, `oral`, `pharmacy`, `professional`, `vision`.
pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
/// The consent-action code system (`access`, `collect`, `use`, `disclose`, `correct`).
pub const CONSENT_ACTION: &str = "http://terminology.hl7.org/CodeSystem/consentaction";
/// The consent-scope code system (`patient-privacy`, `research`, `treatment`, `adr`).
pub const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
/// LOINC, whose 59284-0 is "Patient Consent".
pub const LOINC: &str = "http://loinc.org";
/// The object-role code system (`1`: patient, `4`: domain resource).
pub const OBJECT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/object-role";
/// The v3 ParticipationType system (actor roles such as `IRCP`, information recipient).
pub const PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
/// The payment-type code system: `complete`, `partial`.
pub const PAYMENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-paymenttype";
/// The process-priority code system: `stat`, `normal`, `deferred`.
pub const PROCESS_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/processpriority";
/// The restful-interaction code system (`read`, `create`, `search-type`...).
pub const RESTFUL_INTERACTION: &str = "http://hl7.org/fhir/restful-interaction";
/// The security-source-type code system (`4`: application server).
pub const SECURITY_SOURCE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/security-source-type";
