//! FHIR `Consent`: the patient's permission for a reader to see her records.

use serde::{Deserialize, Serialize};

use crate::codes::{ACT_CODE, CONSENT_ACTION, CONSENT_SCOPE, LOINC, PARTICIPATION_TYPE};
use crate::{
    CodeableConcept, Coding, Extra, Identifier, Instant, Meta, Period, Reference, ResourceType,
    TypedResource,
};

/// A consent: who may do what with which of the patient's data, and until when (`provision`).
///
/// R4 requires `status`, `scope` and one or more `category`; ppc-1 asks for a `policy` or a
/// `policyRule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub resource_type: ResourceType<Consent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: ConsentStatus,
    pub scope: CodeableConcept,
    /// Required, one or more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<Reference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_rule: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision: Option<ConsentProvision>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for Consent {
    const RESOURCE_TYPE: &'static str = "Consent";
}

/// `Consent.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentStatus {
    Draft,
    Proposed,
    Active,
    Rejected,
    Inactive,
    EnteredInError,
}

/// A rule of the consent: permit or deny, for whom, for which data, in which period; rules nest
/// as exceptions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentProvision {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ProvisionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actor: Vec<ConsentActor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<CodeableConcept>,
    /// Kinds of data the rule covers.
    #[serde(default, rename = "class", skip_serializing_if = "Vec::is_empty")]
    pub class: Vec<Coding>,
    /// The records the rule covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<ConsentData>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision: Vec<ConsentProvision>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Consent.provision.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProvisionType {
    Deny,
    Permit,
}

/// Who the rule is about, in what role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentActor {
    pub role: CodeableConcept,
    pub reference: Reference,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A resource the rule covers, and how far (`instance`: that resource only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentData {
    pub meaning: ConsentDataMeaning,
    pub reference: Reference,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Consent.provision.data.meaning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentDataMeaning {
    Instance,
    Related,
    Dependents,
    Authoredby,
}

impl Consent {
    /// The patient's active opt-in, given at `date_time`, that `grantee` may access her data in
    /// `period`; narrow it with [`Consent::with_records`] or [`Consent::with_classes`].
    pub fn grant(
        patient: Reference,
        grantee: Reference,
        period: Period,
        date_time: &Instant,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            status: ConsentStatus::Active,
            scope: Coding::new(CONSENT_SCOPE, "patient-privacy")
                .with_display("Privacy Consent")
                .into(),
            category: vec![
                Coding::new(LOINC, "59284-0")
                    .with_display("Patient Consent")
                    .into(),
            ],
            patient: Some(patient),
            date_time: Some(date_time.into()),
            policy_rule: Some(Coding::new(ACT_CODE, "OPTIN").into()),
            provision: Some(ConsentProvision {
                r#type: Some(ProvisionType::Permit),
                period: Some(period),
                actor: vec![ConsentActor {
                    role: Coding::new(PARTICIPATION_TYPE, "IRCP")
                        .with_display("information recipient")
                        .into(),
                    reference: grantee,
                    extra: Extra::new(),
                }],
                action: vec![Coding::new(CONSENT_ACTION, "access").into()],
                ..ConsentProvision::default()
            }),
            extra: Extra::new(),
        }
    }

    /// Limits the grant to these records.
    #[must_use]
    pub fn with_records(mut self, records: impl IntoIterator<Item = Reference>) -> Self {
        let provision = self.provision.get_or_insert_with(ConsentProvision::default);
        provision
            .data
            .extend(records.into_iter().map(|reference| ConsentData {
                meaning: ConsentDataMeaning::Instance,
                reference,
                extra: Extra::new(),
            }));
        self
    }

    /// Limits the grant to these kinds of records.
    #[must_use]
    pub fn with_classes(mut self, kinds: impl IntoIterator<Item = Coding>) -> Self {
        let provision = self.provision.get_or_insert_with(ConsentProvision::default);
        provision.class.extend(kinds);
        self
    }

    /// The same consent, withdrawn.
    #[must_use]
    pub fn revoked(mut self) -> Self {
        self.status = ConsentStatus::Inactive;
        self
    }
}
