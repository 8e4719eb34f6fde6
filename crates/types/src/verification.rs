//! Registration and login through the relay's verification unit (VU): what the app sends, what
//! the VU answers, and what it signs.

use crate::{Address, CardNumber, Citizen, Coverage, Enrolment, Hash32, Nid, Signature, TxId};
use serde::{Deserialize, Serialize};

/// The most bytes an instant photo may have on the wire (before base64).
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;

/// Registration, first step: the patient asks the VU to check who she is and what she holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub nid: Nid,
    pub card_number: CardNumber,
    /// Her device key's address: the one the enrolment will bind.
    pub patient: Address,
    /// The canonical content hash of the policy document she holds (computed on her device).
    pub policy_hash: Hash32,
    /// The instant photo (JPEG or PNG).
    #[serde(with = "crate::base64_bytes")]
    pub photo: Vec<u8>,
}

/// The VU's signed record of a face match: never the photo or a template, only the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceAttestation {
    /// Euclidean distance between the two face embeddings, in millionths.
    pub distance_millionths: u32,
    /// Below this distance (in millionths) two faces are one person.
    pub threshold_millionths: u32,
    /// Which pipeline computed it.
    pub model: String,
    /// Unix seconds of the match.
    pub at: u64,
}

/// `millionths` / 10⁶ as a decimal of `places` places (at most 6), rounded half up, e.g. a face
/// distance: integer arithmetic, so the web page's wasm carries no float formatting.
pub fn millionths_text(millionths: u32, places: u32) -> String {
    let places = places.min(6);
    let unit = 10u64.pow(6 - places);
    let scaled = (u64::from(millionths) + unit / 2) / unit;
    let whole = 10u64.pow(places);
    format!(
        "{}.{:0width$}",
        scaled / whole,
        scaled % whole,
        width = places as usize
    )
}

impl FaceAttestation {
    pub fn distance(&self) -> f64 {
        f64::from(self.distance_millionths) / 1e6
    }
    pub fn threshold(&self) -> f64 {
        f64::from(self.threshold_millionths) / 1e6
    }
}

/// What the VU vouches for after the checks passed; signed by the VU's key (EIP-191 over
/// [`TicketBody`]'s canonical JSON), so the second step cannot change any of it. Nothing is kept
/// at the relay between the two steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketBody {
    /// The VU's salted commitment to her national ID (the ID itself is not in the ticket).
    pub nid_commitment: Hash32,
    pub enrolment: Enrolment,
    pub insurer_signature: Signature,
    pub face: FaceAttestation,
    /// The policy hash all three sides agreed on: hers, the insurer's copy and the chain's.
    pub policy_hash: Hash32,
    /// Unix seconds after which the ticket registers nobody.
    pub expires_at: u64,
    /// The VU's address (the signer).
    pub verifier: Address,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationTicket {
    #[serde(flatten)]
    pub body: TicketBody,
    pub signature: Signature,
}

/// The ticket as a request carries it back ([`RegisterRequest`]): every field known, at every
/// level. Read in the VU's answer ([`Verified`]), the same ticket is lenient, as any answer is.
mod strict {
    use super::{Enrolment, FaceAttestation, TicketBody, VerificationTicket};
    use crate::{Address, Hash32, Signature};
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(remote = "Enrolment", deny_unknown_fields)]
    struct StrictEnrolment {
        patient: Address,
        insurer: Address,
        policy_id: Hash32,
        version: u64,
        card_hash: Hash32,
        deadline: u64,
    }

    #[derive(Deserialize)]
    #[serde(remote = "FaceAttestation", deny_unknown_fields)]
    struct StrictFace {
        distance_millionths: u32,
        threshold_millionths: u32,
        model: String,
        at: u64,
    }

    /// [`VerificationTicket`]'s fields, its body's flattened beside its signature.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct StrictTicket {
        nid_commitment: Hash32,
        #[serde(deserialize_with = "StrictEnrolment::deserialize")]
        enrolment: Enrolment,
        insurer_signature: Signature,
        #[serde(deserialize_with = "StrictFace::deserialize")]
        face: FaceAttestation,
        policy_hash: Hash32,
        expires_at: u64,
        verifier: Address,
        signature: Signature,
    }

    pub(super) fn ticket<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<VerificationTicket, D::Error> {
        let t = StrictTicket::deserialize(deserializer)?;
        Ok(VerificationTicket {
            body: TicketBody {
                nid_commitment: t.nid_commitment,
                enrolment: t.enrolment,
                insurer_signature: t.insurer_signature,
                face: t.face,
                policy_hash: t.policy_hash,
                expires_at: t.expires_at,
                verifier: t.verifier,
            },
            signature: t.signature,
        })
    }
}

/// The VU's answer when every check passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// Her record at the EC registry: the app puts it, encrypted to her key, in Enc(U_D).
    pub citizen: Citizen,
    pub coverage: Coverage,
    /// The checks that ran, in order, each with what it found.
    pub checks: Vec<CheckResult>,
    pub ticket: VerificationTicket,
}

/// One of the VU's checks, as the app shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The NID is known to the EC registry.
    Citizen,
    /// The instant photo shows the citizen.
    Face,
    /// The NID is not registered yet (told only once the face matched).
    NotRegistered,
    /// Recovery: a registration under the NID exists, held by another key (told only once the
    /// face matched), and no recovery of it is pending.
    Registration,
    /// The insurer answers for the card and it is valid.
    Card,
    /// Her policy document, the insurer's copy and the chain's version have one hash.
    Policy,
    /// The insurer signed her enrolment.
    Enrolment,
}

impl Check {
    /// Every check, in the order the VU runs them.
    pub const ALL: [Check; 6] = [
        Check::Citizen,
        Check::Face,
        Check::NotRegistered,
        Check::Card,
        Check::Policy,
        Check::Enrolment,
    ];

    /// The checks of a recovery, in the order the VU runs them.
    pub const RECOVERY: [Check; 4] = [
        Check::Citizen,
        Check::Face,
        Check::Registration,
        Check::Card,
    ];

    /// What the check does, for a progress list.
    pub fn label(self) -> &'static str {
        match self {
            Check::Citizen => "National ID found at the EC registry",
            Check::NotRegistered => "National ID not registered before",
            Check::Registration => "A registration under the national ID, to recover",
            Check::Face => "Photo matches the national ID photo",
            Check::Card => "Insurance card valid at the insurer",
            Check::Policy => "Policy document matches the insurer's copy and the chain",
            Check::Enrolment => "Insurer signed the enrolment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: Check,
    pub detail: String,
}

/// Registration, second step: her data encrypted to her own key, and her enrolment signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The ticket exactly as the VU issued it: read strictly here, unlike in [`Verified`].
    #[serde(deserialize_with = "strict::ticket")]
    pub ticket: VerificationTicket,
    /// Enc(U_D): a caretrail envelope whose only reader is her key.
    #[serde(with = "crate::base64_bytes")]
    pub encrypted_data: Vec<u8>,
    pub patient_signature: Signature,
}

/// A finished registration: what the patient keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationReceipt {
    pub patient: Address,
    /// H.
    pub record: Hash32,
    pub tx_id: TxId,
    pub gas_used: u64,
    pub face: FaceAttestation,
}

/// A fresh login challenge: used once, valid until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginChallenge {
    pub challenge: Hash32,
    pub expires_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// H.
    pub record: Hash32,
    pub challenge: Hash32,
    /// The origin of the relay she logs in at, as her device reached it (`scheme://host[:port]`).
    pub relay: String,
    /// Her device key's EIP-712 `Login` signature over the three, in the domain of the chain and
    /// the patient registry (`caretrail_crypto::identity::sign_login`).
    pub signature: Signature,
}

/// A login the relay accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSession {
    pub patient: Address,
    pub record: Hash32,
    /// Bearer token for her later requests.
    pub token: String,
    pub expires_at: u64,
}

/// What the screens are told of a login: who, and until when. The bearer token stays with the
/// client that asked for it (in the desktop app it never crosses the IPC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub patient: Address,
    pub record: Hash32,
    pub expires_at: u64,
}

impl From<&LoginSession> for SignedIn {
    fn from(session: &LoginSession) -> Self {
        Self {
            patient: session.patient,
            record: session.record,
            expires_at: session.expires_at,
        }
    }
}

/// The VU asks the insurer to sign an enrolment of the card's holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentRequest {
    /// Her device key's address.
    pub patient: Address,
    /// Her national ID, which the insurer checks against the card's holder.
    pub nid: Nid,
    /// Unix seconds after which the enrolment enrols nobody.
    pub deadline: u64,
}

/// The insurer's signed enrolment (its half; the patient signs the same enrolment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentOffer {
    pub enrolment: Enrolment,
    pub insurer_signature: Signature,
}

/// What the registration screen sends to the app (documents base64-encoded in JSON).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationInput {
    pub nid: String,
    pub card_number: String,
    #[serde(with = "crate::base64_bytes")]
    pub policy_document: Vec<u8>,
    #[serde(with = "crate::base64_bytes")]
    pub photo: Vec<u8>,
    /// PW_D, as she typed it (it protects her key on this device only).
    pub password: String,
}

/// What the registration screen shows at the end.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationOutcome {
    pub receipt: RegistrationReceipt,
    /// Her name as the EC registry holds it.
    pub name: String,
    /// The recovery phrase of a key made by this registration: shown once, kept nowhere.
    pub phrase: Option<String>,
}

/// A registration refused: the error, and the phrase of a new key that was kept on this device
/// before the refusal (so it is still shown once).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationError {
    #[serde(flatten)]
    pub error: crate::UiError,
    pub phrase: Option<String>,
}

/// What the login screen sends.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginInput {
    /// Her ID: the national ID she registered with.
    pub id: String,
    pub password: String,
    /// H, as registration gave it.
    pub record: String,
}

/// A photo taken with the device's camera, as a JPEG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedPhoto {
    #[serde(with = "crate::base64_bytes")]
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// How far a registration got, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Progress {
    /// Her policy document's canonical hash.
    PolicyHashed { media_type: String, hash: Hash32 },
    /// Her key is ready (`created`: made now, rather than kept from an earlier attempt).
    KeyReady { address: Address, created: bool },
    /// The relay's verification unit is checking.
    Verifying,
    /// Every check passed.
    Verified { checks: Vec<CheckResult> },
    /// Enc(U_D) made and the enrolment signed; the relay is writing to the chain.
    Submitting,
}

/// What a wallet keeps about her registration (no secret: the key is kept apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub nid: Nid,
    pub card_number: CardNumber,
    pub patient: Address,
    /// H.
    pub record: Hash32,
    pub tx_id: TxId,
}

/// The app's first look at a photo before it is sent (the relay checks it again, in full): there
/// is one, it is not larger than [`MAX_PHOTO_BYTES`], and it starts like a JPEG or a PNG.
pub fn check_photo(photo: &[u8]) -> Result<(), crate::UiError> {
    use crate::{ErrorCode, UiError};
    if photo.is_empty() {
        return Err(UiError::new(
            ErrorCode::PhotoRefused,
            "no photo was taken or chosen",
        ));
    }
    if photo.len() > MAX_PHOTO_BYTES {
        return Err(UiError::new(
            ErrorCode::PhotoRefused,
            format!(
                "the photo is {} bytes; the most allowed is {MAX_PHOTO_BYTES} (8 MiB)",
                photo.len()
            ),
        ));
    }
    let jpeg = photo.starts_with(&[0xFF, 0xD8, 0xFF]);
    let png = photo.starts_with(b"\x89PNG\r\n\x1a\n");
    if !(jpeg || png) {
        return Err(UiError::new(
            ErrorCode::PhotoRefused,
            "the photo is not a JPEG or PNG image",
        ));
    }
    Ok(())
}

/// The app's first look at the policy document she attached: not empty, not over the limit.
pub fn check_policy_document(document: &[u8]) -> Result<(), crate::UiError> {
    let max = crate::MAX_POLICY_DOCUMENT_BYTES;
    if document.is_empty() || document.len() > max {
        return Err(crate::UiError::new(
            crate::ErrorCode::InvalidInput,
            format!(
                "the policy document is {} bytes; it must be 1 to {max}",
                document.len()
            ),
        ));
    }
    Ok(())
}

// Passwords and recovery phrases never reach a log through `Debug`.
impl std::fmt::Debug for RegistrationInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationInput")
            .field("nid", &self.nid)
            .field("card_number", &self.card_number)
            .field(
                "policy_document",
                &format_args!("{} bytes", self.policy_document.len()),
            )
            .field("photo", &format_args!("{} bytes", self.photo.len()))
            .field("password", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput")
            .field("id", &self.id)
            .field("password", &"<redacted>")
            .field("record", &self.record)
            .finish()
    }
}

fn phrase_shown(phrase: &Option<String>) -> &'static str {
    if phrase.is_some() {
        "<redacted>"
    } else {
        "none"
    }
}

impl std::fmt::Debug for RegistrationOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationOutcome")
            .field("receipt", &self.receipt)
            .field("name", &self.name)
            .field("phrase", &phrase_shown(&self.phrase))
            .finish()
    }
}

impl std::fmt::Debug for RegistrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationError")
            .field("error", &self.error)
            .field("phrase", &phrase_shown(&self.phrase))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn a_face_distance_reads_as_a_decimal_rounded_half_up() {
        assert_eq!(millionths_text(412_345, 3), "0.412");
        assert_eq!(millionths_text(412_500, 3), "0.413");
        assert_eq!(millionths_text(599_999, 2), "0.60");
        assert_eq!(millionths_text(1_000_000, 3), "1.000");
        assert_eq!(millionths_text(0, 2), "0.00");
        assert_eq!(millionths_text(u32::MAX, 6), "4294.967295");
    }

    #[test]
    fn photos_and_documents_are_checked_before_they_are_sent() {
        assert_eq!(check_photo(b"").unwrap_err().code, ErrorCode::PhotoRefused);
        assert_eq!(
            check_photo(b"%PDF-1.4").unwrap_err().code,
            ErrorCode::PhotoRefused
        );
        let big = [&[0xFF, 0xD8, 0xFF][..], &vec![0; MAX_PHOTO_BYTES]].concat();
        assert_eq!(check_photo(&big).unwrap_err().code, ErrorCode::PhotoRefused);
        assert!(check_photo(&[0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
        assert!(check_photo(b"\x89PNG\r\n\x1a\n....").is_ok());
        assert_eq!(
            check_policy_document(b"").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        let huge = vec![b'{'; crate::MAX_POLICY_DOCUMENT_BYTES + 1];
        assert_eq!(
            check_policy_document(&huge).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert!(check_policy_document(b"{}").is_ok());
    }
}
