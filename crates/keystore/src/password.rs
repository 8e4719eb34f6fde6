//! The patient's password PW_D, which encrypts her key at rest.
//!
//! A key is only ever sealed under a [`Password`], which the password policy of both wallets
//! ([`caretrail_crypto::password`]: at least 12 characters and a strength estimate) accepted. An
//! [`ExistingPassword`] only opens a key already kept (or a backup), whatever its strength: keys
//! made before the policy, or by other wallets, must still open.

use std::fmt;

use caretrail_crypto::password::{self, WeakPassword};
use zeroize::Zeroizing;

/// Why a text is not a password.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is empty")]
    Empty,
    #[error(transparent)]
    Weak(#[from] WeakPassword),
}

/// A password to open a kept key or a backup: any non-empty text. It is wiped from memory when
/// dropped, prints as `<redacted>`, and has no `Serialize`.
#[derive(Clone)]
pub struct ExistingPassword(Zeroizing<String>);

impl ExistingPassword {
    /// Takes the text as typed; nothing is trimmed, because a space may be part of it.
    pub fn new(text: impl Into<String>) -> Result<Self, PasswordError> {
        let text = Zeroizing::new(text.into());
        if text.is_empty() {
            return Err(PasswordError::Empty);
        }
        Ok(Self(text))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A password a key may be sealed under: the policy accepted it. It also opens what it seals
/// ([`Password::as_existing`]).
#[derive(Clone)]
pub struct Password(ExistingPassword);

impl Password {
    /// Takes the text as typed and checks it against the password policy.
    pub fn new(text: impl Into<String>) -> Result<Self, PasswordError> {
        let existing = ExistingPassword::new(text)?;
        password::check(&existing.0)?;
        Ok(Self(existing))
    }

    /// The same password, to open a key.
    pub fn as_existing(&self) -> &ExistingPassword {
        &self.0
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0.0
    }
}

impl fmt::Debug for ExistingPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExistingPassword(<redacted>)")
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_password_is_refused() {
        assert_eq!(ExistingPassword::new("").unwrap_err(), PasswordError::Empty);
        assert_eq!(Password::new("").unwrap_err(), PasswordError::Empty);
        assert!(
            ExistingPassword::new(" ").is_ok(),
            "a space is a character like any other"
        );
    }

    #[test]
    fn a_password_to_keep_a_key_under_must_pass_the_policy() {
        assert!(matches!(
            Password::new("hunter2"),
            Err(PasswordError::Weak(WeakPassword::TooShort { found: 7, .. }))
        ));
        assert!(matches!(
            Password::new("password123456"),
            Err(PasswordError::Weak(WeakPassword::TooGuessable { .. }))
        ));
        assert!(Password::new("correct horse battery staple").is_ok());
        // A weak password still opens what it already keeps.
        assert!(ExistingPassword::new("hunter2").is_ok());
    }

    #[test]
    fn a_password_never_prints_its_value() {
        let password = Password::new("hunter2-correct-horse").unwrap();
        let existing = ExistingPassword::new("hunter2-correct-horse").unwrap();
        for text in [
            format!("{password:?}"),
            format!("{password:#?}"),
            format!("{existing:?}"),
        ] {
            assert!(text.contains("<redacted>"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
