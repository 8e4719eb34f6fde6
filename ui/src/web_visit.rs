//! The patient's side of the visit in the web page, the same protocol steps the desktop client
//! runs, signed here in wasm with her session's key: her check-in code (step 6,
//! `caretrail_protocol::checkin::code`; the page cannot read the chain, so it asks the relay
//! which health organizations are admitted, `GET /v1/organizations`, and whether the one she
//! picked still is, `GET /v1/participants/{address}`), and her test-list code for a lab (step
//! 10, `caretrail_protocol::visit::lab::code`, after granting that lab the list on chain when it
//! is not the ordering hospital's), and her bills (step 15, `caretrail_protocol::visit::bill`:
//! her claims and their answers as the relay reads them from the chain, `GET
//! /v1/patients/{address}/claims`, and the policy version she is enrolled in, `.../policy`).

use crate::clock::now;
use crate::device::CheckinCode;
use crate::ipc::internal;
use crate::ipc::web::relay_get;
use crate::web_records;
use crate::web_wallet;
use crate::worker;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::checkin;
use caretrail_protocol::records::Share;
use caretrail_protocol::visit::bill::{self, BillView, DecryptedBills, DecryptedClaim};
use caretrail_protocol::visit::lab;
use caretrail_types::{
    Address, Admission, ChainClaim, ErrorCode, Hash32, NetworkInfo, Participant, PolicyPublication,
    TestCode, UiError,
};
use rand_core::OsRng;
use wasm_bindgen::JsValue;

/// The health organizations admitted now, by name.
pub async fn organizations() -> Result<Vec<Admission>, UiError> {
    relay_get("/v1/organizations").await
}

/// Her check-in code for `organization`, once the relay says it is an admitted health
/// organization.
pub async fn code(organization: Address) -> Result<CheckinCode, UiError> {
    let key = web_wallet::session_key()?;
    let record = web_wallet::held_record()?.ok_or_else(|| {
        UiError::new(
            ErrorCode::NoKey,
            "this browser holds no registration to check in with",
        )
    })?;
    let participant: Option<Participant> =
        relay_get(&format!("/v1/participants/{organization}")).await?;
    checkin::check_organization(organization, participant.as_ref())?;
    let (code, text) = checkin::code(
        &key,
        domain().await?,
        organization,
        record,
        now(),
        &mut OsRng,
    );
    Ok(checkin::shown(&code, text))
}

/// Her test-list code for `lab`'s organization: the list a doctor wrote (as the page checked
/// it), granted to that lab on chain first when it is not the ordering hospital.
pub async fn test_code(record: Hash32, lab: Address) -> Result<TestCode, UiError> {
    let key = web_wallet::session_key()?;
    let listed = web_records::listed_alone(&key, record).await?;
    let ordered_by = lab::ordered_by(&listed, record)?;
    let now = now();
    if lab != ordered_by {
        web_records::grant(&key, lab, &Share::Record(record), now + lab::SHARE_SECS).await?;
    }
    let (shared, text) = lab::code(
        &key,
        domain().await?,
        lab,
        ordered_by,
        record,
        now,
        &mut OsRng,
    );
    Ok(TestCode {
        lab,
        record,
        expires_at: shared.share.expires_at,
        text,
    })
}

/// The bills worker's script: trunk's loader shim for the `bills` bin.
const BILLS_WORKER: &str = "./bills_loader.js";

/// Her bills, read as the desktop client reads them: her claims and their answers as the relay
/// reads them from the chain (checked: hers, and answered by the insurer each names), each
/// decrypted in the page, and the policy version her registration pinned; the bills worker
/// (`src/bin/bills.rs`) reads the FHIR and computes them ([`DecryptedBills::views`]).
pub async fn bills() -> Result<Vec<BillView>, UiError> {
    let key = web_wallet::session_key()?;
    let patient = key.address();
    let found: Vec<ChainClaim> = relay_get(&format!("/v1/patients/{patient}/claims")).await?;
    let mut claims = Vec::with_capacity(found.len());
    for claim in found {
        bill::check_chain_claim(patient, &claim)?;
        let json = bill::fhir_text(web_records::read_anchored(&key, &claim.claim.anchor).await?)?;
        let mut answers = Vec::with_capacity(claim.answers.len());
        for answer in &claim.answers {
            answers.push(bill::fhir_text(
                web_records::read_anchored(&key, &answer.anchor).await?,
            )?);
        }
        claims.push(DecryptedClaim {
            claim: claim.claim.anchor.record_id,
            organization: claim.claim.anchor.author,
            insurer: claim.insurer,
            json,
            answers,
        });
    }
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let publication: Option<PolicyPublication> =
        relay_get(&format!("/v1/patients/{patient}/policy")).await?;
    let asked = DecryptedBills {
        patient,
        publication,
        claims,
    };
    let asked = serde_json::to_string(&asked).map_err(|e| internal(format!("her bills: {e}")))?;
    let answer =
        worker::ask_once(BILLS_WORKER, "the bills worker", &JsValue::from_str(&asked)).await?;
    serde_json::from_str::<Result<Vec<BillView>, UiError>>(&answer)
        .unwrap_or_else(|e| Err(internal(format!("the bills worker's answer: {e}"))))
}

/// The record registry the relay's network names, for the codes' signatures.
async fn domain() -> Result<RegistryDomain, UiError> {
    let network: NetworkInfo = relay_get("/v1/network").await?;
    Ok(RegistryDomain {
        chain_id: network.chain_id,
        records: network.record_registry,
    })
}
