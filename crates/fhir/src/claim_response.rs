//! FHIR `ClaimResponse`: the insurer's adjudication of a claim, and its payment.

use serde::{Deserialize, Serialize};

use crate::codes::{ADJUDICATION, ClaimUse, FinancialStatus, PAYMENT_TYPE};
use crate::{
    Claim, CodeableConcept, Coding, Decimal, Extra, Identifier, Instant, Meta, Money, Reference,
    ResourceType, TypedResource,
};

/// What the insurer decided about a claim, item by item, and what it pays.
///
/// R4 requires `status`, `type`, `use`, `patient`, `created`, `insurer` and `outcome`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResponse {
    pub resource_type: ResourceType<ClaimResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: FinancialStatus,
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    #[serde(rename = "use")]
    pub r#use: ClaimUse,
    pub patient: Reference,
    pub created: String,
    pub insurer: Reference,
    /// The provider that sent the claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requestor: Option<Reference>,
    /// The claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Reference>,
    pub outcome: ClaimResponseOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ClaimResponseItem>,
    /// Adjudications of the claim as a whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjudication: Vec<Adjudication>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub total: Vec<ClaimResponseTotal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for ClaimResponse {
    const RESOURCE_TYPE: &'static str = "ClaimResponse";
}

/// RemittanceOutcome: `ClaimResponse.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimResponseOutcome {
    Queued,
    Complete,
    Error,
    Partial,
}

/// The adjudication of one claim item, by its `sequence` in the claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResponseItem {
    pub item_sequence: u32,
    /// Required, one or more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjudication: Vec<Adjudication>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One figure of an adjudication: an amount (or a value such as a percentage) in a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Adjudication {
    /// An [`ADJUDICATION`](crate::codes::ADJUDICATION) code.
    pub category: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Decimal>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Adjudication {
    /// `amount` in the [`ADJUDICATION`](crate::codes::ADJUDICATION) category `category` (`"eligible"`, `"benefit"`...).
    pub fn amount(category: &str, amount: Money) -> Self {
        Self {
            category: Coding::new(ADJUDICATION, category).into(),
            reason: None,
            amount: Some(amount),
            value: None,
            extra: Extra::new(),
        }
    }
}

/// A total of the adjudication in one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimResponseTotal {
    pub category: CodeableConcept,
    pub amount: Money,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What the insurer pays, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// A [`PAYMENT_TYPE`](crate::codes::PAYMENT_TYPE) code.
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment_reason: Option<CodeableConcept>,
    /// A FHIR date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Payment {
    /// A payment of `amount`, `payment_type` being a [`PAYMENT_TYPE`](crate::codes::PAYMENT_TYPE) code.
    pub fn new(payment_type: &str, amount: Money) -> Self {
        Self {
            r#type: Coding::new(PAYMENT_TYPE, payment_type).into(),
            adjustment: None,
            adjustment_reason: None,
            date: None,
            amount,
            identifier: None,
            extra: Extra::new(),
        }
    }
}

impl ClaimResponse {
    /// The insurer's answer to `claim` (found at `request`), made at `created`, with no items yet:
    /// its type, use and patient are the claim's, its requestor the claim's provider.
    pub fn for_claim(
        claim: &Claim,
        request: Reference,
        insurer: Reference,
        created: &Instant,
        outcome: ClaimResponseOutcome,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            status: FinancialStatus::Active,
            r#type: claim.r#type.clone(),
            r#use: claim.r#use,
            patient: claim.patient.clone(),
            created: created.into(),
            insurer,
            requestor: Some(claim.provider.clone()),
            request: Some(request),
            outcome,
            disposition: None,
            item: Vec::new(),
            adjudication: Vec::new(),
            total: Vec::new(),
            payment: None,
            extra: Extra::new(),
        }
    }

    /// Adds the adjudication of the claim's item `item_sequence`.
    #[must_use]
    pub fn with_item(mut self, item_sequence: u32, adjudication: Vec<Adjudication>) -> Self {
        self.item.push(ClaimResponseItem {
            item_sequence,
            adjudication,
            extra: Extra::new(),
        });
        self
    }

    /// Adds a total: `amount` in the [`ADJUDICATION`](crate::codes::ADJUDICATION) category `category`.
    #[must_use]
    pub fn with_total(mut self, category: &str, amount: Money) -> Self {
        self.total.push(ClaimResponseTotal {
            category: Coding::new(ADJUDICATION, category).into(),
            amount,
            extra: Extra::new(),
        });
        self
    }

    /// Adds the payment.
    #[must_use]
    pub fn with_payment(mut self, payment: Payment) -> Self {
        self.payment = Some(payment);
        self
    }

    /// Adds the text of the decision.
    #[must_use]
    pub fn with_disposition(mut self, disposition: impl Into<String>) -> Self {
        self.disposition = Some(disposition.into());
        self
    }
}
