//! FHIR `AuditEvent`: a log entry of who did what to which record, when, and under which grant.

use serde::{Deserialize, Serialize};

use crate::codes::{
    AUDIT_ENTITY_TYPE, AUDIT_EVENT_TYPE, OBJECT_ROLE, RESTFUL_INTERACTION, SECURITY_SOURCE_TYPE,
};
use crate::{
    CodeableConcept, Coding, Extra, Instant, Meta, Period, Reference, ResourceType, TypedResource,
};

/// An event: its type, action, time and outcome, who took part (`agent`), what recorded it
/// (`source`) and what it touched (`entity`).
///
/// R4 requires `type`, `recorded`, one or more `agent` (each with `requestor`) and `source`
/// (with `observer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub resource_type: ResourceType<AuditEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(rename = "type")]
    pub r#type: Coding,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subtype: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<AuditEventAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// A FHIR instant.
    pub recorded: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AuditEventOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_desc: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purpose_of_event: Vec<CodeableConcept>,
    /// Required, one or more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agent: Vec<AuditEventAgent>,
    pub source: AuditEventSource,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entity: Vec<AuditEventEntity>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for AuditEvent {
    const RESOURCE_TYPE: &'static str = "AuditEvent";
}

/// `AuditEvent.action`: create, read, update, delete, execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditEventAction {
    #[serde(rename = "C")]
    Create,
    #[serde(rename = "R")]
    Read,
    #[serde(rename = "U")]
    Update,
    #[serde(rename = "D")]
    Delete,
    #[serde(rename = "E")]
    Execute,
}

/// `AuditEvent.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditEventOutcome {
    #[serde(rename = "0")]
    Success,
    #[serde(rename = "4")]
    MinorFailure,
    #[serde(rename = "8")]
    SeriousFailure,
    #[serde(rename = "12")]
    MajorFailure,
}

/// Someone or something that took part, and the policies (grants) that allowed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventAgent {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub who: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether this agent asked for the event.
    pub requestor: bool,
    /// URIs of the policies (consents) that authorized the agent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The system that saw the event and recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventSource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub observer: Reference,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub r#type: Vec<Coding>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Something the event touched: a record, the patient it is about.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventEntity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<Reference>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<AuditEventDetail>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A named detail of an entity, as text or base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventDetail {
    #[serde(rename = "type")]
    pub r#type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_base64_binary: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A read of one of the patient's records, as the relay serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRead {
    /// Who read it.
    pub reader: Reference,
    /// Whose record it is.
    pub patient: Reference,
    /// The record.
    pub record: Reference,
    /// The URI of the grant that allowed the read, if it was not the patient herself.
    pub grant: Option<String>,
    /// The service that served it (the relay).
    pub observer: Reference,
    pub recorded: Instant,
}

impl AuditEvent {
    /// The log entry of a successful read: a RESTful `read` by the reader, of the record, about
    /// the patient, under the grant, recorded by the observer.
    pub fn record_read(read: RecordRead) -> Self {
        let RecordRead {
            reader,
            patient,
            record,
            grant,
            observer,
            recorded,
        } = read;
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            r#type: Coding::new(AUDIT_EVENT_TYPE, "rest").with_display("RESTful Operation"),
            subtype: vec![Coding::new(RESTFUL_INTERACTION, "read").with_display("read")],
            action: Some(AuditEventAction::Read),
            period: None,
            recorded: recorded.into(),
            outcome: Some(AuditEventOutcome::Success),
            outcome_desc: None,
            purpose_of_event: Vec::new(),
            agent: vec![AuditEventAgent {
                r#type: None,
                role: Vec::new(),
                who: Some(reader),
                name: None,
                requestor: true,
                policy: grant.into_iter().collect(),
                extra: Extra::new(),
            }],
            source: AuditEventSource {
                site: None,
                observer,
                r#type: vec![
                    Coding::new(SECURITY_SOURCE_TYPE, "4").with_display("Application Server"),
                ],
                extra: Extra::new(),
            },
            entity: vec![
                AuditEventEntity {
                    what: Some(record),
                    r#type: Some(Coding::new(AUDIT_ENTITY_TYPE, "2").with_display("System Object")),
                    role: Some(Coding::new(OBJECT_ROLE, "4").with_display("Domain Resource")),
                    ..AuditEventEntity::default()
                },
                AuditEventEntity {
                    what: Some(patient),
                    r#type: Some(Coding::new(AUDIT_ENTITY_TYPE, "1").with_display("Person")),
                    role: Some(Coding::new(OBJECT_ROLE, "1").with_display("Patient")),
                    ..AuditEventEntity::default()
                },
            ],
            extra: Extra::new(),
        }
    }
}
