//! What the roles' commands do with the app's state, so that each command stays one line: the
//! patient's check-in code, and the workstations' keys (the organization's at reception, her own
//! for a staff member), opened here and kept in the state's key slot, never sent to the UI.

use crate::AppState;
use crate::device::{Colleague, Role};
use caretrail_chain::PrivateKeySigner;
use caretrail_client::{LabFile, LabOrder, LabReport};
use caretrail_keystore::ExistingPassword;
use caretrail_protocol::visit::bill::Bill;
use caretrail_protocol::visit::orders::Orders;
use caretrail_types::{
    Address, CheckinCode, ClaimNotice, ErrorCode, Hash32, LabUpload, QueuedVisit, StaffMember,
    StoredRecord, TestCode, UiError,
};

/// How long a staff member's queue is read for her assignment to the visit she writes at (the
/// open ones come first, at once).
const ASSIGNMENT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn refused(code: ErrorCode, message: impl Into<String>) -> UiError {
    UiError::new(code, message)
}

/// `key` as the chain's signer.
fn signer_of(key: &caretrail_client::SecretKey) -> Result<PrivateKeySigner, UiError> {
    PrivateKeySigner::from_bytes(&(*key.to_bytes()).into())
        .map_err(|e| refused(ErrorCode::Internal, e.to_string()))
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
        Ok(caretrail_protocol::checkin::shown(&code, text))
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
        signer_of(&self.key()?)
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

    /// Opens her staff key and the workstation's copy of the organization's key (with its own
    /// password; it must be the organization that certified her), and shows the relay her
    /// certificate: who she is for it. Keys the relay refuses are not kept.
    pub async fn unlock_staff(
        &self,
        password: String,
        organization_password: String,
    ) -> Result<StaffMember, UiError> {
        let (certificate, role) = self.certificate()?;
        let organization_password = ExistingPassword::new(organization_password).map_err(|e| {
            refused(
                ErrorCode::InvalidInput,
                format!("the workstation's password: {e}"),
            )
        })?;
        let organization = self
            .organization_wallet()
            .unlock(&organization_password)
            .map_err(|e| {
                let e = UiError::from(e);
                UiError::new(e.code, format!("the workstation's key: {}", e.message))
            })?;
        if organization.address() != certificate.certificate.organization {
            return Err(refused(
                ErrorCode::WrongOrganization,
                format!(
                    "this workstation holds the key of {}, not of {}, which certified you",
                    organization.address(),
                    certificate.certificate.organization
                ),
            ));
        }
        self.unlock(password)?;
        let checked = self
            .client()?
            .staff_check(&self.key()?, &certificate, role)
            .await;
        if checked.is_err() {
            self.forget_key();
        } else {
            self.keep_organization_key(organization);
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

    /// The workstation's organization key as the chain's signer (it anchors what staff write).
    fn organization_signer(&self) -> Result<PrivateKeySigner, UiError> {
        signer_of(&self.organization_key()?)
    }

    /// The doctor writes `orders` at `visit_id`, under her open assignment to it
    /// (`Client::write_orders`): the records written, anchored in one batch.
    pub async fn write_orders(
        &self,
        visit_id: Hash32,
        orders: &Orders,
    ) -> Result<Vec<StoredRecord>, UiError> {
        let (certificate, role) = self.certificate()?;
        let (key, organization) = (self.key()?, self.organization_signer()?);
        let client = self.client()?;
        let authority = client
            .assignment_to(&key, &certificate, role, visit_id, ASSIGNMENT_WAIT)
            .await?;
        Ok(client
            .write_orders(&key, organization, &authority, orders)
            .await?)
    }

    /// The lab takes in a scanned test-list code (`Client::lab_fetch`); the order is kept for
    /// its report.
    pub async fn lab_fetch(&self, code: &str) -> Result<LabOrder, UiError> {
        let (certificate, _) = self.certificate()?;
        let (key, organization) = (self.key()?, self.organization_signer()?);
        let order = self
            .client()?
            .lab_fetch(&key, &certificate, organization, code, &self.scratch_dir())
            .await?;
        let mut orders = self.lab_orders();
        orders.retain(|o| o.test_list != order.test_list);
        orders.push(order.clone());
        Ok(order)
    }

    /// The lab reports on the test list `test_list` it took in: `conclusion` and the files
    /// staged for it (`Client::lab_report`); the order is done once reported.
    pub async fn lab_report(
        &self,
        test_list: Hash32,
        conclusion: String,
        files: Vec<LabUpload>,
        progress: caretrail_client::TransferProgress,
    ) -> Result<Vec<StoredRecord>, UiError> {
        // The staged files go (as `staged` drops) whatever happens next.
        let staged = files
            .iter()
            .map(|f| self.staging().finish(f.upload))
            .collect::<Result<Vec<_>, _>>()?;
        let order = self
            .lab_orders()
            .iter()
            .find(|o| o.test_list == test_list)
            .cloned()
            .ok_or_else(|| {
                refused(
                    ErrorCode::UnknownRecord,
                    format!(
                        "no test list {test_list} was taken in on this workstation: scan its code"
                    ),
                )
            })?;
        let report = LabReport {
            conclusion,
            files: staged
                .iter()
                .zip(&files)
                .map(|(s, f)| LabFile {
                    path: s.path().to_path_buf(),
                    content_type: f.content_type.clone(),
                })
                .collect(),
        };
        let (key, organization) = (self.key()?, self.organization_signer()?);
        let written = self
            .client()?
            .lab_report(
                &key,
                organization,
                &order,
                &report,
                &self.scratch_dir(),
                progress,
            )
            .await?;
        self.lab_orders().retain(|o| o.test_list != test_list);
        Ok(written)
    }

    /// The billing desk bills the hospital's visit `visit_id` (`Client::bill_visit`).
    /// The visits the workstation's hospital opened that are still open, newest first (once
    /// both of its keys are open).
    pub async fn open_visits(&self) -> Result<Vec<caretrail_types::Visit>, UiError> {
        self.key()?;
        let organization = self.organization_key()?.address();
        Ok(self
            .client()?
            .open_visits(organization, caretrail_client::unix_now())
            .await?)
    }

    pub async fn send_bill(
        &self,
        visit_id: Hash32,
        bill: &Bill,
        insurer: Option<Address>,
    ) -> Result<ClaimNotice, UiError> {
        let (certificate, _) = self.certificate()?;
        let (key, organization) = (self.key()?, self.organization_signer()?);
        let (_, notice) = self
            .client()?
            .bill_visit(
                &key,
                &certificate,
                organization,
                visit_id,
                insurer,
                bill,
                &self.scratch_dir(),
            )
            .await?;
        Ok(notice)
    }

    /// Her test-list code for the lab of organization `lab`, sharing her T_D `record`
    /// (`Client::share_test_list`).
    pub async fn test_code(&self, record: Hash32, lab: Address) -> Result<TestCode, UiError> {
        let (shared, text) = self
            .client()?
            .share_test_list(&self.key()?, record, lab)
            .await?;
        Ok(TestCode {
            lab,
            record,
            expires_at: shared.share.expires_at,
            text,
        })
    }
}
