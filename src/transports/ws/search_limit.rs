//! Searches per client address (`CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN`):
//! one host opening connection after connection could otherwise keep
//! pairing people at will. Counted per replica, at the edge, before the
//! command reaches the person's actor.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

/// Addresses remembered before the ones whose budget is full again are
/// forgotten (bounds the limiter's memory).
const PRUNE_ABOVE: usize = 10_000;

pub struct SearchLimit {
    limiter: RateLimiter<IpAddr, HashMapStateStore<IpAddr>, DefaultClock>,
}

impl SearchLimit {
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::hashmap(Quota::per_minute(n)),
        }
    }

    /// Whether one more search from `addr` fits.
    pub fn allow(&self, addr: IpAddr) -> bool {
        if self.limiter.len() > PRUNE_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&addr).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::SearchLimit;

    #[test]
    fn each_address_has_its_own_budget() {
        let limit = SearchLimit::per_minute(2);
        let (one, two) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(limit.allow(one) && limit.allow(one));
        assert!(!limit.allow(one));
        assert!(limit.allow(two));
    }
}
