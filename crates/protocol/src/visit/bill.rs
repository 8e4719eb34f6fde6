//! The bill (step 15), the same for the hospital's billing desk, the insurer and the patient:
//! the policy's terms read from the plan published on chain ([`terms`]), the hospital's FHIR
//! `Claim` U_B naming her coverage and the anchored records it bills for ([`claim`],
//! [`read_claim`]), the adjudication of a bill against the terms ([`adjudicate`]: covered
//! services, co-payment, limits), the insurer's `ClaimResponse` ([`response`],
//! [`read_response`]), and the patient's own check of an answer against what her on-chain
//! policy says ([`compare`]). Amounts are whole units of the plan's currency.
//!
//! A limit "per year" counts what her earlier claims under the same coverage (policy version)
//! were paid ([`decide`], [`decide_claim`]): the insurer and the patient read the same earlier
//! claims from the chain, so they compute the same figure from the same inputs.

use crate::records::Writer;
use crate::visit::orders::KEY_SYSTEM;
use caretrail_crypto::record::{record_id, record_kind};
use caretrail_fhir::codes::ADJUDICATION;
use caretrail_fhir::{
    Adjudication, Claim, ClaimResponse, ClaimResponseOutcome, CodeableConcept, Identifier, Instant,
    InsurancePlan, Money, Reference, TypedResource,
};
use caretrail_types::{
    Address, ChainClaim, ErrorCode, Hash32, PolicyPublication, RecordAnchor, StoredRecord, UiError,
    VisitAssignment,
};
use serde::{Deserialize, Serialize};

/// The identifier system of a record (its id).
pub const RECORD_SYSTEM: &str = "urn:caretrail:record";
/// The identifier system of a pinned policy version: `insurer/policyId/version`.
pub const POLICY_SYSTEM: &str = "urn:caretrail:policy";
/// The most lines one bill has.
pub const MAX_LINES: usize = 20;
/// The most records one bill names.
pub const MAX_RECORDS: usize = 64;
/// The largest amount of one line.
pub const MAX_AMOUNT: u64 = 1_000_000_000;

fn refused(message: impl Into<String>) -> UiError {
    UiError::new(ErrorCode::InvalidInput, message)
}

/// One benefit of the plan: a service it covers, its money limit per year, its co-payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefit {
    /// The coverage it is in, e.g. "Outpatient care".
    pub category: String,
    /// The service, e.g. "Laboratory tests".
    pub service: String,
    /// The most the plan pays for it in a year, in the plan's currency (none: no money limit).
    pub limit: Option<u64>,
    /// The share the patient pays, in percent.
    pub copay_percent: u64,
}

/// What a plan says it pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub currency: String,
    pub benefits: Vec<Benefit>,
}

fn text(concept: &CodeableConcept) -> String {
    concept
        .text
        .clone()
        .or_else(|| concept.coding.iter().find_map(|c| c.display.clone()))
        .unwrap_or_default()
}

fn whole(value: Option<&caretrail_fhir::Decimal>) -> Option<u64> {
    value
        .and_then(caretrail_fhir::Decimal::to_f64)
        .filter(|v| v.is_finite() && *v >= 0.0)
        // Plans state whole amounts; a fraction is dropped in the patient's favour nowhere.
        .map(|v| v.round() as u64)
}

/// The terms of the plan `document` (the FHIR `InsurancePlan` published on chain): each
/// benefit of each coverage, with its limit in the plan's currency and the co-payment its
/// plan's specific costs give it.
pub fn terms(document: &[u8]) -> Result<Terms, UiError> {
    let plan = InsurancePlan::from_json(document).map_err(|e| {
        refused(format!(
            "her policy has no terms a bill can be checked against: it is published as a \
                 document, not a FHIR InsurancePlan ({e})"
        ))
    })?;
    let currency = plan
        .plan
        .iter()
        .flat_map(|p| &p.general_cost)
        .find_map(|c| c.cost.as_ref()?.currency.clone())
        .unwrap_or_else(|| "BDT".into());
    let mut benefits = Vec::new();
    for coverage in &plan.coverage {
        let category = text(&coverage.r#type);
        for benefit in &coverage.benefit {
            let service = text(&benefit.r#type);
            let limit = benefit.limit.iter().find_map(|l| {
                let q = l.value.as_ref()?;
                let unit = q.unit.as_deref().unwrap_or_default();
                unit.starts_with(currency.as_str())
                    .then(|| whole(q.value.as_ref()))
                    .flatten()
            });
            let copay_percent = plan
                .plan
                .iter()
                .flat_map(|p| &p.specific_cost)
                .filter(|c| text(&c.category) == category)
                .flat_map(|c| &c.benefit)
                .filter(|b| text(&b.r#type) == service)
                .flat_map(|b| &b.cost)
                .filter(|c| text(&c.r#type).eq_ignore_ascii_case("co-payment"))
                .find_map(|c| {
                    let q = c.value.as_ref()?;
                    (q.unit.as_deref() == Some("%"))
                        .then(|| whole(q.value.as_ref()))
                        .flatten()
                })
                .unwrap_or(0)
                .min(100);
            benefits.push(Benefit {
                category: category.clone(),
                service,
                limit,
                copay_percent,
            });
        }
    }
    Ok(Terms { currency, benefits })
}

/// One line of a bill: a service as the plan names it, and its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillLine {
    pub service: String,
    pub amount: u64,
}

impl std::str::FromStr for BillLine {
    type Err = UiError;

    /// A line as typed: `SERVICE=AMOUNT`, e.g. "Consultation=800" (the service is checked
    /// against the policy when the bill is made).
    fn from_str(text: &str) -> Result<Self, UiError> {
        let (service, amount) = text
            .rsplit_once('=')
            .ok_or_else(|| refused(format!("{text:?} is not SERVICE=AMOUNT")))?;
        let amount = amount
            .trim()
            .parse()
            .map_err(|e| refused(format!("{amount:?} is not a whole amount: {e}")))?;
        Ok(Self {
            service: service.trim().to_owned(),
            amount,
        })
    }
}

/// A bill: its lines and the anchored records of the visit it bills for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub lines: Vec<BillLine>,
    pub records: Vec<Hash32>,
}

/// A bill as the patient sees it: the claim, the insurer's answers (the last is its answer now),
/// what her policy says, and where they differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillView {
    pub claim: Hash32,
    pub organization: Address,
    pub insurer: Address,
    pub bill: Bill,
    pub answers: Vec<Answer>,
    /// Her own computation from the policy version her enrolment pinned.
    pub expected: Adjudicated,
    /// Where the last answer differs from it (empty: it agrees, or none is final yet).
    pub differences: Vec<String>,
}

/// The patient's coverage a bill names: her insurer and the policy version her enrolment pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub patient: Address,
    pub insurer: Address,
    pub policy_id: Hash32,
    pub version: u64,
}

fn check_bill(bill: &Bill) -> Result<(), UiError> {
    if bill.lines.is_empty() || bill.lines.len() > MAX_LINES {
        return Err(refused(format!("a bill has 1 to {MAX_LINES} lines")));
    }
    for line in &bill.lines {
        let service = line.service.trim();
        if service.is_empty()
            || service.chars().count() > 200
            || service.chars().any(char::is_control)
        {
            return Err(refused(
                "a line's service is one line of 1 to 200 characters",
            ));
        }
        if line.amount == 0 || line.amount > MAX_AMOUNT {
            return Err(refused(format!(
                "a line's amount is 1 to {MAX_AMOUNT}, not {}",
                line.amount
            )));
        }
    }
    if bill.records.is_empty() || bill.records.len() > MAX_RECORDS {
        return Err(refused(format!(
            "a bill names 1 to {MAX_RECORDS} records it bills for"
        )));
    }
    let mut seen = bill.records.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != bill.records.len() {
        return Err(refused("a bill names each record once"));
    }
    Ok(())
}

fn key(resource: &str, key: Address) -> Reference {
    Reference::by_identifier(resource, Identifier::new(KEY_SYSTEM, key.to_string()))
}

fn policy_value(c: &Coverage) -> String {
    format!("{}/{}/{}", c.insurer, c.policy_id, c.version)
}

/// The hospital's claim U_B at `now` (JSON), by the billing desk assigned by `assignment`, for
/// `bill` under `coverage`, in `currency`.
pub fn claim(
    assignment: &VisitAssignment,
    coverage: &Coverage,
    bill: &Bill,
    currency: &str,
    now: u64,
) -> Result<Vec<u8>, UiError> {
    check_bill(bill)?;
    if coverage.patient != assignment.patient {
        return Err(refused("the coverage is another patient's"));
    }
    let at = Instant::from_unix_seconds(now).map_err(|e| refused(e.to_string()))?;
    let mut claim = Claim::new(
        "professional",
        key("Patient", assignment.patient),
        key("Organization", assignment.organization),
        Reference::by_identifier(
            "Coverage",
            Identifier::new(POLICY_SYSTEM, policy_value(coverage)),
        ),
        &at,
    )
    .with_insurer(key("Organization", coverage.insurer));
    let mut total = 0u64;
    for line in &bill.lines {
        let price = Money::new(line.amount, currency);
        claim = claim.with_item(
            CodeableConcept::text(line.service.trim()),
            1u32,
            price.clone(),
            price,
        );
        total += line.amount;
    }
    claim = claim.with_total(Money::new(total, currency));
    let info: Vec<serde_json::Value> = bill
        .records
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "sequence": i + 1,
                "category": { "text": "billed record" },
                "valueReference": { "identifier": { "system": RECORD_SYSTEM, "value": id.to_string() } },
            })
        })
        .collect();
    claim
        .extra
        .insert("supportingInfo".into(), serde_json::Value::Array(info));
    serde_json::to_vec(&claim).map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))
}

/// A claim read back: the coverage it names and its bill.
pub fn read_claim(json: &[u8]) -> Result<(Coverage, Bill), UiError> {
    let claim = Claim::from_json(json).map_err(|e| refused(format!("not a FHIR Claim: {e}")))?;
    let key_of = |r: &Reference| -> Option<Address> {
        let id = r.identifier.as_ref()?;
        (id.system.as_deref() == Some(KEY_SYSTEM))
            .then(|| id.value.as_ref()?.parse().ok())
            .flatten()
    };
    let patient =
        key_of(&claim.patient).ok_or_else(|| refused("the claim names no patient key"))?;
    let coverage = claim
        .insurance
        .first()
        .and_then(|i| i.coverage.identifier.as_ref())
        .filter(|id| id.system.as_deref() == Some(POLICY_SYSTEM))
        .and_then(|id| id.value.clone())
        .ok_or_else(|| refused("the claim names no policy"))?;
    let mut parts = coverage.split('/');
    let (Some(insurer), Some(policy), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refused(format!(
            "{coverage:?} is not insurer/policy/version"
        )));
    };
    let coverage = Coverage {
        patient,
        insurer: insurer
            .parse()
            .map_err(|_| refused("the claim's insurer is not an address"))?,
        policy_id: policy
            .parse()
            .map_err(|_| refused("the claim's policy is not an id"))?,
        version: version
            .parse()
            .map_err(|_| refused("the claim's version is not a number"))?,
    };
    let lines = claim
        .item
        .iter()
        .map(|item| {
            let amount = whole(item.net.as_ref().and_then(|m| m.value.as_ref()))
                .ok_or_else(|| refused("a claim line has no amount"))?;
            Ok(BillLine {
                service: text(&item.product_or_service),
                amount,
            })
        })
        .collect::<Result<Vec<_>, UiError>>()?;
    let records = claim
        .extra
        .get("supportingInfo")
        .and_then(serde_json::Value::as_array)
        .map(|infos| {
            infos
                .iter()
                .filter_map(|i| {
                    let id = &i["valueReference"]["identifier"];
                    (id["system"] == RECORD_SYSTEM)
                        .then(|| id["value"].as_str()?.parse().ok())
                        .flatten()
                })
                .collect()
        })
        .unwrap_or_default();
    let bill = Bill { lines, records };
    check_bill(&bill)?;
    Ok((coverage, bill))
}

/// How a claim was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Received, not decided yet.
    Queued,
    /// Every line paid as billed, less its co-payment.
    Complete,
    /// Some lines paid, some not or not in full.
    Partial,
    /// Nothing paid.
    Error,
}

/// One line decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineResult {
    pub service: String,
    pub submitted: u64,
    /// The patient's share.
    pub copay: u64,
    /// What the insurer pays.
    pub benefit: u64,
    /// Why it is not paid in full, when it is not.
    pub reason: Option<String>,
}

/// A bill decided against a policy's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjudicated {
    pub outcome: Outcome,
    pub lines: Vec<LineResult>,
    /// What the insurer pays in all.
    pub benefit: u64,
}

/// What `terms` say the insurer pays for `bill` alone: each line's service must be one the plan
/// covers (else nothing), the patient pays its co-payment (rounded half up), and the plan pays
/// the rest up to what is left of the service's money limit.
pub fn adjudicate(terms: &Terms, bill: &Bill) -> Adjudicated {
    adjudicate_after(terms, bill, &mut Vec::new())
}

/// [`adjudicate`], with what the plan already paid for each limited service this year
/// (`used`, by service), which it adds this bill's benefits to.
fn adjudicate_after(terms: &Terms, bill: &Bill, used: &mut Vec<(String, u64)>) -> Adjudicated {
    let mut lines = Vec::with_capacity(bill.lines.len());
    for line in &bill.lines {
        let service = line.service.trim();
        let Some(b) = terms
            .benefits
            .iter()
            .find(|b| b.service.eq_ignore_ascii_case(service))
        else {
            lines.push(LineResult {
                service: service.to_owned(),
                submitted: line.amount,
                copay: 0,
                benefit: 0,
                reason: Some(format!("{service:?} is not a service the policy covers")),
            });
            continue;
        };
        let copay = ((line.amount * b.copay_percent + 50) / 100).min(line.amount);
        let mut benefit = line.amount - copay;
        let mut reason = None;
        if let Some(limit) = b.limit {
            let spent = used
                .iter()
                .find(|(s, _)| s == &b.service)
                .map_or(0, |(_, v)| *v);
            let left = limit.saturating_sub(spent);
            if benefit > left {
                benefit = left;
                reason = Some(format!(
                    "the policy pays at most {limit} {} a year for {} ({spent} paid before)",
                    terms.currency, b.service
                ));
            }
            match used.iter_mut().find(|(s, _)| s == &b.service) {
                Some((_, v)) => *v += benefit,
                None => used.push((b.service.clone(), benefit)),
            }
        }
        lines.push(LineResult {
            service: b.service.clone(),
            submitted: line.amount,
            copay,
            benefit,
            reason,
        });
    }
    let benefit = lines.iter().map(|l| l.benefit).sum();
    let outcome = if benefit == 0 {
        Outcome::Error
    } else if lines.iter().all(|l| l.reason.is_none()) {
        Outcome::Complete
    } else {
        Outcome::Partial
    };
    Adjudicated {
        outcome,
        lines,
        benefit,
    }
}

fn money(amount: u64, currency: &str) -> Money {
    Money::new(amount, currency)
}

/// The insurer's answer at `now` (JSON) to the claim `claim_json` (record `claim_id`): queued
/// when `decided` is `None`, else its outcome, each line's submitted amount, co-payment and
/// benefit, and the totals.
pub fn response(
    claim_json: &[u8],
    claim_id: Hash32,
    insurer: Address,
    currency: &str,
    decided: Option<&Adjudicated>,
    now: u64,
) -> Result<Vec<u8>, UiError> {
    let claim =
        Claim::from_json(claim_json).map_err(|e| refused(format!("not a FHIR Claim: {e}")))?;
    let at = Instant::from_unix_seconds(now).map_err(|e| refused(e.to_string()))?;
    let outcome = match decided.map(|d| d.outcome) {
        None | Some(Outcome::Queued) => ClaimResponseOutcome::Queued,
        Some(Outcome::Complete) => ClaimResponseOutcome::Complete,
        Some(Outcome::Partial) => ClaimResponseOutcome::Partial,
        Some(Outcome::Error) => ClaimResponseOutcome::Error,
    };
    let mut answer = ClaimResponse::for_claim(
        &claim,
        Reference::by_identifier(
            "Claim",
            Identifier::new(RECORD_SYSTEM, claim_id.to_string()),
        ),
        key("Organization", insurer),
        &at,
        outcome,
    );
    if let Some(d) = decided {
        for (i, line) in d.lines.iter().enumerate() {
            let mut paid = Adjudication::amount("benefit", money(line.benefit, currency));
            if let Some(reason) = &line.reason {
                paid.reason = Some(CodeableConcept::text(reason.clone()));
            }
            answer = answer.with_item(
                u32::try_from(i + 1).unwrap_or(u32::MAX),
                vec![
                    Adjudication::amount("submitted", money(line.submitted, currency)),
                    Adjudication::amount("copay", money(line.copay, currency)),
                    paid,
                ],
            );
        }
        let submitted = d.lines.iter().map(|l| l.submitted).sum();
        answer = answer
            .with_total("submitted", money(submitted, currency))
            .with_total("benefit", money(d.benefit, currency))
            .with_disposition(match d.outcome {
                Outcome::Complete => "Paid as billed, less the co-payments.",
                Outcome::Partial => "Paid in part: see each line's reason.",
                Outcome::Error | Outcome::Queued => "Nothing is payable under the policy.",
            });
    } else {
        answer = answer.with_disposition("Received; to be decided.");
    }
    serde_json::to_vec(&answer).map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))
}

/// An answer read back: its outcome and, once decided, each line's co-payment and benefit and
/// the total benefit (the service names are the claim's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub outcome: Outcome,
    /// (co-payment, benefit) of each line, in the claim's order.
    pub lines: Vec<(u64, u64)>,
    pub benefit: u64,
}

/// Reads an insurer's `ClaimResponse`.
pub fn read_response(json: &[u8]) -> Result<Answer, UiError> {
    let answer = ClaimResponse::from_json(json)
        .map_err(|e| refused(format!("not a FHIR ClaimResponse: {e}")))?;
    let outcome = match answer.outcome {
        ClaimResponseOutcome::Queued => Outcome::Queued,
        ClaimResponseOutcome::Complete => Outcome::Complete,
        ClaimResponseOutcome::Partial => Outcome::Partial,
        ClaimResponseOutcome::Error => Outcome::Error,
    };
    let amount = |adjudications: &[Adjudication], category: &str| {
        adjudications
            .iter()
            .find(|a| {
                a.category.coding.iter().any(|c| {
                    c.system.as_deref() == Some(ADJUDICATION) && c.code.as_deref() == Some(category)
                })
            })
            .and_then(|a| whole(a.amount.as_ref()?.value.as_ref()))
            .unwrap_or(0)
    };
    let mut items = answer.item.clone();
    items.sort_by_key(|i| i.item_sequence);
    let lines = items
        .iter()
        .map(|i| {
            (
                amount(&i.adjudication, "copay"),
                amount(&i.adjudication, "benefit"),
            )
        })
        .collect();
    let benefit = answer
        .total
        .iter()
        .find(|t| {
            t.category
                .coding
                .iter()
                .any(|c| c.code.as_deref() == Some("benefit"))
        })
        .and_then(|t| whole(t.amount.value.as_ref()))
        .unwrap_or(0);
    Ok(Answer {
        outcome,
        lines,
        benefit,
    })
}

/// Where the insurer's answer differs from what her policy says (`expected`, her own
/// [`adjudicate`] of the bill against the terms of the version her enrolment pinned): nothing
/// when they agree, or the answer is still queued.
pub fn compare(expected: &Adjudicated, answer: &Answer) -> Vec<String> {
    if answer.outcome == Outcome::Queued {
        return Vec::new();
    }
    let mut differences = Vec::new();
    if answer.outcome != expected.outcome {
        differences.push(format!(
            "the insurer says {:?}; her policy says {:?}",
            answer.outcome, expected.outcome
        ));
    }
    for (i, line) in expected.lines.iter().enumerate() {
        match answer.lines.get(i) {
            Some(&(copay, benefit)) if (copay, benefit) == (line.copay, line.benefit) => {}
            Some(&(copay, benefit)) => differences.push(format!(
                "{}: the insurer pays {benefit} (she pays {copay}); her policy says {} (she pays {})",
                line.service, line.benefit, line.copay
            )),
            None => differences.push(format!("{}: the insurer does not answer it", line.service)),
        }
    }
    if answer.benefit != expected.benefit {
        differences.push(format!(
            "the insurer pays {} in all; her policy says {}",
            answer.benefit, expected.benefit
        ));
    }
    differences
}

/// The records of `bill` some bill in `earlier` already named.
fn billed_before(bill: &Bill, earlier: &[Bill]) -> Vec<Hash32> {
    bill.records
        .iter()
        .filter(|r| earlier.iter().any(|e| e.records.contains(r)))
        .copied()
        .collect()
}

/// The billing desk's check before it sends: a well-formed bill, each line a service the terms
/// cover, and no record a bill in `earlier` (the hospital's earlier bills for her) named.
pub fn check_billable(terms: &Terms, bill: &Bill, earlier: &[Bill]) -> Result<(), UiError> {
    check_bill(bill)?;
    if let Some(line) = bill.lines.iter().find(|l| {
        !terms
            .benefits
            .iter()
            .any(|b| b.service.eq_ignore_ascii_case(l.service.trim()))
    }) {
        let covered: Vec<&str> = terms.benefits.iter().map(|b| b.service.as_str()).collect();
        return Err(refused(format!(
            "{:?} is not a service her policy covers (it covers: {})",
            line.service.trim(),
            covered.join(", ")
        )));
    }
    if let Some(record) = billed_before(bill, earlier).first() {
        return Err(UiError::new(
            ErrorCode::RecordExists,
            format!("record {record} was billed before: a record is billed once"),
        ));
    }
    Ok(())
}

/// Whether record `id` may be billed for the visit `visit_id` of `organization` with `patient`:
/// the relay holds it (`held`, the row it answered for that id, with the writer the desk checked
/// from its submission), it is not itself a bill or an answer, it is hers and was written at
/// that visit by the organization's staff, and it is `anchored` on chain.
pub fn check_billed_record(
    id: Hash32,
    held: Option<(&StoredRecord, &Writer)>,
    (organization, visit_id, patient): (Address, Hash32, Address),
    anchored: bool,
) -> Result<(), UiError> {
    let Some((record, writer)) = held else {
        return Err(UiError::new(
            ErrorCode::RecordNotFound,
            format!("record {id} is not held by the relay: a bill names the visit's records"),
        ));
    };
    if record.id != id {
        return Err(UiError::new(
            ErrorCode::RelayError,
            format!("the relay answered record {} for record {id}", record.id),
        ));
    }
    let kind = crate::records::kind_text(&record.kind);
    if matches!(kind.as_str(), "Claim" | "ClaimResponse") {
        return Err(refused(format!(
            "record {id} is a {kind}: a bill names the care given, not another bill"
        )));
    }
    // Her submission ties the record to the visit; the row's patient must be the visit's.
    let at_this_visit = matches!(writer, Writer::Staff(by)
        if by.organization == organization && by.visit_id == visit_id)
        && record.patient == patient;
    if !at_this_visit {
        return Err(refused(format!(
            "record {} ({}) was not written at this visit by this hospital's staff",
            record.id,
            crate::records::kind_text(&record.kind)
        )));
    }
    if !anchored {
        return Err(UiError::new(
            ErrorCode::UnknownRecord,
            format!(
                "record {} is not anchored on chain yet: a bill names anchored records",
                record.id
            ),
        ));
    }
    Ok(())
}

/// How `bill` is decided against `terms`, given the bills of the same patient before it under
/// these terms (`earlier`, oldest first): a bill that names a record billed before is refused
/// whole; else it is adjudicated with what the earlier bills were paid counted against each
/// money limit (a limit is a year's, and a policy version's terms are one year's), each earlier
/// bill decided in turn the same way. The insurer decides with it, and the patient computes with
/// it what the answer should be.
pub fn decide(terms: &Terms, bill: &Bill, earlier: &[Bill]) -> Adjudicated {
    let mut used = Vec::new();
    for (n, before) in earlier.iter().enumerate() {
        if billed_before(before, &earlier[..n]).is_empty() {
            adjudicate_after(terms, before, &mut used);
        }
    }
    let repeated = billed_before(bill, earlier);
    if repeated.is_empty() {
        return adjudicate_after(terms, bill, &mut used);
    }
    let reason = format!(
        "billed before: {}",
        repeated
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    refuse(bill, &reason)
}

/// The decision on a claim (its `coverage` and `bill`) sent to `insurer`, for a patient whose
/// registration pinned `pinned` with these `terms`, after her `earlier` claims (oldest first):
/// refused whole when the claim does not name her pinned coverage with this insurer, else
/// [`decide`] after her earlier claims under that same coverage. The insurer answers with it;
/// her app computes with it what the answer should be.
pub fn decide_claim(
    pinned: &Coverage,
    terms: &Terms,
    claim: (&Coverage, &Bill),
    insurer: Address,
    earlier: &[(Coverage, Bill)],
) -> Adjudicated {
    let (coverage, bill) = claim;
    if coverage != pinned || pinned.insurer != insurer {
        let reason = format!(
            "{} is not enrolled with {insurer} under policy version {} of {}",
            coverage.patient, coverage.version, coverage.policy_id
        );
        return refuse(bill, &reason);
    }
    let under_it: Vec<Bill> = earlier
        .iter()
        .filter(|(c, _)| c == pinned)
        .map(|(_, b)| b.clone())
        .collect();
    decide(terms, bill, &under_it)
}

/// A patient's coverage as the chain pins it, and the terms of that policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedTerms {
    pub coverage: Coverage,
    pub terms: Terms,
}

impl PinnedTerms {
    /// `patient`'s coverage under `publication`, the policy version her enrolment pinned, as
    /// published on chain, and its terms (refused for a plan published as a document).
    pub fn of(patient: Address, publication: &PolicyPublication) -> Result<Self, UiError> {
        Ok(Self {
            coverage: Coverage {
                patient,
                insurer: publication.insurer,
                policy_id: publication.signed.policy_id,
                version: publication.signed.version,
            },
            terms: terms(&publication.document)?,
        })
    }
}

/// One of her claims as her device read it: whose it is on chain (the hospital that anchored it,
/// the insurer it names), what it says, and the insurer's answers, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadClaim {
    pub claim: Hash32,
    pub organization: Address,
    pub insurer: Address,
    pub coverage: Coverage,
    pub bill: Bill,
    pub answers: Vec<Answer>,
}

/// A decrypted claim or answer as the FHIR JSON text it must be.
pub fn fhir_text(json: Vec<u8>) -> Result<String, UiError> {
    String::from_utf8(json).map_err(|_| refused("a bill or answer that is not UTF-8 text"))
}

/// One of her claims as her device decrypted it: whose it is on chain (the hospital that anchored
/// it, the insurer it names), the claim's FHIR JSON and its answers', oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecryptedClaim {
    pub claim: Hash32,
    pub organization: Address,
    pub insurer: Address,
    pub json: String,
    pub answers: Vec<String>,
}

/// Her bills as her device holds them before they are read: her claims, oldest first, and the
/// policy version her registration pinned as published on chain (needed once she has a bill).
/// The desktop client computes her bills from it ([`DecryptedBills::views`]); the web page hands
/// it to a worker of its own, whose wasm carries the FHIR parsing the page's does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecryptedBills {
    pub patient: Address,
    pub publication: Option<PolicyPublication>,
    pub claims: Vec<DecryptedClaim>,
}

impl DecryptedBills {
    /// Each claim and answer read ([`read_claim`], [`read_response`]), then [`views`] under her
    /// pinned policy's terms. With no claim, no policy is needed: a policy without terms (a PDF)
    /// is no reason to refuse her the empty list.
    pub fn views(&self) -> Result<Vec<BillView>, UiError> {
        if self.claims.is_empty() {
            return Ok(Vec::new());
        }
        let publication = self.publication.as_ref().ok_or_else(|| {
            UiError::new(
                ErrorCode::NotRegistered,
                format!(
                    "the chain holds no policy version {}'s registration pins: her bills cannot \
                     be checked",
                    self.patient
                ),
            )
        })?;
        let pinned = PinnedTerms::of(self.patient, publication)?;
        let mut read = Vec::with_capacity(self.claims.len());
        for claim in &self.claims {
            let (coverage, bill) = read_claim(claim.json.as_bytes())?;
            let answers = claim
                .answers
                .iter()
                .map(|json| read_response(json.as_bytes()))
                .collect::<Result<Vec<_>, _>>()?;
            read.push(ReadClaim {
                claim: claim.claim,
                organization: claim.organization,
                insurer: claim.insurer,
                coverage,
                bill,
                answers,
            });
        }
        Ok(views(&pinned, read))
    }
}

/// What the relay says the chain holds of one of her claims, checked before anything is read
/// under it: the claim is a `Claim` record of `patient`'s, and each answer a `ClaimResponse`
/// record of hers that the insurer the claim names anchored (each id the one its patient, kind
/// and ciphertext hash derive).
pub fn check_chain_claim(patient: Address, claim: &ChainClaim) -> Result<(), UiError> {
    let wrong = |what: String| {
        Err(UiError::new(
            ErrorCode::HashMismatch,
            format!("the relay's account of the chain is wrong: {what}"),
        ))
    };
    let is = |anchor: &RecordAnchor, kind: &str| {
        record_kind(kind) == Some(anchor.kind)
            && anchor.patient == patient
            && record_id(anchor.patient, anchor.kind, anchor.ciphertext_hash) == anchor.record_id
    };
    let id = claim.claim.anchor.record_id;
    if !is(&claim.claim.anchor, "Claim") {
        return wrong(format!("{id} is not a claim on {patient}'s records"));
    }
    for answer in &claim.answers {
        if !is(&answer.anchor, "ClaimResponse") || answer.anchor.author != claim.insurer {
            return wrong(format!(
                "{} is not an answer of {} to claim {id}",
                answer.anchor.record_id, claim.insurer
            ));
        }
    }
    Ok(())
}

/// Her bills as her app shows them, from her `claims` oldest first: each with her own
/// computation under her `pinned` coverage (after the claims before it, as the insurer decides)
/// and where the insurer's last answer differs from it. The desktop app, the web page and the
/// CLI show the same figures.
pub fn views(pinned: &PinnedTerms, claims: Vec<ReadClaim>) -> Vec<BillView> {
    let mut earlier: Vec<(Coverage, Bill)> = Vec::with_capacity(claims.len());
    let mut views = Vec::with_capacity(claims.len());
    for read in claims {
        let expected = decide_claim(
            &pinned.coverage,
            &pinned.terms,
            (&read.coverage, &read.bill),
            read.insurer,
            &earlier,
        );
        earlier.push((read.coverage, read.bill.clone()));
        let differences = read
            .answers
            .last()
            .map(|last| compare(&expected, last))
            .unwrap_or_default();
        views.push(BillView {
            claim: read.claim,
            organization: read.organization,
            insurer: read.insurer,
            bill: read.bill,
            answers: read.answers,
            expected,
            differences,
        });
    }
    views
}

/// `bill` refused whole, each line for `reason`.
pub fn refuse(bill: &Bill, reason: &str) -> Adjudicated {
    Adjudicated {
        outcome: Outcome::Error,
        lines: bill
            .lines
            .iter()
            .map(|l| LineResult {
                service: l.service.trim().to_owned(),
                submitted: l.amount,
                copay: 0,
                benefit: 0,
                reason: Some(reason.to_owned()),
            })
            .collect(),
        benefit: 0,
    }
}
