//! The wallet's password rules, the same on every device: a new password must pass the password
//! policy ([`caretrail_crypto::password`]), and wrong passwords make the wallet pause, whatever
//! keeps the count (a file beside the desktop wallet, the browser's storage for the web page).

use caretrail_types::{ErrorCode, UiError};
use serde::{Deserialize, Serialize};

/// Wrong passwords in a row before the wallet waits.
pub const MAX_WRONG_PASSWORDS: u32 = 5;
/// How long it waits then.
pub const WRONG_PASSWORD_PAUSE_SECS: u64 = 5 * 60;

/// The wrong passwords typed in a row on this device, and when the last one was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrongPasswords {
    pub count: u32,
    /// Unix seconds.
    pub last: u64,
}

impl WrongPasswords {
    /// May she try a password at `now`? After [`MAX_WRONG_PASSWORDS`] in a row, not for
    /// [`WRONG_PASSWORD_PAUSE_SECS`] after the last one.
    pub fn may_try(&self, now: u64) -> Result<(), UiError> {
        if self.count < MAX_WRONG_PASSWORDS {
            return Ok(());
        }
        let until = self.last.saturating_add(WRONG_PASSWORD_PAUSE_SECS);
        if now < until {
            return Err(UiError::new(
                ErrorCode::LockedOut,
                format!(
                    "{MAX_WRONG_PASSWORDS} wrong passwords in a row: try again in {} minute(s)",
                    (until - now).div_ceil(60)
                ),
            ));
        }
        Ok(())
    }

    /// Counts one more wrong password at `now`, and the refusal to show for it.
    pub fn wrong(&mut self, now: u64) -> UiError {
        self.count = self.count.saturating_add(1);
        self.last = now;
        UiError::new(
            ErrorCode::WrongPassword,
            format!(
                "wrong password ({} of {MAX_WRONG_PASSWORDS} tries before a {}-minute wait)",
                self.count.min(MAX_WRONG_PASSWORDS),
                WRONG_PASSWORD_PAUSE_SECS / 60
            ),
        )
    }
}

/// A password she may keep a new key under: the password policy's refusal as the screen shows it.
pub fn check_new(password: &str) -> Result<(), UiError> {
    caretrail_crypto::password::check(password)
        .map_err(|weak| UiError::new(ErrorCode::WeakPassword, weak.to_string()))
}

/// A password typed to open a key already kept: not empty (keys kept before the policy, or by
/// other wallets, must still open).
pub fn check_entered(password: &str) -> Result<(), UiError> {
    if password.is_empty() {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            "the password is empty",
        ));
    }
    Ok(())
}
