//! The hosts the relay answers for. A page on another site can point its own name at 127.0.0.1
//! (DNS rebinding) and so reach a relay on the loopback as "same origin"; its requests still
//! carry that other name in `Host`, which is not on this list.

use axum::http::uri::Authority;
use axum::http::{HeaderMap, Uri, header};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// One allowed host: a name or an address, with a port or for any port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    /// Lower case, without a trailing dot; IPv6 addresses in brackets, as in `Host`.
    host: String,
    port: Option<u16>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "{0:?} is not a host name or address with an optional port (e.g. relay.example.org or relay.example.org:443)"
)]
pub struct NotAHost(String);

impl FromStr for AllowedHost {
    type Err = NotAHost;

    fn from_str(text: &str) -> Result<Self, NotAHost> {
        let authority: Authority = text.parse().map_err(|_| NotAHost(text.into()))?;
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return Err(NotAHost(text.into()));
        }
        Ok(Self {
            host: normalized(authority.host()),
            port: authority.port_u16(),
        })
    }
}

impl AllowedHost {
    fn address(ip: IpAddr, port: u16) -> Self {
        let host = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        Self {
            host,
            port: Some(port),
        }
    }

    fn admits(&self, host: &str, port: Option<u16>) -> bool {
        self.host == host && (self.port.is_none() || self.port == port)
    }
}

fn normalized(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Every host the relay answers for.
#[derive(Debug, Clone)]
pub struct AllowedHosts(Vec<AllowedHost>);

impl AllowedHosts {
    /// The address the relay listens on (unless it is 0.0.0.0 or `::`, which no client names),
    /// the loopback's names with that port, and `extra` (the operator's `--allowed-host`).
    pub fn new(listening: SocketAddr, extra: &[AllowedHost]) -> Self {
        let port = listening.port();
        let mut hosts = vec![
            AllowedHost {
                host: "localhost".into(),
                port: Some(port),
            },
            AllowedHost::address(IpAddr::from([127, 0, 0, 1]), port),
            AllowedHost::address(std::net::Ipv6Addr::LOCALHOST.into(), port),
        ];
        if !listening.ip().is_unspecified() {
            hosts.push(AllowedHost::address(listening.ip(), port));
        }
        hosts.extend_from_slice(extra);
        Self(hosts)
    }

    /// Whether a request to `uri` with `headers` names one of these hosts: its URI's authority
    /// when it has one (absolute form), else its `Host` header. No host at all is refused too:
    /// HTTP/1.1 requires one.
    pub fn check(&self, uri: &Uri, headers: &HeaderMap) -> Result<(), HostRefusal> {
        let authority = match uri.authority() {
            Some(authority) => authority.clone(),
            None => {
                let value = headers.get(header::HOST).ok_or(HostRefusal::Missing)?;
                let text = value.to_str().map_err(|_| HostRefusal::Malformed)?;
                text.parse::<Authority>()
                    .map_err(|_| HostRefusal::Malformed)?
            }
        };
        if authority.as_str().contains('@') {
            return Err(HostRefusal::Malformed);
        }
        let host = normalized(authority.host());
        if self
            .0
            .iter()
            .any(|allowed| allowed.admits(&host, authority.port_u16()))
        {
            Ok(())
        } else {
            Err(HostRefusal::NotAllowed(authority.to_string()))
        }
    }
}

/// Why a request's host was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostRefusal {
    #[error("the request names no host (HTTP/1.1 requires a Host header)")]
    Missing,
    #[error("the request's Host header is not a host name with an optional port")]
    Malformed,
    #[error("this relay does not answer for the host {0:?}")]
    NotAllowed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> AllowedHosts {
        AllowedHosts::new(
            "10.1.2.3:7780".parse().unwrap(),
            &[
                "relay.example.org".parse().unwrap(),
                "Other.Example.org.:8443".parse().unwrap(),
            ],
        )
    }

    fn check(host: Option<&str>) -> Result<(), HostRefusal> {
        let mut headers = HeaderMap::new();
        if let Some(host) = host {
            headers.insert(header::HOST, host.parse().unwrap());
        }
        hosts().check(&Uri::from_static("/v1/health"), &headers)
    }

    #[test]
    fn the_listen_address_the_loopback_and_the_given_hosts_are_served() {
        for host in [
            "10.1.2.3:7780",
            "127.0.0.1:7780",
            "localhost:7780",
            "LOCALHOST.:7780",
            "[::1]:7780",
            "relay.example.org",
            "relay.example.org:443",
            "other.example.org:8443",
        ] {
            assert_eq!(check(Some(host)), Ok(()), "{host}");
        }
    }

    #[test]
    fn other_hosts_ports_and_no_host_are_refused() {
        for host in [
            "attacker.example:7780",
            "127.0.0.1:7781",
            "127.0.0.1",
            "localhost",
            "10.1.2.3:80",
            "other.example.org",
            "other.example.org:443",
            "relay.example.org.attacker.example",
            "127.0.0.2:7780",
        ] {
            assert!(
                matches!(check(Some(host)), Err(HostRefusal::NotAllowed(_))),
                "{host}"
            );
        }
        assert_eq!(check(None), Err(HostRefusal::Missing));
        assert_eq!(check(Some("a b")), Err(HostRefusal::Malformed));
        assert_eq!(
            check(Some("relay.example.org@attacker.example")),
            Err(HostRefusal::Malformed)
        );
    }

    #[test]
    fn an_absolute_uri_names_the_host() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:7780".parse().unwrap());
        let uri = Uri::from_static("http://attacker.example:7780/v1/health");
        assert!(matches!(
            hosts().check(&uri, &headers),
            Err(HostRefusal::NotAllowed(_))
        ));
    }

    #[test]
    fn a_wildcard_listen_address_is_not_a_host() {
        let hosts = AllowedHosts::new("0.0.0.0:7780".parse().unwrap(), &[]);
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "0.0.0.0:7780".parse().unwrap());
        assert!(hosts.check(&Uri::from_static("/"), &headers).is_err());
    }

    #[test]
    fn allowed_hosts_parse_with_or_without_a_port() {
        assert_eq!(
            "Relay.Example.org:8443".parse::<AllowedHost>(),
            Ok(AllowedHost {
                host: "relay.example.org".into(),
                port: Some(8443)
            })
        );
        assert!("relay example".parse::<AllowedHost>().is_err());
        assert!("user@relay.example.org".parse::<AllowedHost>().is_err());
        assert!("".parse::<AllowedHost>().is_err());
    }
}
