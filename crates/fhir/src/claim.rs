//! FHIR `Claim`: a bill sent to the insurer, item by item.

use serde::{Deserialize, Serialize};

use crate::codes::{CLAIM_TYPE, ClaimUse, FinancialStatus, PROCESS_PRIORITY};
use crate::{
    CodeableConcept, Coding, Decimal, Extra, Identifier, Instant, Meta, Money, Quantity, Reference,
    ResourceType, TypedResource,
};

/// A bill for the care given to the patient, under her coverage.
///
/// R4 requires `status`, `type`, `use`, `patient`, `created`, `provider`, `priority` and one or
/// more `insurance`; each item requires `sequence` and `productOrService`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    pub resource_type: ResourceType<Claim>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurer: Option<Reference>,
    pub provider: Reference,
    pub priority: CodeableConcept,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insurance: Vec<ClaimInsurance>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item: Vec<ClaimItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for Claim {
    const RESOURCE_TYPE: &'static str = "Claim";
}

/// A coverage the claim is made under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimInsurance {
    pub sequence: u32,
    /// Whether this coverage is the one to adjudicate against.
    pub focal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    pub coverage: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_auth_ref: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One line of the bill: what, how many, at what price, and its net amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimItem {
    pub sequence: u32,
    pub product_or_service: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serviced_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<Decimal>,
    /// quantity × unitPrice × factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net: Option<Money>,
    /// The visits the item was given in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encounter: Vec<Reference>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Claim {
    /// An active claim of type `claim_type` (a [`CLAIM_TYPE`](crate::codes::CLAIM_TYPE) code) by `provider` for `patient`,
    /// made at `created` under `coverage`, at normal priority, with no items yet.
    pub fn new(
        claim_type: &str,
        patient: Reference,
        provider: Reference,
        coverage: Reference,
        created: &Instant,
    ) -> Self {
        Self {
            resource_type: ResourceType::default(),
            id: None,
            meta: None,
            identifier: Vec::new(),
            status: FinancialStatus::Active,
            r#type: Coding::new(CLAIM_TYPE, claim_type).into(),
            r#use: ClaimUse::Claim,
            patient,
            created: created.into(),
            insurer: None,
            provider,
            priority: Coding::new(PROCESS_PRIORITY, "normal").into(),
            insurance: vec![ClaimInsurance {
                sequence: 1,
                focal: true,
                identifier: None,
                coverage,
                pre_auth_ref: Vec::new(),
                extra: Extra::new(),
            }],
            item: Vec::new(),
            total: None,
            extra: Extra::new(),
        }
    }

    /// Adds the insurer the claim is sent to.
    #[must_use]
    pub fn with_insurer(mut self, insurer: Reference) -> Self {
        self.insurer = Some(insurer);
        self
    }

    /// Adds an item, numbered after the last one: `quantity` of `product` at `unit_price`,
    /// `net` in all (the caller computes it, in its own exact arithmetic).
    #[must_use]
    pub fn with_item(
        mut self,
        product: CodeableConcept,
        quantity: impl Into<Decimal>,
        unit_price: Money,
        net: Money,
    ) -> Self {
        let sequence = self.item.iter().map(|i| i.sequence).max().unwrap_or(0) + 1;
        self.item.push(ClaimItem {
            sequence,
            product_or_service: product,
            serviced_date: None,
            quantity: Some(Quantity::count(quantity)),
            unit_price: Some(unit_price),
            factor: None,
            net: Some(net),
            encounter: Vec::new(),
            extra: Extra::new(),
        });
        self
    }

    /// Adds the claim's total.
    #[must_use]
    pub fn with_total(mut self, total: Money) -> Self {
        self.total = Some(total);
        self
    }
}
