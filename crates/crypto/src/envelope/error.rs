//! One error enum per envelope operation, each saying what a caller can do about it.

use std::io;

/// Why bytes are not a v1 envelope header this code can read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("not a Caretrail envelope (the magic bytes are missing)")]
    NotAnEnvelope,
    #[error("envelope version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u8),
    #[error("the envelope header is malformed: {0}")]
    Malformed(&'static str),
    #[error("the envelope ends inside its header")]
    Truncated,
    #[error("cannot read the envelope: {0}")]
    Io(#[source] io::Error),
}

/// Why a record could not be encrypted.
#[derive(Debug, thiserror::Error)]
pub enum EncryptError {
    #[error("an envelope needs at least one recipient")]
    NoRecipients,
    #[error("an envelope holds at most {max} recipients")]
    TooManyRecipients { max: usize },
    #[error("recipient {0} is listed twice")]
    DuplicateRecipient(caretrail_types::Address),
    #[error("cannot write the envelope: {0}")]
    Io(#[source] io::Error),
}

/// Why an envelope could not be decrypted.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    #[error(transparent)]
    Header(#[from] HeaderError),
    #[error("this key is not one of the envelope's recipients")]
    NotARecipient,
    #[error("the envelope header was altered (its key or authentication does not check)")]
    HeaderTampered,
    #[error("the envelope body was altered or cut short at chunk {chunk}")]
    BodyTampered { chunk: u64 },
    #[error("the envelope body ends before its last chunk")]
    Truncated,
    #[error("cannot read or write the record: {0}")]
    Io(#[source] io::Error),
}

/// Why a reader could not be added to an envelope.
#[derive(Debug, thiserror::Error)]
pub enum AddRecipientError {
    #[error(transparent)]
    Header(#[from] HeaderError),
    #[error("only a recipient can add another: this key is not one of the envelope's recipients")]
    NotARecipient,
    #[error("the envelope header was altered (its key or authentication does not check)")]
    HeaderTampered,
    #[error("{0} can already read this envelope")]
    AlreadyARecipient(caretrail_types::Address),
    #[error("an envelope holds at most {max} recipients")]
    TooManyRecipients { max: usize },
}

/// Why a reader could not be removed (by rotating the envelope to a new key).
#[derive(Debug, thiserror::Error)]
pub enum RemoveRecipientError {
    #[error("{0} is not a recipient of this envelope")]
    NotARecipient(caretrail_types::Address),
    #[error("a key cannot remove itself: the envelope would be rotated to a key it cannot read")]
    CannotRemoveSelf,
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
}

/// Carries a [`DecryptError`] through `std::io::Read` and recovers it on the other side.
pub(crate) fn into_io(error: DecryptError) -> io::Error {
    match error {
        DecryptError::Io(inner) => inner,
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

pub(crate) fn from_io(error: io::Error) -> DecryptError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<DecryptError>())
    {
        let inner = error.into_inner().expect("checked above");
        return *inner.downcast::<DecryptError>().expect("checked above");
    }
    DecryptError::Io(error)
}
