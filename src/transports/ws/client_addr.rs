//! The client's address, for the per-address limits: the TCP peer, or,
//! when the peer is a trusted proxy (`CHATHUB_TRUSTED_PROXIES`), the
//! nearest address in `X-Forwarded-For` that is not itself a trusted
//! proxy. Anyone else's `X-Forwarded-For` is ignored: a client could write
//! any address there.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

pub fn client_addr(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let Some(peer) = peer.map(|a| a.ip()) else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // Right to left: each trusted proxy appended the address it got from.
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let req = TestRequest::default()
            .peer_addr("10.1.2.3:5000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "203.0.113.9, 10.1.0.7"))
            .to_http_request();
        assert_eq!(
            client_addr(req.peer_addr(), req.headers(), &nets(&["10.1.0.0/16"])),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_addr(req.peer_addr(), req.headers(), &[]),
            "10.1.2.3".parse::<IpAddr>().unwrap(),
            "an untrusted peer's header is ignored"
        );
    }
}
