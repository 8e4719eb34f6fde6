//! Check-in, step 6 (`caretrail_protocol::checkin` is the flow): the patient's check-in code for
//! an admitted organization she picks; the organization's kiosk reads it (its text, or a picture
//! of it), checks it offline, asks the chain that H is hers, and opens the visit.

use crate::{Client, ClientError, SecretKey, unix_now};
use caretrail_chain::{
    PrivateKeySigner, is_registered, open_visit, participant, rpc_url, secret_key,
};
use caretrail_crypto::visit::RegistryDomain;
use caretrail_protocol::checkin;
use caretrail_protocol::qr::CheckIn;
use caretrail_types::{Address, ErrorCode, Hash32, NetworkInfo, UiError, Visit};
use rand_core::OsRng;

fn domain(network: &NetworkInfo) -> RegistryDomain {
    RegistryDomain {
        chain_id: network.chain_id,
        records: network.record_registry,
    }
}

fn refused(code: ErrorCode, message: impl Into<String>) -> ClientError {
    ClientError::Refused(UiError::new(code, message))
}

impl Client {
    /// Her check-in code for `organization` (an admitted health organization), for her
    /// registration H: the code and its QR text.
    pub async fn checkin_code(
        &self,
        key: &SecretKey,
        record: Hash32,
        organization: Address,
    ) -> Result<(CheckIn, String), ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let registered = participant(&rpc, network.participant_registry, organization).await?;
        checkin::check_organization(organization, registered.as_ref())
            .map_err(ClientError::Refused)?;
        Ok(checkin::code(
            key,
            domain(&network),
            organization,
            record,
            unix_now(),
            &mut OsRng,
        ))
    }

    /// The kiosk of the organization whose key is `organization` opens the visit of a scanned
    /// check-in code's text: checked offline, then H asked of the chain, then `openVisit` (the
    /// organization pays).
    pub async fn open_checkin(
        &self,
        organization: PrivateKeySigner,
        text: &str,
    ) -> Result<Visit, ClientError> {
        let network = self.network().await?;
        let rpc = rpc_url(&network.rpc_url)?;
        let here = secret_key(&organization).address();
        let code = checkin::read(text, domain(&network), here, unix_now())
            .map_err(ClientError::Refused)?;
        let token = code.token;
        if !is_registered(&rpc, network.patient_registry, token.patient, code.record).await? {
            return Err(refused(
                ErrorCode::UnknownRecord,
                format!(
                    "the chain holds no registration {} of {}: the code is not a registered patient's",
                    code.record, token.patient
                ),
            ));
        }
        open_visit(
            &rpc,
            organization,
            network.record_registry,
            &token,
            &code.signature,
        )
        .await?;
        Ok(Visit {
            patient: token.patient,
            organization: token.organization,
            visit_id: token.visit_id,
            expires_at: token.expires_at,
        })
    }

    /// [`Client::open_checkin`] from a picture of the code (PNG, JPEG or GIF): the decoder stops
    /// at the first read that is a Caretrail code.
    pub async fn open_checkin_image(
        &self,
        organization: PrivateKeySigner,
        picture: &[u8],
    ) -> Result<Visit, ClientError> {
        let text = read_code(picture)?;
        self.open_checkin(organization, &text).await
    }
}

/// The Caretrail code in a picture.
pub fn read_code(picture: &[u8]) -> Result<String, ClientError> {
    use caretrail_vision::decode::{Options, decode_image_file};
    let caretrail = |bytes: &[u8]| {
        std::str::from_utf8(bytes).is_ok_and(|text| caretrail_protocol::qr::decode(text).is_ok())
    };
    decode_image_file(picture, &Options::accepting(&caretrail))
        .map(|read| read.text)
        .map_err(|e| refused(ErrorCode::InvalidInput, e.to_string()))
}
