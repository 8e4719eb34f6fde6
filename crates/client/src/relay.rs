//! The relay's HTTP API as the client calls it; its errors arrive as [`UiError`] JSON.

use crate::ClientError;
use caretrail_protocol::request::retry_wait;
use caretrail_types::{ErrorCode, REQUEST_HEADER, SignedRelayRequest, UiError};
use reqwest::Url;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A relay, by base URL.
#[derive(Debug, Clone)]
pub struct Relay {
    base: Url,
    http: reqwest::Client,
}

impl Relay {
    /// The relay at `url`; over https, its certificate must chain to a root the system trusts.
    pub fn new(url: &str) -> Result<Self, ClientError> {
        Self::with_roots(url, Vec::new())
    }

    /// The relay at `url`, whose certificate may also chain to one of the certificates in
    /// `ca_pem` (PEM, e.g. a private CA's): the system's roots stay trusted, and the certificate
    /// is checked as strictly (its name, its dates).
    pub fn trusting(url: &str, ca_pem: &[u8]) -> Result<Self, ClientError> {
        let roots = reqwest::Certificate::from_pem_bundle(ca_pem)
            .map_err(|e| ClientError::BadCertificate(e.to_string()))?;
        if roots.is_empty() {
            return Err(ClientError::BadCertificate(
                "no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into(),
            ));
        }
        Self::with_roots(url, roots)
    }

    fn with_roots(url: &str, roots: Vec<reqwest::Certificate>) -> Result<Self, ClientError> {
        let mut base: Url = url
            .trim()
            .parse()
            .map_err(|e| ClientError::BadRelayUrl(format!("{url}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ClientError::BadRelayUrl(format!(
                "{url}: use an http:// or https:// URL"
            )));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        // A relay that answers a redirect is failing: it is not followed (a signed request stays
        // with the relay it was signed for).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_merge(roots)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ClientError::BadRelayUrl(e.to_string()))?;
        Ok(Self { base, http })
    }

    /// The relay's origin (`scheme://host[:port]`), as a login is signed for it.
    pub fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    /// The relay's base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    fn endpoint(&self, path: &str) -> Result<Url, ClientError> {
        self.base
            .join(path)
            .map_err(|e| ClientError::BadRelayUrl(e.to_string()))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let request = self.http.get(self.endpoint(path)?);
        self.send(request).await
    }

    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let request = self.http.post(self.endpoint(path)?).json(body);
        self.send(request).await
    }

    /// A request to `path` signed with `signed` (in the records API's header).
    pub fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        signed: &SignedRelayRequest,
    ) -> Result<reqwest::RequestBuilder, ClientError> {
        let mut request = self
            .http
            .request(method, self.endpoint(path)?)
            .header(REQUEST_HEADER, signed.to_header());
        // A long transfer is bounded by its progress, not by the client's usual minute.
        request = request.timeout(Duration::from_secs(24 * 60 * 60));
        Ok(request)
    }

    /// Sends `request` and reads its JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        self.send(request).await
    }

    /// Sends `request` and hands back the answer to stream, once its status says it succeeded.
    pub async fn streamed(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let response = self.dispatch(request).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
        Err(self.refusal(status, &bytes))
    }

    /// Sends `request` and reads its answer as server-sent events: each `name` event's data as
    /// a `T`, other events skipped, until the relay ends the stream or it breaks off.
    pub async fn events<T: DeserializeOwned + Send + 'static>(
        &self,
        request: reqwest::RequestBuilder,
        name: &'static str,
    ) -> Result<
        impl futures_util::Stream<Item = Result<T, ClientError>> + Send + 'static,
        ClientError,
    > {
        use eventsource_stream::Eventsource as _;
        use futures_util::StreamExt as _;
        let response = self.streamed(request).await?;
        let relay = self.base().to_owned();
        Ok(response
            .bytes_stream()
            .eventsource()
            .filter_map(move |event| {
                let relay = relay.clone();
                async move {
                    match event {
                        Ok(event) if event.event == name => {
                            Some(serde_json::from_str(&event.data).map_err(|e| {
                                ClientError::Refused(caretrail_types::UiError::new(
                                    caretrail_types::ErrorCode::Internal,
                                    format!("the relay's {name} events: {e}"),
                                ))
                            }))
                        }
                        Ok(_) => None,
                        Err(e) => Some(Err(ClientError::RelayUnreachable {
                            url: relay,
                            reason: format!("the stream of {name} events broke off: {e}"),
                        })),
                    }
                }
            }))
    }

    fn unreachable(&self, e: &reqwest::Error) -> ClientError {
        ClientError::RelayUnreachable {
            url: self.base.to_string(),
            reason: without_url(e),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let unreachable = |e: reqwest::Error| self.unreachable(&e);
        let response = self.dispatch(request).await?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                ClientError::Relay(UiError::new(
                    ErrorCode::RelayError,
                    format!("the relay answered with something unexpected: {e}"),
                ))
            });
        }
        Err(self.refusal(status, &bytes))
    }

    /// Sends `request`; when the relay refuses it as one too many from this address, it is sent
    /// again after the wait the relay names, as [`retry_wait`] decides; a request whose body
    /// cannot be sent twice (a stream) is not.
    async fn dispatch(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let mut retries = 0;
        loop {
            let again = request.try_clone();
            let response = request.send().await.map_err(|e| self.unreachable(&e))?;
            let header = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok());
            let wait = retry_wait(response.status().as_u16(), header, retries);
            match (again, wait) {
                (Some(again), Some(seconds)) => {
                    retries += 1;
                    tokio::time::sleep(Duration::from_secs(seconds)).await;
                    request = again;
                }
                _ => return Ok(response),
            }
        }
    }

    fn refusal(&self, status: reqwest::StatusCode, bytes: &[u8]) -> ClientError {
        let error = serde_json::from_slice::<UiError>(bytes).unwrap_or_else(|_| {
            UiError::new(
                ErrorCode::RelayError,
                format!(
                    "the relay at {} answered {status}: {}",
                    self.base,
                    String::from_utf8_lossy(bytes)
                        .chars()
                        .take(200)
                        .collect::<String>()
                ),
            )
        });
        ClientError::Relay(error)
    }
}

/// reqwest's message, without the URL it repeats (the caller names the relay itself).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(&format!(" ({url})"), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}
