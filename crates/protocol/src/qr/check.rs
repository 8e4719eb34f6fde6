//! The checks a device makes of a scanned code offline, before it asks the chain: who signed it,
//! for whom, and whether it still holds at `now` (unix seconds, passed in). What only the chain
//! knows (that H is registered, that the organization is admitted, that the visit is not opened
//! yet) is the caller's next step.

use super::{CheckIn, Payload, SharedTestList, SignedKioskCode};
use caretrail_crypto::sign::SignatureError;
use caretrail_crypto::visit::{
    RegistryDomain, kiosk_code_signer, test_list_share_signer, visit_token_signer,
};
use caretrail_types::{Address, Signature, VisitToken, format_unix_utc};

/// Which signed part of a code a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    VisitToken,
    TestListShare,
    KioskCode,
}

impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signed::VisitToken => "visit token",
            Signed::TestListShare => "test-list share",
            Signed::KioskCode => "kiosk code",
        })
    }
}

/// Why a well-formed code is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("the {what}'s signature is not valid: {reason}")]
    BadSignature {
        what: Signed,
        reason: SignatureError,
    },
    #[error("the {what} names {claimed} but was signed by {signer}: it was altered or forged")]
    WrongSigner {
        what: Signed,
        claimed: Address,
        signer: Address,
    },
    #[error("the {what} is for the organization {named}, not this one ({here})")]
    NotForThisOrganization {
        what: Signed,
        named: Address,
        here: Address,
    },
    #[error("the {what} expired at {}: ask for a fresh code", format_unix_utc(*expires_at))]
    Expired { what: Signed, expires_at: u64 },
    #[error(
        "the visit token could open the visit only until {}: ask for a fresh code",
        format_unix_utc(*not_after)
    )]
    OpeningClosed { not_after: u64 },
}

fn signed_by(
    what: Signed,
    recovered: Result<Address, SignatureError>,
    claimed: Address,
) -> Result<(), CheckError> {
    let signer = recovered.map_err(|reason| CheckError::BadSignature { what, reason })?;
    if signer != claimed {
        return Err(CheckError::WrongSigner {
            what,
            claimed,
            signer,
        });
    }
    Ok(())
}

fn for_here(what: Signed, named: Address, here: Address) -> Result<(), CheckError> {
    if named != here {
        return Err(CheckError::NotForThisOrganization { what, named, here });
    }
    Ok(())
}

/// A time-bound signature holds while `now < expires_at`, as the registry's do.
fn unexpired(what: Signed, expires_at: u64, now: u64) -> Result<(), CheckError> {
    if now >= expires_at {
        return Err(CheckError::Expired { what, expires_at });
    }
    Ok(())
}

/// A visit token as `openVisit` would take it at `now` from `here`: signed by its patient, for
/// this organization, unexpired, and no later than its `notAfter`.
fn visit_token(
    domain: RegistryDomain,
    token: &VisitToken,
    signature: &Signature,
    here: Address,
    now: u64,
) -> Result<(), CheckError> {
    let what = Signed::VisitToken;
    signed_by(
        what,
        visit_token_signer(domain, token, signature),
        token.patient,
    )?;
    for_here(what, token.organization, here)?;
    unexpired(what, token.expires_at, now)?;
    if now > token.not_after {
        return Err(CheckError::OpeningClosed {
            not_after: token.not_after,
        });
    }
    Ok(())
}

impl CheckIn {
    /// Reception's offline check at the kiosk of organization `here`.
    pub fn check(&self, domain: RegistryDomain, here: Address, now: u64) -> Result<(), CheckError> {
        visit_token(domain, &self.token, &self.signature, here, now)
    }
}

impl SharedTestList {
    /// The lab's offline check, the lab being of organization `here`: the share, and the visit
    /// token when the code carries one.
    pub fn check(&self, domain: RegistryDomain, here: Address, now: u64) -> Result<(), CheckError> {
        let what = Signed::TestListShare;
        signed_by(
            what,
            test_list_share_signer(domain, &self.share, &self.signature),
            self.share.patient,
        )?;
        for_here(what, self.share.organization, here)?;
        unexpired(what, self.share.expires_at, now)?;
        match (self.visit_token(), &self.visit) {
            (Some(token), Some(visit)) => visit_token(domain, &token, &visit.signature, here, now),
            _ => Ok(()),
        }
    }
}

impl SignedKioskCode {
    /// The patient's app's offline check of a kiosk's code: signed by the organization it names,
    /// unexpired. Whether that organization is admitted is the chain's to say.
    pub fn check(&self, domain: RegistryDomain, now: u64) -> Result<(), CheckError> {
        let what = Signed::KioskCode;
        signed_by(
            what,
            kiosk_code_signer(domain, &self.code, &self.signature),
            self.code.organization,
        )?;
        unexpired(what, self.code.expires_at, now)
    }
}

impl Payload {
    /// The checks of its time bounds alone, at `now`: what any device can say of a scanned code
    /// before it knows the network's domain or where it is (the scan view's "expired").
    pub fn check_time(&self, now: u64) -> Result<(), CheckError> {
        let opening = |not_after: u64| match now > not_after {
            true => Err(CheckError::OpeningClosed { not_after }),
            false => Ok(()),
        };
        match self {
            Payload::CheckIn(code) => {
                unexpired(Signed::VisitToken, code.token.expires_at, now)?;
                opening(code.token.not_after)
            }
            Payload::TestList(code) => {
                unexpired(Signed::TestListShare, code.share.expires_at, now)?;
                match code.visit {
                    Some(visit) => {
                        unexpired(Signed::VisitToken, visit.expires_at, now)?;
                        opening(visit.not_after)
                    }
                    None => Ok(()),
                }
            }
            Payload::Kiosk(code) => unexpired(Signed::KioskCode, code.code.expires_at, now),
        }
    }

    /// Unix seconds from which [`Payload::check_time`] refuses it: the earliest expiry of its
    /// signed parts, or the second after a visit token's `notAfter`.
    pub fn expires_at(&self) -> u64 {
        let token = |expires_at: u64, not_after: u64| expires_at.min(not_after.saturating_add(1));
        match self {
            Payload::CheckIn(code) => token(code.token.expires_at, code.token.not_after),
            Payload::TestList(code) => match code.visit {
                Some(visit) => code
                    .share
                    .expires_at
                    .min(token(visit.expires_at, visit.not_after)),
                None => code.share.expires_at,
            },
            Payload::Kiosk(code) => code.code.expires_at,
        }
    }
}
