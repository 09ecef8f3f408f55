//! The caps on open WebSockets: per replica (`CHATHUB_MAX_CONNECTIONS`;
//! each costs an actor, two tasks and buffers, so past the cap a handshake
//! gets a clear 503 instead of the replica running out of memory) and per
//! client address (`CHATHUB_MAX_CONNECTIONS_PER_ADDRESS`, a clear 429, so
//! one host cannot take the replica's places).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Shared by every worker of the replica.
#[derive(Clone, Debug)]
pub struct ConnectionLimit {
    open: Arc<AtomicUsize>,
    max: usize,
    /// Open connections per client address; an address leaves the map
    /// with its last connection.
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_address: usize,
}

/// Why no place was given.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    Replica,
    Address,
}

/// One open connection; dropping it frees its places.
pub struct ConnectionSlot {
    open: Arc<AtomicUsize>,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    addr: IpAddr,
}

impl ConnectionLimit {
    pub fn new(max: usize, max_per_address: usize) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
            per_address: Arc::default(),
            max_per_address,
        }
    }

    /// A place for one more connection from `addr`, or which cap is reached.
    pub fn acquire(&self, addr: IpAddr) -> Result<ConnectionSlot, Full> {
        // Increment only below the cap, so racing handshakes never overshoot.
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .map_err(|_| Full::Replica)?;
        let counted = self.per_address.lock().map(|mut per| {
            let n = per.entry(addr).or_insert(0);
            let room = *n < self.max_per_address;
            if room {
                *n += 1;
            }
            room
        });
        if !matches!(counted, Ok(true)) {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(Full::Address);
        }
        Ok(ConnectionSlot {
            open: self.open.clone(),
            per_address: self.per_address.clone(),
            addr,
        })
    }
}

impl ConnectionSlot {
    fn release_address(&self) {
        if let Ok(mut per) = self.per_address.lock()
            && let Some(n) = per.get_mut(&self.addr)
        {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.addr);
            }
        }
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
        self.release_address();
    }
}

#[cfg(test)]
mod tests {
    use super::{ConnectionLimit, Full};

    #[test]
    fn places_are_freed_when_dropped() {
        let limit = ConnectionLimit::new(2, 10);
        let ip = "10.0.0.1".parse().unwrap();
        let a = limit.acquire(ip).unwrap();
        let _b = limit.acquire(ip).unwrap();
        assert_eq!(limit.acquire(ip).err(), Some(Full::Replica));
        drop(a);
        assert!(limit.acquire(ip).is_ok());
    }

    #[test]
    fn one_address_cannot_take_every_place() {
        let limit = ConnectionLimit::new(10, 2);
        let (one, two) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let a = limit.acquire(one).unwrap();
        let _b = limit.acquire(one).unwrap();
        assert_eq!(limit.acquire(one).err(), Some(Full::Address));
        assert!(limit.acquire(two).is_ok(), "another address still gets in");
        drop(a);
        assert!(limit.acquire(one).is_ok());
    }
}
