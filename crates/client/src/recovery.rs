//! Recovery of her registration to a new key (`caretrail_protocol::recovery` is the flow; this is
//! the transport): on a device without her key, the verification unit re-verifies her and
//! proposes binding her registration to this device's new key; on the device that holds the
//! registration's key, a pending recovery is shown and may be cancelled; once its timelock has
//! passed, anyone executes it.

use crate::patient::Wallet;
use crate::{Client, ClientError, SecretKey, unix_now};
use caretrail_chain::{cancellation, pending_recovery_of_record, record_of, rpc_url};
use caretrail_keystore::{ExistingPassword, Password, RecoveryPhrase, Store};
use caretrail_protocol::recovery;
use caretrail_types::{
    CardNumber, Citizen, ErrorCode, ExecutionRequest, Nid, PendingRecovery, RecoveryNotice,
    RecoveryProposal, RecoveryStatus, RecoveryVerified, Relayed, SignedRecovery, UiError,
};
use rand_core::OsRng;

/// How long the current key's cancellation may wait to be sent.
const CANCELLATION_TTL_SECS: u64 = 10 * 60;

/// What she enters to recover her registration.
#[derive(Debug, Clone)]
pub struct RecoveryForm {
    pub nid: String,
    pub card_number: String,
    /// Her instant photo (JPEG or PNG).
    pub photo: Vec<u8>,
}

/// A re-verified recovery, signed by this device's new key.
#[derive(Debug)]
pub struct SignedByNewKey {
    pub signed: SignedRecovery,
    pub nid: Nid,
    pub card_number: CardNumber,
    pub citizen: Citizen,
    /// The phrase of the key made for it: show it once.
    pub phrase: Option<RecoveryPhrase>,
}

/// A recovery proposed by the verification unit.
#[derive(Debug)]
pub struct Proposed {
    pub proposal: RecoveryProposal,
    pub citizen: Citizen,
    pub phrase: Option<RecoveryPhrase>,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

impl Client {
    /// Steps 1–3 of a recovery: her inputs checked, this device's key (a new one, kept under
    /// `password` once the verification unit's checks passed; or the one an earlier attempt
    /// kept, if it holds no registration), the re-verification, and her new key's signature.
    /// Nothing is proposed yet: [`Client::recover`] sends it to the relay; the signed recovery
    /// is also what the health authority proposes.
    pub async fn sign_recovery<S: Store>(
        &self,
        wallet: &Wallet<S>,
        form: &RecoveryForm,
        password: &Password,
    ) -> Result<SignedByNewKey, ClientError> {
        let application = recovery::apply(recovery::Form {
            nid: &form.nid,
            card_number: &form.card_number,
            photo: &form.photo,
        })
        .map_err(ClientError::Refused)?;
        let network = self.network().await?;
        // This device's key: the one an earlier attempt kept, unless it holds a registration
        // (a device holds one), or a new one.
        let (key, phrase) = match wallet.keystore.address() {
            Ok(_) => {
                let key = wallet.unlock(password.as_existing())?;
                let rpc = rpc_url(&network.rpc_url)?;
                if let Some(record) =
                    record_of(&rpc, network.patient_registry, key.address()).await?
                {
                    return Err(refused(
                        ErrorCode::AlreadyRegistered,
                        format!(
                            "this device's key {} holds the registration {record} already",
                            key.address()
                        ),
                    ));
                }
                (key, None)
            }
            Err(_) => {
                let phrase = RecoveryPhrase::generate(&mut OsRng);
                (phrase.derive_key(), Some(phrase))
            }
        };
        let verified: RecoveryVerified = self
            .relay
            .post(
                "v1/recoveries/verify",
                &recovery::verify_request(&application, key.address()),
            )
            .await?;
        let signed =
            recovery::sign(&verified, &key, &network, unix_now()).map_err(ClientError::Refused)?;
        // Kept before anything is proposed, so a recovery never names a key this device lost.
        if let Some(phrase) = &phrase {
            wallet
                .keystore
                .restore_from_phrase(phrase, password, &mut OsRng)
                .map_err(|e| {
                    refused(ErrorCode::Internal, format!("the key cannot be kept: {e}"))
                })?;
        }
        Ok(SignedByNewKey {
            signed,
            nid: application.nid,
            card_number: application.card_number,
            citizen: verified.citizen,
            phrase,
        })
    }

    /// A recovery from start to proposal: [`Client::sign_recovery`], then the verification unit
    /// proposes it on chain, and her wallet keeps her registration under the new key, pending.
    pub async fn recover<S: Store>(
        &self,
        wallet: &Wallet<S>,
        form: &RecoveryForm,
        password: &Password,
    ) -> Result<Proposed, ClientError> {
        let SignedByNewKey {
            signed,
            nid,
            card_number,
            citizen,
            phrase,
        } = self.sign_recovery(wallet, form, password).await?;
        let kept_phrase = |error: ClientError, phrase: Option<RecoveryPhrase>| match phrase {
            Some(phrase) => ClientError::KeyKept {
                phrase,
                error: Box::new(error),
            },
            None => error,
        };
        let proposal: RecoveryProposal = match self.relay.post("v1/recoveries", &signed).await {
            Ok(proposal) => proposal,
            Err(error) => return Err(kept_phrase(error, phrase)),
        };
        let profile = recovery::profile(nid, card_number, &signed, proposal.tx_id);
        if let Err(error) = wallet.keep_profile(&profile) {
            return Err(kept_phrase(error, phrase));
        }
        Ok(Proposed {
            proposal,
            citizen,
            phrase,
        })
    }

    /// The recovery of the registration this device holds (or is recovering) pending now, and
    /// what it means for this device's key; `None` when none is.
    pub async fn recovery_status<S: Store>(
        &self,
        wallet: &Wallet<S>,
    ) -> Result<Option<(PendingRecovery, RecoveryStatus)>, ClientError> {
        let Some(profile) = wallet.profile()? else {
            return Ok(None);
        };
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let pending =
            pending_recovery_of_record(&rpc, network.patient_registry, profile.record).await?;
        Ok(pending.and_then(|pending| {
            recovery::status(&pending, profile.patient, unix_now()).map(|s| (pending, s))
        }))
    }

    /// [`Client::recovery_status`] as a screen shows it.
    pub async fn recovery_notice<S: Store>(
        &self,
        wallet: &Wallet<S>,
    ) -> Result<Option<RecoveryNotice>, ClientError> {
        Ok(self
            .recovery_status(wallet)
            .await?
            .map(|(pending, status)| RecoveryNotice { pending, status }))
    }

    /// Her current key says no to the pending recovery of her registration (one the
    /// verification unit proposed); the relay sends it.
    pub async fn cancel_recovery<S: Store>(
        &self,
        wallet: &Wallet<S>,
        password: &ExistingPassword,
    ) -> Result<Relayed, ClientError> {
        let key = wallet.unlock(password)?;
        self.cancel_recovery_with_key(wallet, &key).await
    }

    /// [`Client::cancel_recovery`] with her key open already (the desktop app keeps it while
    /// she is logged in).
    pub async fn cancel_recovery_with_key<S: Store>(
        &self,
        wallet: &Wallet<S>,
        key: &SecretKey,
    ) -> Result<Relayed, ClientError> {
        let Some((pending, _)) = self.recovery_status(wallet).await? else {
            return Err(refused(
                ErrorCode::NoRecoveryPending,
                "no recovery of your registration is pending",
            ));
        };
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let Some(unsigned) = cancellation(
            &rpc,
            network.patient_registry,
            pending.nid_commitment,
            unix_now() + CANCELLATION_TTL_SECS,
        )
        .await?
        else {
            return Err(refused(
                ErrorCode::NoRecoveryPending,
                "the recovery is no longer pending",
            ));
        };
        let request = recovery::cancellation(&pending, unsigned, key, &network)
            .map_err(ClientError::Refused)?;
        self.relay
            .post("v1/recoveries/cancellations", &request)
            .await
    }

    /// Executes the pending recovery to this device's key once its timelock has passed (the
    /// relay sends it); afterwards she logs in with this key and her H.
    pub async fn finish_recovery<S: Store>(
        &self,
        wallet: &Wallet<S>,
    ) -> Result<Relayed, ClientError> {
        match self.recovery_status(wallet).await? {
            Some((pending, RecoveryStatus::Incoming { .. })) => {
                self.relay
                    .post(
                        "v1/recoveries/executions",
                        &ExecutionRequest {
                            nid_commitment: pending.nid_commitment,
                        },
                    )
                    .await
            }
            _ => Err(refused(
                ErrorCode::NoRecoveryPending,
                "no recovery to this device's key is pending",
            )),
        }
    }
}
