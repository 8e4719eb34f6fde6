//! What the roles' commands do with the app's state, so that each command stays one line: the
//! patient's check-in code, and the workstations' keys (the organization's at reception, her own
//! for a staff member), opened here and kept in the state's key slot, never sent to the UI.

use crate::AppState;
use crate::device::{Colleague, Role};
use caretrail_chain::PrivateKeySigner;
use caretrail_keystore::ExistingPassword;
use caretrail_types::{Address, CheckinCode, ErrorCode, QueuedVisit, StaffMember, UiError};

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

impl AppState {
    /// Her check-in code for `organization`, with her session's key and her registration's H.
    pub async fn checkin_code(&self, organization: Address) -> Result<CheckinCode, UiError> {
        let key = self.key()?;
        let profile = self.wallet().profile()?.ok_or_else(|| {
            refused(
                ErrorCode::NoKey,
                "this device holds no registration to check in with",
            )
        })?;
        let (code, text) = self
            .client()?
            .checkin_code(&key, profile.record, organization)
            .await?;
        Ok(CheckinCode {
            organization,
            visit_id: code.token.visit_id,
            not_after: code.token.not_after,
            text,
        })
    }

    /// Opens the key this workstation keeps (reception: the organization's) with `password`,
    /// and keeps it for the session; answers its address.
    pub fn unlock(&self, password: String) -> Result<Address, UiError> {
        let password = ExistingPassword::new(password)
            .map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))?;
        let key = self.wallet().unlock(&password)?;
        let address = key.address();
        self.keep_key(key);
        Ok(address)
    }

    /// The organization's key as the chain's signer (reception opens visits with it).
    pub fn signer(&self) -> Result<PrivateKeySigner, UiError> {
        let key = self.key()?;
        PrivateKeySigner::from_bytes(&(*key.to_bytes()).into())
            .map_err(|e| refused(ErrorCode::Internal, e.to_string()))
    }

    /// A member of reception's staff directory.
    pub fn colleague(&self, address: Address) -> Result<&Colleague, UiError> {
        self.device()
            .staff
            .iter()
            .find(|c| c.address == address)
            .ok_or_else(|| {
                refused(
                    ErrorCode::InvalidInput,
                    format!("{address} is not in this workstation's staff directory"),
                )
            })
    }

    /// Her certificate and the role it is for (doctor, lab, billing).
    fn certificate(
        &self,
    ) -> Result<
        (
            caretrail_types::SignedStaffCertificate,
            caretrail_types::StaffRole,
        ),
        UiError,
    > {
        let device = self.device();
        match (&device.certificate, device.role.staff()) {
            (Some(certificate), Some(role)) if device.role != Role::Reception => {
                Ok((*certificate, role))
            }
            _ => Err(refused(
                ErrorCode::InvalidInput,
                "this device is not a staff member's: its profile holds no certificate",
            )),
        }
    }

    /// Opens her staff key and shows the relay her certificate: who she is for it. A key the
    /// relay refuses is not kept.
    pub async fn unlock_staff(&self, password: String) -> Result<StaffMember, UiError> {
        let (certificate, role) = self.certificate()?;
        self.unlock(password)?;
        let checked = self
            .client()?
            .staff_check(&self.key()?, &certificate, role)
            .await;
        if checked.is_err() {
            self.forget_key();
        }
        Ok(checked?)
    }

    /// Follows her queue at the relay, handing each assigned visit to `on_visit` as it comes,
    /// until the queue ends or `on_visit` says it could not be handed on (the window is gone).
    pub async fn follow_queue(
        &self,
        on_visit: impl Fn(QueuedVisit) -> bool,
    ) -> Result<(), UiError> {
        use futures_util::StreamExt as _;
        let (certificate, role) = self.certificate()?;
        let queue = self
            .client()?
            .staff_queue(&self.key()?, &certificate, role)
            .await?;
        let mut queue = std::pin::pin!(queue);
        while let Some(visit) = queue.next().await {
            if !on_visit(visit?) {
                break;
            }
        }
        Ok(())
    }
}
