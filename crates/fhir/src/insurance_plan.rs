//! FHIR `InsurancePlan`: an insurer's product, its benefits with their limits, and its costs.

use serde::{Deserialize, Serialize};

use crate::codes::PublicationStatus;
use crate::{
    CodeableConcept, Extra, Identifier, Meta, Money, Period, Quantity, Reference, ResourceType,
    TypedResource,
};

/// A plan as an insurer publishes it: what it covers (`coverage`) and what it costs (`plan`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsurancePlan {
    pub resource_type: ResourceType<InsurancePlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<PublicationStatus>,
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub r#type: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The insurer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<PlanCoverage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<Plan>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TypedResource for InsurancePlan {
    const RESOURCE_TYPE: &'static str = "InsurancePlan";
}

/// A kind of care the plan covers (`InsurancePlan.coverage`), benefit by benefit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanCoverage {
    /// Required.
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    /// Required, one or more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub benefit: Vec<PlanBenefit>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One benefit, its referral or other requirement, and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanBenefit {
    /// Required.
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limit: Vec<BenefitLimit>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A benefit's limit: `30 days per year`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenefitLimit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A cost-sharing variant of the product (`InsurancePlan.plan`): Gold, Silver...
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub general_cost: Vec<GeneralCost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specific_cost: Vec<SpecificCost>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A cost of the plan as a whole (the premium).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneralCost {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub r#type: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The costs of one category of care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecificCost {
    /// Required.
    pub category: CodeableConcept,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub benefit: Vec<SpecificCostBenefit>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The costs of one benefit in a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecificCostBenefit {
    /// Required.
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost: Vec<BenefitCost>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One cost of a benefit: a co-payment of `10 %`, a deductible of an amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenefitCost {
    /// Required.
    #[serde(rename = "type")]
    pub r#type: CodeableConcept,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicability: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Quantity>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{InsurancePlan, PublicationStatus, TypedResource};

    /// The shape of the sandbox insurer's plans: benefits with limits, a premium, a co-payment.
    #[test]
    fn reads_benefits_limits_and_costs() {
        let document = json!({
            "resourceType": "InsurancePlan",
            "id": "gold",
            "status": "active",
            "name": "Gold Care",
            "ownedBy": { "display": "Mutual Health" },
            "coverage": [{
                "type": { "text": "Outpatient care" },
                "benefit": [{
                    "type": { "text": "Doctor consultation" },
                    "limit": [{ "value": { "value": 12, "unit": "visits per year" } }]
                }]
            }],
            "plan": [{
                "type": { "text": "Gold" },
                "generalCost": [{ "type": { "text": "Annual premium" }, "cost": { "value": 24000.5, "currency": "BDT" } }],
                "specificCost": [{
                    "category": { "text": "Outpatient care" },
                    "benefit": [{
                        "type": { "text": "Doctor consultation" },
                        "cost": [{ "type": { "text": "Co-payment" }, "value": { "value": 10, "unit": "%" } }]
                    }]
                }]
            }]
        });
        let plan = InsurancePlan::from_value(document.clone()).unwrap();
        assert_eq!(plan.status, Some(PublicationStatus::Active));
        let limit = &plan.coverage[0].benefit[0].limit[0];
        let visits = limit.value.as_ref().and_then(|q| q.value.as_ref());
        assert_eq!(visits.map(ToString::to_string).as_deref(), Some("12"));
        let premium = plan.plan[0].general_cost[0]
            .cost
            .as_ref()
            .and_then(|m| m.value.as_ref());
        assert_eq!(premium.map(ToString::to_string).as_deref(), Some("24000.5"));
        let copay = &plan.plan[0].specific_cost[0].benefit[0].cost[0];
        assert_eq!(
            copay.value.as_ref().and_then(|q| q.unit.as_deref()),
            Some("%")
        );
        assert_eq!(serde_json::to_value(&plan).unwrap(), document);
    }
}
