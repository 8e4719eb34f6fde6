//! Who may read a patient's record, and why a refused reader was refused. The chain's
//! `hasAccess` answers for consents; a health organization also reads while a visit the patient
//! opened to it is open ([`open_visit`]). When both say no, [`why_not`] tells the reader which of
//! the patient's consents, or which ended visit, stood in the way.

use caretrail_types::{
    Address, ConsentEvent, ConsentScope, ErrorCode, Hash32, UiError, Visit, format_unix_utc,
};

/// A visit of `reader`'s with `patient` that is open at `now`, if any, from the visits the
/// registry holds (as they stand now: an early close has moved the expiry back). The
/// latest-expiring one, so a read is logged under the visit that lasts.
pub fn open_visit(visits: &[Visit], patient: Address, reader: Address, now: u64) -> Option<&Visit> {
    visits
        .iter()
        .filter(|visit| {
            visit.patient == patient && visit.organization == reader && now < visit.expires_at
        })
        .max_by_key(|visit| visit.expires_at)
}

/// Why `reader` may not read the record `record_id` of `kind`, at `now`, from the patient's
/// consent events (oldest first) and the reader's visits with her: the latest event about a
/// consent that would cover the record decides between revoked and expired; with none, the
/// reader is not one, and the message says when its last visit with her ended, if it had one.
pub fn why_not(
    events: &[ConsentEvent],
    visits: &[Visit],
    reader: Address,
    record_id: Hash32,
    kind: Hash32,
    now: u64,
) -> UiError {
    let covers = |grantee: &Address, scope: &ConsentScope, target: &Hash32| {
        *grantee == reader
            && match scope {
                ConsentScope::Record => *target == record_id,
                ConsentScope::Kind => *target == kind,
            }
    };
    let latest = events.iter().rev().find(|event| match event {
        ConsentEvent::Granted {
            grantee,
            scope,
            target,
            ..
        }
        | ConsentEvent::Revoked {
            grantee,
            scope,
            target,
            ..
        } => covers(grantee, scope, target),
    });
    match latest {
        Some(ConsentEvent::Revoked { .. }) => UiError::new(
            ErrorCode::ConsentRevoked,
            "the patient revoked this reader's consent",
        ),
        Some(ConsentEvent::Granted { expires_at, .. }) if *expires_at <= now => UiError::new(
            ErrorCode::ConsentExpired,
            format!(
                "the patient's consent for this reader expired at {}",
                format_unix_utc(*expires_at)
            ),
        ),
        _ => match visits
            .iter()
            .filter(|visit| visit.organization == reader)
            .map(|visit| visit.expires_at)
            .max()
        {
            Some(ended) => UiError::new(
                ErrorCode::NotAReader,
                format!(
                    "{reader} is not a reader of this record: no consent, and its visit with the \
                     patient ended at {}",
                    format_unix_utc(ended.min(now))
                ),
            ),
            None => UiError::new(
                ErrorCode::NotAReader,
                format!(
                    "{reader} is not a reader of this record: not the patient, no consent, and \
                     no open visit"
                ),
            ),
        },
    }
}

/// The readers a new record of `kind` must be encrypted for besides the patient, at `now`: every
/// grantee whose latest word for that kind (from the consent events, oldest first) is a grant
/// that has not expired. A kind consent covers records written after it, too.
pub fn kind_readers(events: &[ConsentEvent], kind: Hash32, now: u64) -> Vec<Address> {
    let mut readers: Vec<(Address, bool)> = Vec::new();
    for event in events {
        let (grantee, live) = match event {
            ConsentEvent::Granted {
                grantee,
                scope: ConsentScope::Kind,
                target,
                expires_at,
                ..
            } if *target == kind => (*grantee, *expires_at > now),
            ConsentEvent::Revoked {
                grantee,
                scope: ConsentScope::Kind,
                target,
                ..
            } if *target == kind => (*grantee, false),
            _ => continue,
        };
        match readers.iter_mut().find(|(g, _)| *g == grantee) {
            Some(entry) => entry.1 = live,
            None => readers.push((grantee, live)),
        }
    }
    readers
        .into_iter()
        .filter_map(|(grantee, live)| live.then_some(grantee))
        .collect()
}
