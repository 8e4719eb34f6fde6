//! The payloads' bytes: one fixed layout per kind, written and read field by field in the same
//! order, so that reading is writing undone.

use super::{CheckIn, DecodeError, LabVisit, Payload, SharedTestList, SignedKioskCode, VERSION};
use caretrail_types::{Address, Hash32, KioskCode, Signature, TestListShare, VisitToken};

/// The kind bytes.
pub(super) const CHECK_IN: u8 = 1;
pub(super) const TEST_LIST: u8 = 2;
pub(super) const TEST_LIST_WITH_VISIT: u8 = 3;
pub(super) const KIOSK: u8 = 4;

const ADDRESS: usize = 20;
const HASH: usize = 32;
const TIME: usize = 8;
const SIGNATURE: usize = 65;
const HEAD: usize = 2;

/// Each kind's whole length, version and kind bytes included.
pub(super) const CHECK_IN_LEN: usize = HEAD + 2 * ADDRESS + HASH + 2 * TIME + HASH + SIGNATURE;
pub(super) const TEST_LIST_LEN: usize = HEAD + 2 * ADDRESS + HASH + TIME + SIGNATURE;
pub(super) const TEST_LIST_WITH_VISIT_LEN: usize = TEST_LIST_LEN + HASH + 2 * TIME + SIGNATURE;
pub(super) const KIOSK_LEN: usize = HEAD + ADDRESS + 4 + 2 * TIME + SIGNATURE;

fn kind_of(payload: &Payload) -> u8 {
    match payload {
        Payload::CheckIn(_) => CHECK_IN,
        Payload::TestList(SharedTestList { visit: None, .. }) => TEST_LIST,
        Payload::TestList(SharedTestList { visit: Some(_), .. }) => TEST_LIST_WITH_VISIT,
        Payload::Kiosk(_) => KIOSK,
    }
}

/// A kind's name and length, for the kinds this build reads.
fn layout(kind: u8) -> Option<(&'static str, usize)> {
    match kind {
        CHECK_IN => Some(("check-in", CHECK_IN_LEN)),
        TEST_LIST => Some(("test-list", TEST_LIST_LEN)),
        TEST_LIST_WITH_VISIT => Some(("test-list", TEST_LIST_WITH_VISIT_LEN)),
        KIOSK => Some(("kiosk", KIOSK_LEN)),
        _ => None,
    }
}

pub(super) fn write(payload: &Payload) -> Vec<u8> {
    let kind = kind_of(payload);
    let mut out = Vec::with_capacity(layout(kind).map_or(0, |(_, len)| len));
    out.extend_from_slice(&[VERSION, kind]);
    match payload {
        Payload::CheckIn(c) => {
            out.extend_from_slice(&c.token.patient.0);
            out.extend_from_slice(&c.token.organization.0);
            out.extend_from_slice(&c.token.visit_id.0);
            out.extend_from_slice(&c.token.expires_at.to_be_bytes());
            out.extend_from_slice(&c.token.not_after.to_be_bytes());
            out.extend_from_slice(&c.record.0);
            out.extend_from_slice(&c.signature.0);
        }
        Payload::TestList(t) => {
            out.extend_from_slice(&t.share.patient.0);
            out.extend_from_slice(&t.share.organization.0);
            out.extend_from_slice(&t.share.record_id.0);
            out.extend_from_slice(&t.share.expires_at.to_be_bytes());
            out.extend_from_slice(&t.signature.0);
            if let Some(visit) = &t.visit {
                out.extend_from_slice(&visit.visit_id.0);
                out.extend_from_slice(&visit.expires_at.to_be_bytes());
                out.extend_from_slice(&visit.not_after.to_be_bytes());
                out.extend_from_slice(&visit.signature.0);
            }
        }
        Payload::Kiosk(k) => {
            out.extend_from_slice(&k.code.organization.0);
            out.extend_from_slice(&k.code.kiosk.to_be_bytes());
            out.extend_from_slice(&k.code.nonce.to_be_bytes());
            out.extend_from_slice(&k.code.expires_at.to_be_bytes());
            out.extend_from_slice(&k.signature.0);
        }
    }
    debug_assert_eq!(layout(kind).map(|(_, len)| len), Some(out.len()));
    out
}

pub(super) fn read(bytes: &[u8]) -> Result<Payload, DecodeError> {
    let [version, kind, ..] = *bytes else {
        return Err(DecodeError::Empty);
    };
    if version != VERSION {
        return Err(DecodeError::UnknownVersion(version));
    }
    let (name, expected) = layout(kind).ok_or(DecodeError::UnknownKind(kind))?;
    if bytes.len() < expected {
        return Err(DecodeError::Truncated {
            kind: name,
            expected,
            found: bytes.len(),
        });
    }
    if bytes.len() > expected {
        return Err(DecodeError::TrailingBytes {
            kind: name,
            extra: bytes.len() - expected,
        });
    }
    let mut fields = Fields(&bytes[HEAD..]);
    let payload = match kind {
        CHECK_IN => Payload::CheckIn(CheckIn {
            token: VisitToken {
                patient: fields.address(),
                organization: fields.address(),
                visit_id: fields.hash(),
                expires_at: fields.time(),
                not_after: fields.time(),
            },
            record: fields.hash(),
            signature: fields.signature(),
        }),
        TEST_LIST | TEST_LIST_WITH_VISIT => {
            let share = TestListShare {
                patient: fields.address(),
                organization: fields.address(),
                record_id: fields.hash(),
                expires_at: fields.time(),
            };
            let signature = fields.signature();
            let visit = (kind == TEST_LIST_WITH_VISIT).then(|| LabVisit {
                visit_id: fields.hash(),
                expires_at: fields.time(),
                not_after: fields.time(),
                signature: fields.signature(),
            });
            Payload::TestList(SharedTestList {
                share,
                signature,
                visit,
            })
        }
        // KIOSK, the only kind `layout` knows that is left.
        _ => Payload::Kiosk(SignedKioskCode {
            code: KioskCode {
                organization: fields.address(),
                kiosk: u32::from_be_bytes(fields.take()),
                nonce: fields.time(),
                expires_at: fields.time(),
            },
            signature: fields.signature(),
        }),
    };
    debug_assert!(fields.0.is_empty(), "the layout's length is its fields'");
    Ok(payload)
}

/// The fields left to read; the length was checked against the kind's layout before.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (field, rest) = self
            .0
            .split_first_chunk::<N>()
            .expect("the length was checked against the kind's layout");
        self.0 = rest;
        *field
    }

    fn address(&mut self) -> Address {
        Address(self.take())
    }

    fn hash(&mut self) -> Hash32 {
        Hash32(self.take())
    }

    fn time(&mut self) -> u64 {
        u64::from_be_bytes(self.take())
    }

    fn signature(&mut self) -> Signature {
        Signature(self.take())
    }
}
