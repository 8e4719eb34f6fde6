//! The patient's password PW_D, which encrypts her key at rest.

use std::fmt;

use zeroize::Zeroizing;

/// Why a text is not a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is empty")]
    Empty,
}

/// A non-empty password. It is wiped from memory when dropped, prints as `<redacted>`, and has no
/// `Serialize`.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
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
        assert_eq!(Password::new("").unwrap_err(), PasswordError::Empty);
        assert!(
            Password::new(" ").is_ok(),
            "a space is a character like any other"
        );
    }

    #[test]
    fn a_password_never_prints_its_value() {
        let password = Password::new("hunter2-correct-horse").unwrap();
        for text in [format!("{password:?}"), format!("{password:#?}")] {
            assert!(text.contains("<redacted>"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
