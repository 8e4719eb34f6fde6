//! Wire types shared by the UI, the desktop app, the client and the relay.
//!
//! Nothing here does IO or reads a clock: these are the shapes that cross process boundaries
//! (Tauri IPC, the relay's HTTP API) and the parsing of what a user types.

mod base64_bytes;
mod bytes;
mod claim;
mod device;
mod error;
mod identity;
mod network;
mod outside;
mod participant;
mod patient;
mod policy;
mod record;
mod recovery;
mod request;
mod scan;
mod staff;
mod time_text;
mod verification;
mod visit;

pub use bytes::{Address, Hash32, InvalidTxId, ParseHexError, Signature, TxId};
pub use claim::{AnswerOf, CLAIM_HEADER, ClaimNotice, FiledClaim};
pub use device::{CheckinCode, Colleague, DeviceProfile, DeviceRole, LabUpload, TestCode};
pub use error::{ErrorCode, UiError};
pub use identity::{
    CardNumber, Citizen, Coverage, CoverageStatus, IdentifierError, Licence, LicenceKind,
    LicenceNumber, LicenceStatus, Nid, PostalAddress,
};
pub use network::NetworkInfo;
pub use outside::{
    CardEnrolment, CardLookup, CitizenLookup, LicenceLookup, SERVICE_DEADLINE_HEADER,
    SERVICE_REQUEST_MAX_AHEAD_SECS, SERVICE_REQUEST_TTL_SECS, SERVICE_SIGNATURE_HEADER,
};
pub use participant::{
    Admission, Participant, ParticipantEvent, ParticipantKind, ParticipantStatus, Registries,
};
pub use patient::{Enrolment, KeyRotation, Registered, Registration, RegistrationRecord};
pub use policy::{
    MAX_POLICY_DOCUMENT_BYTES, POLICY_EFFECTIVE_SKEW_SECS, PolicyCheck, PolicyPublication,
    PolicyVersion, PolicyView, PublishReceipt, PublishRequest,
};
pub use record::{
    AnchoredRecord, AuditAnchor, AuditEntry, AuditRoot, AuditedRead, BatchProof, ChainAnchor,
    ChainBatch, ChainClaim, ConsentEvent, ConsentGrant, ConsentGrantRequest, ConsentRevocation,
    ConsentRevocationRequest, ConsentScope, OwnAnchor, OwnAnchorRequest, ReadGround, RecordAnchor,
    Relayed, StoredRecord, Visit, VisitBatch, VisitToken,
};
pub use recovery::{
    CancellationRequest, ExecutionRequest, PendingRecovery, PendingRecoveryState,
    RECOVERY_TIMELOCK_SECS, RecoverRequest, Recovery, RecoveryCancellation, RecoveryNotice,
    RecoveryProposal, RecoveryStatus, RecoveryTicket, RecoveryTicketBody, RecoveryVerified,
    SignedRecovery,
};
pub use request::{
    DOCUMENT_KIND, KIND_HEADER, RECORD_HEADER, REQUEST_HEADER, RelayAction, RelayRequest,
    SignedRelayRequest,
};
pub use scan::{QrKind, ScannedCode};
pub use staff::{
    QueuedVisit, STAFF_HEADER, SignedStaffCertificate, SignedStaffRevocation,
    SignedVisitAssignment, StaffCertificate, StaffCheckRequest, StaffMember, StaffRevocation,
    StaffRole, Submission, VisitAssignment, VisitAuthority, WrittenBy,
};
pub use time_text::format_unix_utc;
pub use verification::{
    CapturedPhoto, Check, CheckResult, EnrolmentOffer, EnrolmentRequest, FaceAttestation,
    LoginChallenge, LoginInput, LoginRequest, LoginSession, MAX_PHOTO_BYTES, Profile, Progress,
    RegisterRequest, RegistrationError, RegistrationInput, RegistrationOutcome,
    RegistrationReceipt, SignedIn, TicketBody, VerificationTicket, Verified, VerifyRequest,
    check_photo, check_policy_document, millionths_text,
};
pub use visit::{KioskCode, TestListShare};
