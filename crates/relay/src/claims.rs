//! Claims at the relay (step 15). The hospital files a claim it anchored ([`file`]): the relay
//! checks with the chain which insurer it names and that it holds the `Claim` record, keeps it,
//! and pushes it to that insurer's queue. The insurer follows its queue ([`follow`]: the claims it
//! has not answered, then new ones as they are filed, as server-sent events), so a claim filed
//! while the insurer is down waits for it. The insurer reads the claim on the `claim` ground and
//! uploads its answers ([`check_answer`], from `records::put`), then anchors each. Its last
//! answer takes the claim off its queue once the relay sees it anchored ([`open_claims`]): an
//! insurer that uploaded its answer and failed to anchor it finds the claim again when it
//! follows its queue.

use crate::records::{accept, held};
use crate::{Relay, RelayError, RelayState, unix_now};
use caretrail_chain::{
    answers_anchored_by, claim_insurer, claim_kind, claim_response_kind, is_admitted,
};
use caretrail_types::{
    Address, AnswerOf, ClaimNotice, ErrorCode, FiledClaim, Hash32, ParticipantKind, RelayAction,
    RelayRequest, StoredRecord,
};
use futures_util::Stream;
use std::collections::{HashSet, VecDeque};
use tokio::sync::broadcast;

/// Claims in flight to the insurers' live queues.
pub const LIVE_CAPACITY: usize = 1024;

fn refused(code: ErrorCode, message: impl Into<String>) -> RelayError {
    RelayError::refused(code, message)
}

/// Files a hospital's anchored claim for its insurer.
pub async fn file(relay: &Relay, filed: FiledClaim) -> Result<ClaimNotice, RelayError> {
    let config = &relay.config;
    let insurer = claim_insurer(
        &config.rpc_url,
        config.record_registry,
        filed.organization,
        filed.claim_id,
    )
    .await?
    .ok_or_else(|| {
        refused(
            ErrorCode::UnknownRecord,
            format!(
                "{} anchored no claim {} on chain: anchor it first",
                filed.organization, filed.claim_id
            ),
        )
    })?;
    let record = held(relay, filed.claim_id).await?;
    let organization = record
        .submission
        .as_ref()
        .map(|s| s.authority.assignment.assignment.organization);
    if record.kind != claim_kind() || organization != Some(filed.organization) {
        return Err(refused(
            ErrorCode::InvalidInput,
            format!(
                "record {} is not a claim {} wrote",
                filed.claim_id, filed.organization
            ),
        ));
    }
    let notice = ClaimNotice {
        organization: filed.organization,
        claim_id: filed.claim_id,
        patient: record.patient,
        insurer,
        filed_at: unix_now(),
    };
    if !relay.db.file_claim(&notice).await? {
        return Err(refused(
            ErrorCode::RecordExists,
            format!("claim {} was filed already", filed.claim_id),
        ));
    }
    // Nobody following the insurer's queue is not an error: the claim waits for it.
    let _ = relay.claims.send(notice);
    tracing::info!(claim = %notice.claim_id, insurer = %insurer, "claim filed");
    Ok(notice)
}

/// Whether the chain says `reader` is the insurer `record`'s claim names: its ground to read it.
pub(crate) async fn reads_its_claim(
    relay: &Relay,
    record: &StoredRecord,
    reader: Address,
) -> Result<bool, RelayError> {
    let Some(organization) = record
        .submission
        .as_ref()
        .map(|s| s.authority.assignment.assignment.organization)
    else {
        return Ok(false);
    };
    if record.kind != claim_kind() {
        return Ok(false);
    }
    let config = &relay.config;
    Ok(claim_insurer(
        &config.rpc_url,
        config.record_registry,
        organization,
        record.id,
    )
    .await?
        == Some(reader))
}

/// An insurer's upload of an answer (`answer`, from its header) checked: the claim is filed and
/// names the signer on chain, the signer is an admitted insurer, the record is a
/// `ClaimResponse` of the claim's patient, and both the patient and the hospital can read it.
pub(crate) async fn check_answer(
    relay: &Relay,
    answer: &AnswerOf,
    signer: Address,
    request: &RelayRequest,
    kind: caretrail_types::Hash32,
    readers: &[Address],
) -> Result<(), RelayError> {
    let config = &relay.config;
    let named = claim_insurer(
        &config.rpc_url,
        config.record_registry,
        answer.organization,
        answer.claim_id,
    )
    .await?;
    if named != Some(signer) {
        return Err(refused(
            ErrorCode::NotAReader,
            format!(
                "claim {} of {} does not name {signer} as its insurer",
                answer.claim_id, answer.organization
            ),
        ));
    }
    if !is_admitted(
        &config.rpc_url,
        config.participant_registry,
        signer,
        ParticipantKind::Insurer,
    )
    .await?
    {
        return Err(refused(
            ErrorCode::NotAdmitted,
            format!("{signer} is not an admitted insurer"),
        ));
    }
    let claim = held(relay, answer.claim_id).await?;
    let filed_by = claim
        .submission
        .as_ref()
        .map(|s| s.authority.assignment.assignment.organization);
    if filed_by != Some(answer.organization) {
        return Err(refused(
            ErrorCode::NotAReader,
            format!(
                "the claim {} the relay holds is not {}'s",
                answer.claim_id, answer.organization
            ),
        ));
    }
    if kind != claim_response_kind() || request.patient != claim.patient {
        return Err(refused(
            ErrorCode::InvalidInput,
            "an answer to a claim is a ClaimResponse of the claim's patient",
        ));
    }
    for (reader, who) in [
        (claim.patient, "the patient"),
        (answer.organization, "the hospital"),
    ] {
        if !readers.contains(&reader) {
            return Err(refused(
                ErrorCode::InvalidInput,
                format!("the answer is not readable by {who} ({reader})"),
            ));
        }
    }
    Ok(())
}

/// Keeps the insurer's last answer `stored` to its claim: the claim is answered once that answer
/// is seen anchored ([`open_claims`]).
pub(crate) async fn answered(
    relay: &Relay,
    answer: &AnswerOf,
    insurer: Address,
    stored: Hash32,
) -> Result<(), RelayError> {
    if answer.last {
        relay
            .db
            .keep_last_answer(answer.claim_id, insurer, stored)
            .await?;
    }
    Ok(())
}

/// The claims on `insurer`'s queue, oldest first: those it has not answered. A claim whose last
/// answer was uploaded is answered once the chain holds that answer's anchor (marked so here,
/// with one read of the insurer's anchored answers); until then it stays on the queue.
pub(crate) async fn open_claims(
    relay: &Relay,
    insurer: Address,
) -> Result<Vec<ClaimNotice>, RelayError> {
    let open = relay.db.open_claims(insurer).await?;
    if open.iter().all(|(_, answer)| answer.is_none()) {
        return Ok(open.into_iter().map(|(notice, _)| notice).collect());
    }
    let config = &relay.config;
    let anchored = answers_anchored_by(&config.rpc_url, config.record_registry, insurer).await?;
    let mut queue = Vec::with_capacity(open.len());
    for (notice, answer) in open {
        match answer {
            Some(answer) if anchored.contains(&(notice.claim_id, answer)) => {
                relay
                    .db
                    .answer_claim(notice.claim_id, insurer, unix_now())
                    .await?;
            }
            _ => queue.push(notice),
        }
    }
    Ok(queue)
}

struct Following {
    relay: RelayState,
    insurer: Address,
    live: broadcast::Receiver<ClaimNotice>,
    pending: VecDeque<ClaimNotice>,
    seen: HashSet<Hash32>,
}

/// An insurer's signed `claim.queue` request: its queue of claims, as a stream.
pub async fn follow(
    relay: RelayState,
    header: Option<&str>,
) -> Result<impl Stream<Item = ClaimNotice> + Send + 'static, RelayError> {
    let (fresh, _) = accept(&relay, header, RelayAction::ClaimQueue).await?;
    let config = &relay.config;
    if !is_admitted(
        &config.rpc_url,
        config.participant_registry,
        fresh.signer,
        ParticipantKind::Insurer,
    )
    .await?
    {
        return Err(refused(
            ErrorCode::NotAdmitted,
            format!("{} is not an admitted insurer", fresh.signer),
        ));
    }
    // Subscribed before the stored ones are read, so none falls between the two.
    let live = relay.claims.subscribe();
    let stored = open_claims(&relay, fresh.signer).await?;
    let state = Following {
        insurer: fresh.signer,
        live,
        seen: stored.iter().map(|n| n.claim_id).collect(),
        pending: stored.into(),
        relay,
    };
    Ok(futures_util::stream::unfold(state, next))
}

async fn next(mut s: Following) -> Option<(ClaimNotice, Following)> {
    loop {
        if let Some(notice) = s.pending.pop_front() {
            return Some((notice, s));
        }
        match s.live.recv().await {
            Ok(notice) if notice.insurer == s.insurer => {
                if s.seen.insert(notice.claim_id) {
                    return Some((notice, s));
                }
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => {
                for notice in open_claims(&s.relay, s.insurer).await.ok()? {
                    if s.seen.insert(notice.claim_id) {
                        s.pending.push_back(notice);
                    }
                }
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}
