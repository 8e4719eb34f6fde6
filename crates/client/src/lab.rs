//! The lab, steps 9–14. The patient's app shares her test list with a lab's organization (for a
//! lab in another organization it first adds that organization as a reader of T_D and grants it
//! on chain, and the code carries her visit token for it). The lab's workstation, holding its
//! staff key and its organization's key, reads the code, opens the visit the code carries (if
//! any), fetches and decrypts T_D with the organization's key, checks it is the shared list a
//! doctor wrote, and assigns its staff member to the visit; then it uploads the report U_R and
//! its files, each encrypted for the patient, its organization and the ordering one, and its
//! organization anchors them in one batch. The decisions are `caretrail_protocol::visit::lab`'s.

use crate::records::Progress;
use crate::{Client, ClientError, Share, unix_now};
use caretrail_chain::{PrivateKeySigner, open_visit, participant, rpc_url, secret_key};
use caretrail_crypto::SecretKey;
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::qr::SharedTestList;
use caretrail_protocol::records::reader_key;
use caretrail_protocol::visit::lab::{self, Attached, LabOrder};
use caretrail_protocol::visit::orders;
use caretrail_types::{
    Address, ErrorCode, Hash32, NetworkInfo, SignedStaffCertificate, StaffRole, StoredRecord,
    UiError, Visit, VisitAuthority,
};
use rand_core::OsRng;
use std::path::{Path, PathBuf};

fn domain(network: &NetworkInfo) -> RegistryDomain {
    RegistryDomain {
        chain_id: network.chain_id,
        records: network.record_registry,
    }
}

/// A file the lab attaches to its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabFile {
    pub path: PathBuf,
    pub content_type: String,
}

/// What the lab reports: its conclusion and the files it attaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabReport {
    pub conclusion: String,
    pub files: Vec<LabFile>,
}

impl Client {
    /// Her test-list code for the lab of organization `lab`, sharing her T_D record `test_list`
    /// (hers at the relay, written by a doctor, checked): for a lab of another organization than the
    /// doctor's, that organization becomes a reader of T_D and is granted it on chain until the
    /// code expires.
    pub async fn share_test_list(
        &self,
        key: &SecretKey,
        test_list: Hash32,
        lab: Address,
    ) -> Result<(SharedTestList, String), ClientError> {
        let listed = self.listed_alone(key, test_list).await?;
        let ordered_by = lab::ordered_by(&listed, test_list).map_err(ClientError::Refused)?;
        let network = self.network().await?;
        let now = unix_now();
        if lab != ordered_by {
            self.grant_records(key, lab, &Share::Record(test_list), now + lab::SHARE_SECS)
                .await?;
        }
        Ok(lab::code(
            key,
            domain(&network),
            lab,
            ordered_by,
            test_list,
            now,
            &mut OsRng,
        ))
    }

    /// The lab's workstation takes in a scanned test-list code: checked offline for its
    /// organization, T_D fetched with the organization's key (through `scratch`), checked and
    /// decrypted, then the visit the code carries opened and the lab's `staff` key assigned to
    /// the visit under `certificate`. A refusal leaves no visit opened.
    pub async fn lab_fetch(
        &self,
        staff: &SecretKey,
        certificate: &SignedStaffCertificate,
        organization: PrivateKeySigner,
        text: &str,
        scratch: &Path,
    ) -> Result<LabOrder, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let here = secret_key(&organization);
        let code = lab::read(text, domain(&network), here.address(), unix_now())
            .map_err(ClientError::Refused)?;
        let (plaintext, stored) = self
            .read_plain_with_row(
                &here,
                code.share.patient,
                code.share.record_id,
                None,
                scratch,
            )
            .await?;
        let writer = self.writer(&network, &stored).await?;
        let (ordered_by, ordered_at) =
            lab::check_order(&code, &stored, &writer).map_err(ClientError::Refused)?;
        let tests = orders::tests_of(&plaintext).map_err(ClientError::Refused)?;
        // The relay must take the lab's certificate before a visit is opened for it.
        self.staff_check(staff, certificate, StaffRole::Lab).await?;
        // Only now, with the list read and checked, is the visit the code carries opened.
        let opened = match (code.visit_token(), code.visit) {
            (Some(token), Some(visit)) => {
                open_visit(
                    &rpc,
                    organization,
                    network.record_registry,
                    &token,
                    &visit.signature,
                )
                .await?;
                Some(Visit {
                    patient: token.patient,
                    organization: token.organization,
                    visit_id: token.visit_id,
                    expires_at: token.expires_at,
                })
            }
            _ => None,
        };
        // The lab works under the visit the code opened, or, in the ordering organization, the
        // visit the tests were ordered at.
        let visit = match opened {
            Some(visit) => visit,
            None => self
                .visit(here.address(), ordered_at)
                .await?
                .ok_or_else(|| {
                    ClientError::Refused(UiError::new(
                        ErrorCode::UnknownVisit,
                        format!("{} opened no visit {ordered_at}", here.address()),
                    ))
                })?,
        };
        let queued = self
            .assign_visit(&here, &visit, staff.address(), StaffRole::Lab)
            .await?;
        Ok(LabOrder {
            authority: VisitAuthority {
                certificate: *certificate,
                assignment: queued.assignment,
            },
            test_list: code.share.record_id,
            tests,
            ordered_by,
            ordered_at,
        })
    }

    /// The lab reports on `order`: each file streamed, encrypted for the patient, the lab's
    /// organization and the ordering one, as a `Document` record, then the `DiagnosticReport`
    /// presenting them, then all anchored by the lab's organization in one batch.
    pub async fn lab_report(
        &self,
        staff: &SecretKey,
        organization: PrivateKeySigner,
        order: &LabOrder,
        report: &LabReport,
        scratch: &Path,
        progress: Progress,
    ) -> Result<Vec<StoredRecord>, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let assignment = &order.authority.assignment.assignment;
        let mut readers = self.visit_readers(&order.authority).await?;
        if order.ordered_by != assignment.organization {
            let found = participant(&rpc, network.participant_registry, order.ordered_by).await?;
            readers
                .push(reader_key(order.ordered_by, found.as_ref()).map_err(ClientError::Refused)?);
        }
        // The report is checked before any file goes up.
        let (conclusion, files) = (report.conclusion.as_str(), &report.files);
        lab::report(assignment, order.ordered_at, conclusion, &[], unix_now())
            .map_err(ClientError::Refused)?;
        let mut stored = Vec::with_capacity(files.len() + 1);
        let mut attached = Vec::with_capacity(files.len());
        for file in files {
            let size = std::fs::metadata(&file.path)
                .map_err(|e| {
                    ClientError::Refused(UiError::new(
                        ErrorCode::InvalidInput,
                        format!("{} cannot be read: {e}", file.path.display()),
                    ))
                })?
                .len();
            let record = self
                .upload_file(
                    staff,
                    &network,
                    assignment.patient,
                    caretrail_types::DOCUMENT_KIND,
                    &file.path,
                    readers.clone(),
                    scratch,
                    Some(&order.authority),
                    progress.clone(),
                )
                .await?;
            attached.push(Attached {
                record: record.id,
                content_type: file.content_type.clone(),
                size,
                title: file
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            });
            stored.push(record);
        }
        let json = lab::report(
            assignment,
            order.ordered_at,
            conclusion,
            &attached,
            unix_now(),
        )
        .map_err(ClientError::Refused)?;
        stored.push(
            self.put_visit_record(staff, &order.authority, &readers, "DiagnosticReport", &json)
                .await?,
        );
        progress(crate::Transfer::Anchoring);
        self.anchor_visit_records(organization, stored).await
    }
}
