//! The error shape the UI receives: a stable code to branch on and a message to show.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, as the UI and scripts branch on it. Never match on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is not well formed (e.g. a transaction id that is not 32 bytes of hex).
    InvalidInput,
    /// The chain has no transaction with that id.
    TxNotFound,
    /// The transaction exists but is not a policy publication of this network's registry.
    NotAPolicyPublication,
    /// The chain's JSON-RPC endpoint could not be reached.
    ChainUnreachable,
    /// The chain answered with something that could not be understood.
    ChainError,
    /// The relay could not be reached.
    RelayUnreachable,
    /// The relay refused the request or failed.
    RelayError,
    /// The document does not match the hash it is published or compared with.
    HashMismatch,
    /// The signer is not a participant admitted to do this.
    NotAdmitted,
    /// A contract refused the request: it conflicts with what is on chain (a version already
    /// published, a patient already registered, an expired signature...).
    ChainRefused,
    /// The EC registry knows no citizen with that national ID.
    UnknownCitizen,
    /// A patient is already registered with that national ID (or that key).
    AlreadyRegistered,
    /// Recovery: no patient is registered with that national ID; register instead.
    NotRegistered,
    /// Recovery: a recovery of that registration is already waiting for its timelock.
    RecoveryPending,
    /// Recovery: no recovery of that registration is pending (none was, or it was cancelled or
    /// executed), or it waits for its timelock still.
    NoRecoveryPending,
    /// A code or token is for another organization than this one.
    WrongOrganization,
    /// The organization opened no such visit for that patient on chain.
    UnknownVisit,
    /// The visit has ended (or was closed).
    VisitClosed,
    /// A staff certificate is for another role than the one asked.
    WrongRole,
    /// The staff member is not assigned to that visit (no `VisitAssignment` of hers for it, or it
    /// has ended).
    NotAssigned,
    /// A staff certificate's validity has ended: the organization issues a new one.
    CertificateExpired,
    /// The organization revoked the staff key.
    CertificateRevoked,
    /// The photo cannot be used: not an image, too large, no face, or more than one face.
    PhotoRefused,
    /// The face in the photo is not the face in the national ID photo.
    FaceMismatch,
    /// The insurer does not answer for that card: unknown, expired, cancelled, or not hers.
    CardRefused,
    /// The policy document differs from the insurer's copy or from the chain. When the insurer's
    /// copy differs from what it published, the relay keeps the evidence.
    PolicyMismatch,
    /// An outside service (the EC registry, the insurer, the government registry) is down.
    ServiceUnavailable,
    /// The verification ticket expired or is not this relay's: verify again.
    TicketRefused,
    /// The password does not open the key on this device.
    WrongPassword,
    /// The password may not keep a key: too short, or too easy to guess.
    WeakPassword,
    /// No key is kept on this device for that ID.
    NoKey,
    /// The chain knows no registration with that H.
    UnknownRecord,
    /// H belongs to a registration held by another key.
    ForeignKey,
    /// The login challenge is unknown, used already, or expired.
    ChallengeRefused,
    /// Too many failed attempts: try again later.
    LockedOut,
    /// No camera can be used on this device: choose an image file instead.
    NoCamera,
    /// The government registry does not list the licence as active.
    LicenceRefused,
    /// The relay's record store (its disk or its S3 bucket) cannot be reached: nothing was
    /// stored or read; try again later.
    StorageUnavailable,
    /// A signed request names another chain or record registry than this relay's.
    WrongChain,
    /// A login was signed for another relay than the one it reached.
    WrongRelay,
    /// The relay announces another chain or other registries than the ones this device pinned:
    /// nothing was sent to it.
    WrongNetwork,
    /// A signed request's deadline has passed (or lies too far ahead): sign it again.
    SignatureExpired,
    /// A signed request was already used once.
    Replayed,
    /// A signed request's signature is not its signer's.
    BadSignature,
    /// The caller is not one this service serves: no credentials, or not the ones it accepts.
    Unauthorized,
    /// The signer may not read this record: not the patient, no consent, no open visit.
    NotAReader,
    /// The patient's consent for this reader has expired.
    ConsentExpired,
    /// The patient revoked this reader's consent.
    ConsentRevoked,
    /// The relay holds no record with that id.
    RecordNotFound,
    /// A record with that id is already stored: it is never overwritten.
    RecordExists,
    /// What was uploaded is not what was signed (its hash), or was cut short.
    ContentMismatch,
    /// The record is larger than the relay accepts for its kind.
    TooLarge,
    /// Too many requests from this client address (wait as long as `Retry-After` says), or
    /// about this identity (a NID looked up too often, face matches under way): try again later.
    RateLimited,
    /// The relay is handling as many requests as it may at once: try again shortly.
    Overloaded,
    /// The relay gave up on the request after its time limit.
    TimedOut,
    /// The request names a host this relay does not answer for (a page on another site reaching
    /// it through DNS rebinding, or a wrong address).
    WrongHost,
    /// Scanning: no QR code was found (or read in time) in the picture.
    NoQrCode,
    /// Scanning: a QR code was seen but could not be read (damaged, cut off, out of focus).
    UnreadableCode,
    /// Scanning: the picture holds more than one QR code: show one at a time.
    SeveralCodes,
    /// Scanning: the code read is not a Caretrail code.
    NotCaretrail,
    /// Scanning: a Caretrail code whose payload is damaged or cut short.
    DamagedCode,
    /// Scanning: a Caretrail code of a newer payload version or kind than this build reads.
    NewerCode,
    /// Scanning: the code's signed parts expired: ask for a fresh code.
    CodeExpired,
    /// Scanning: the picture cannot be read at all (a corrupt image file, a frame of the wrong
    /// size).
    BadPicture,
    /// Scanning: the camera stopped giving pictures in the middle of a scan (unplugged, taken
    /// by another program).
    CameraLost,
    /// Something unexpected inside the app.
    Internal,
}

/// An error as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
}

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UiError {}
