//! `chathub healthcheck`: asks the local replica's `/healthz` (or `/readyz`)
//! and exits 0 on a 200. For the image's HEALTHCHECK and compose, which have
//! no shell or curl to do it (the image has neither).
//!
//! A plain HTTP/1.0 request over a std `TcpStream`: no runtime, no client
//! library, and bounded by a short timeout on every step.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, bail};

/// Bound on connecting, writing and reading. Above `/readyz`'s own 2 s per
/// dependency (two dependencies), below the usual 5 s probe timeout.
pub const TIMEOUT: Duration = Duration::from_millis(4500);
/// The status line is all that is read; this much is plenty.
const MAX_RESPONSE: u64 = 1024;

/// Where to ask: the listen address, with an unspecified host (`0.0.0.0`,
/// `[::]`) replaced by loopback.
pub fn target(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, listen.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, listen.port()).into(),
        _ => listen,
    }
}

/// GETs `path` from `addr`; `Ok` only on status 200.
pub fn check(addr: SocketAddr, path: &str) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").context("cannot send")?;
    let mut head = String::new();
    stream
        .take(MAX_RESPONSE)
        .read_to_string(&mut head)
        .context("no answer")?;
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("");
    if status != "200" {
        bail!("{path} answered {status:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_hosts_become_loopback() {
        let t = target("0.0.0.0:8080".parse().unwrap());
        assert_eq!(t.to_string(), "127.0.0.1:8080");
        let t = target("[::]:81".parse().unwrap());
        assert_eq!(t.to_string(), "[::1]:81");
        let t = target("10.0.0.5:8080".parse().unwrap());
        assert_eq!(t.to_string(), "10.0.0.5:8080");
    }

    #[test]
    fn nothing_listening_fails() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        assert!(check(addr, "/healthz").is_err());
    }
}
