//! The outside services the verification unit asks: the EC registry and the insurers. Every
//! request is a `POST` whose JSON body carries the identifier (never the URL path, which access
//! logs keep), signed with the VU's key (`caretrail_crypto::service`) with a deadline
//! [`SERVICE_REQUEST_TTL_SECS`] ahead, so the services serve the VU and no one else. Every answer
//! is outside input: sizes are capped while reading, JSON is parsed into typed records
//! (identifiers through their parsers), and a service that is down or answers nonsense gives a
//! refusal that names it. Redirects are not followed (a service that answers one is failing, and
//! the signed request stays with the service it was signed for), and every call has a time limit.

use crate::RelayError;
use caretrail_crypto::SecretKey;
use caretrail_crypto::service::{ServiceRequest, sign_service_request};
use caretrail_types::{
    CardEnrolment, CardLookup, CardNumber, Citizen, CitizenLookup, Coverage, EnrolmentOffer,
    EnrolmentRequest, ErrorCode, MAX_PHOTO_BYTES, MAX_POLICY_DOCUMENT_BYTES, Nid,
    SERVICE_DEADLINE_HEADER, SERVICE_REQUEST_TTL_SECS, SERVICE_SIGNATURE_HEADER, UiError,
};
use reqwest::header::CONTENT_TYPE;
use reqwest::{StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which insurer answers for a card: cards whose number starts with `card_prefix` and a hyphen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurerRoute {
    pub card_prefix: String,
    pub url: String,
}

/// The most bytes of JSON a service may answer.
const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct Outside {
    http: reqwest::Client,
    ec: Url,
    insurers: Vec<(String, Url)>,
    /// The VU's key: it signs every request, and the services know its address.
    verifier: SecretKey,
}

fn base(url: &str, what: &str) -> Result<Url, String> {
    let mut url =
        Url::parse(url).map_err(|e| format!("the {what} URL {url:?} is not a URL: {e}"))?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

impl Outside {
    pub fn new(
        ec_registry: &str,
        insurers: &[InsurerRoute],
        verifier: SecretKey,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            ec: base(ec_registry, "EC registry")?,
            insurers: insurers
                .iter()
                .map(|r| Ok((r.card_prefix.to_ascii_uppercase(), base(&r.url, "insurer")?)))
                .collect::<Result<_, String>>()?,
            verifier,
        })
    }

    fn insurer_of(&self, card: &CardNumber) -> Result<&Url, RelayError> {
        let prefix = card.as_str().split('-').next().unwrap_or_default();
        self.insurers
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, url)| url)
            .ok_or_else(|| {
                RelayError::refused(
                    ErrorCode::CardRefused,
                    format!("no insurer known to this relay issues cards starting with {prefix:?}"),
                )
            })
    }

    pub async fn citizen(&self, nid: &Nid) -> Result<Citizen, RelayError> {
        let url = join(&self.ec, "v1/citizens/lookup")?;
        let lookup = CitizenLookup { nid: nid.clone() };
        let citizen: Citizen = json(
            self.post(
                "the EC registry",
                url,
                &lookup,
                MAX_JSON_BYTES,
                |status, _| {
                    (status == StatusCode::NOT_FOUND).then(|| {
                        RelayError::refused(
                            ErrorCode::UnknownCitizen,
                            format!("the EC registry knows no citizen with the national ID {nid}"),
                        )
                    })
                },
            )
            .await?,
            "the EC registry",
        )?;
        if &citizen.nid != nid {
            return Err(RelayError::refused(
                ErrorCode::ServiceUnavailable,
                "the EC registry answered for another citizen than the one asked for".to_owned(),
            ));
        }
        Ok(citizen)
    }

    pub async fn citizen_photo(&self, nid: &Nid) -> Result<Vec<u8>, RelayError> {
        let url = join(&self.ec, "v1/citizens/photo")?;
        let lookup = CitizenLookup { nid: nid.clone() };
        self.post(
            "the EC registry",
            url,
            &lookup,
            MAX_PHOTO_BYTES,
            |status, _| {
                (status == StatusCode::NOT_FOUND).then(|| {
                    RelayError::refused(
                        ErrorCode::UnknownCitizen,
                        format!("the EC registry holds no photo for the national ID {nid}"),
                    )
                })
            },
        )
        .await
    }

    pub async fn coverage(&self, card: &CardNumber) -> Result<Coverage, RelayError> {
        let url = join(self.insurer_of(card)?, "v1/cards/lookup")?;
        let lookup = CardLookup {
            card_number: card.clone(),
        };
        let coverage: Coverage = json(
            self.post("the insurer", url, &lookup, MAX_JSON_BYTES, card_refusal)
                .await?,
            "the insurer",
        )?;
        if &coverage.card_number != card {
            return Err(RelayError::refused(
                ErrorCode::ServiceUnavailable,
                "the insurer answered for another card than the one asked for".to_owned(),
            ));
        }
        Ok(coverage)
    }

    /// The policy document the insurer holds for the card's plan.
    pub async fn policy(&self, card: &CardNumber) -> Result<Vec<u8>, RelayError> {
        let url = join(self.insurer_of(card)?, "v1/cards/policy")?;
        let lookup = CardLookup {
            card_number: card.clone(),
        };
        self.post(
            "the insurer",
            url,
            &lookup,
            MAX_POLICY_DOCUMENT_BYTES,
            card_refusal,
        )
        .await
    }

    pub async fn enrol(
        &self,
        card: &CardNumber,
        request: &EnrolmentRequest,
    ) -> Result<EnrolmentOffer, RelayError> {
        let url = join(self.insurer_of(card)?, "v1/cards/enrolments")?;
        let enrolment = CardEnrolment {
            card_number: card.clone(),
            patient: request.patient,
            nid: request.nid.clone(),
            deadline: request.deadline,
        };
        let body = self
            .post("the insurer", url, &enrolment, MAX_JSON_BYTES, card_refusal)
            .await?;
        json(body, "the insurer")
    }

    /// Posts `body` as JSON to `url`, signed by the VU until [`SERVICE_REQUEST_TTL_SECS`] from
    /// now, and reads the answer (at most `max` bytes).
    async fn post(
        &self,
        who: &str,
        url: Url,
        body: &impl Serialize,
        max: usize,
        refusal: impl Fn(StatusCode, Option<UiError>) -> Option<RelayError>,
    ) -> Result<Vec<u8>, RelayError> {
        let body = serde_json::to_vec(body)
            .map_err(|e| RelayError::BadRequest(format!("cannot write the request: {e}")))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let (deadline, signature) = signed(&self.verifier, url.path(), &body, now);
        let sent = self
            .http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(SERVICE_DEADLINE_HEADER, deadline.to_string())
            .header(SERVICE_SIGNATURE_HEADER, signature.to_string())
            .body(body)
            .send();
        read(who, &url, sent, max, refusal).await
    }
}

/// The deadline and the VU's signature of a `POST` of `body` to `path`, signed at `now`.
fn signed(
    verifier: &SecretKey,
    path: &str,
    body: &[u8],
    now: u64,
) -> (u64, caretrail_types::Signature) {
    let deadline = now + SERVICE_REQUEST_TTL_SECS;
    let request = ServiceRequest {
        method: "POST",
        path,
        body,
        deadline,
    };
    (deadline, sign_service_request(verifier, &request))
}

/// The insurer's refusals about a card: an unknown card, or one it will not enrol (expired,
/// cancelled, held by someone else), with the insurer's own words.
fn card_refusal(status: StatusCode, body: Option<UiError>) -> Option<RelayError> {
    match (status, body) {
        (StatusCode::NOT_FOUND | StatusCode::CONFLICT, Some(e))
            if e.code == ErrorCode::CardRefused =>
        {
            Some(RelayError::refused(
                ErrorCode::CardRefused,
                format!("the insurer refused: {}", e.message),
            ))
        }
        _ => None,
    }
}

fn join(base: &Url, path: &str) -> Result<Url, RelayError> {
    base.join(path)
        .map_err(|e| RelayError::BadRequest(format!("cannot build a URL for {path:?}: {e}")))
}

fn unavailable(who: &str, url: &Url, why: impl std::fmt::Display) -> RelayError {
    RelayError::refused(
        ErrorCode::ServiceUnavailable,
        format!(
            "{who} at {} cannot be reached: {why}",
            url.origin().ascii_serialization()
        ),
    )
}

async fn read(
    who: &str,
    url: &Url,
    sent: impl Future<Output = reqwest::Result<reqwest::Response>>,
    max: usize,
    refusal: impl Fn(StatusCode, Option<UiError>) -> Option<RelayError>,
) -> Result<Vec<u8>, RelayError> {
    let mut response = sent
        .await
        .map_err(|e| unavailable(who, url, without_url(&e)))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unavailable(who, url, without_url(&e)))?
    {
        if body.len() + chunk.len() > max {
            return Err(RelayError::refused(
                ErrorCode::ServiceUnavailable,
                format!("{who} answered more than {max} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        return Ok(body);
    }
    let error = serde_json::from_slice::<UiError>(&body).ok();
    if let Some(refused) = refusal(status, error.clone()) {
        return Err(refused);
    }
    Err(unavailable(
        who,
        url,
        match error {
            Some(e) => format!("it answered {status}: {}", e.message),
            None => format!("it answered {status}"),
        },
    ))
}

fn json<T: DeserializeOwned>(body: Vec<u8>, who: &str) -> Result<T, RelayError> {
    serde_json::from_slice(&body).map_err(|e| {
        RelayError::refused(
            ErrorCode::ServiceUnavailable,
            format!("{who} answered something that is not what was asked for: {e}"),
        )
    })
}

/// reqwest's message without the URL it repeats.
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "");
    }
    match std::error::Error::source(e) {
        Some(source) => format!("{text}: {source}"),
        None => text,
    }
}
