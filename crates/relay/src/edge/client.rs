//! Who a request comes from, for the rate limits: the peer's address, unless the peer is a proxy
//! the operator named, in which case the last address in `X-Forwarded-For` that is not one of
//! those proxies. Nothing a client writes in a header is believed otherwise.

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// The client's address as the rate limits count it. An IPv6 client is its /64: one home or
/// phone is handed a whole /64, and counting its addresses apart would multiply its quota.
pub fn client_key(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    let client = if trusted_proxies.contains(&canonical(peer)) {
        forwarded_client(headers, trusted_proxies).unwrap_or(peer)
    } else {
        peer
    };
    match canonical(client) {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(Ipv6Addr::from(segments))
        }
        v4 => v4,
    }
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The right-most address in `X-Forwarded-For` (all its lines, in order) that is not a trusted
/// proxy: the one the first trusted proxy saw. `None` when the header is absent or malformed.
fn forwarded_client(headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        for hop in value.to_str().ok()?.split(',') {
            hops.push(hop.trim().parse::<IpAddr>().ok()?);
        }
    }
    hops.into_iter()
        .rev()
        .find(|hop| !trusted_proxies.contains(&canonical(*hop)))
}

/// [`client_key`] as tower_governor's key extractor.
#[derive(Debug, Clone, Default)]
pub struct ClientAddress {
    trusted_proxies: Arc<[IpAddr]>,
}

impl ClientAddress {
    pub fn new(trusted_proxies: &[IpAddr]) -> Self {
        Self {
            trusted_proxies: trusted_proxies.iter().copied().map(canonical).collect(),
        }
    }
}

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        let ConnectInfo(peer) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(client_key(
            peer.ip(),
            request.headers(),
            &self.trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let spoofed = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_key(ip("198.51.100.7"), &spoofed, &[]),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_key(ip("198.51.100.7"), &spoofed, &[ip("10.0.0.1")]),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_key(ip("10.0.0.1"), &spoofed, &[ip("10.0.0.1")]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_proxies_the_last_untrusted_hop_counts() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client wrote its own X-Forwarded-For (a lie) before the proxies appended to it.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(
            client_key(ip("10.0.0.1"), &headers, &proxies),
            ip("203.0.113.9")
        );
        // Only proxies: the nearest proxy is all that is known.
        let headers = forwarded(&["10.0.0.2"]);
        assert_eq!(
            client_key(ip("10.0.0.1"), &headers, &proxies),
            ip("10.0.0.1")
        );
        // Absent or malformed: the peer.
        assert_eq!(
            client_key(ip("10.0.0.1"), &HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
        let headers = forwarded(&["203.0.113.9, not-an-address"]);
        assert_eq!(
            client_key(ip("10.0.0.1"), &headers, &proxies),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let one = client_key(ip("2001:db8:1:2:aaaa::1"), &HeaderMap::new(), &[]);
        let other = client_key(ip("2001:db8:1:2:bbbb::2"), &HeaderMap::new(), &[]);
        assert_eq!(one, other);
        assert_eq!(one, ip("2001:db8:1:2::"));
        assert_ne!(
            one,
            client_key(ip("2001:db8:1:3::1"), &HeaderMap::new(), &[])
        );
        assert_eq!(
            client_key(ip("::ffff:192.0.2.4"), &HeaderMap::new(), &[]),
            ip("192.0.2.4")
        );
        assert_eq!(
            client_key(
                ip("::ffff:10.0.0.1"),
                &forwarded(&["192.0.2.5"]),
                &[ip("10.0.0.1")]
            ),
            ip("192.0.2.5")
        );
    }
}
