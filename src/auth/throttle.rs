//! Slowing down repeated failed client authentications, without letting
//! anyone lock an owner out.
//!
//! Failures are counted over a fixed window that starts at the first one,
//! in two tables:
//!
//! - per (client id, address): once a pair reaches [`ThrottlePolicy::limit`],
//!   that client id is answered 429 from that address alone. Guessing one
//!   client's secret is slowed where the guesses come from, and the client's
//!   owner, calling from an address without recent failures, is never refused
//!   because of failures elsewhere.
//! - per address, whatever the client ids: once an address reaches
//!   [`ThrottlePolicy::address_limit`] (much higher), it is answered 429 for
//!   every client id, so spraying guesses over many client ids stays slow.
//!   An address is an IPv4 address or an IPv6 /64.
//!
//! A success clears its pair's count, not its address's: a caller cannot buy
//! more guesses with a client of its own.
//!
//! Memory is bounded whatever the load: keys are kept as 64-bit keyed hashes
//! (a client id may be as long as the body cap), each table holds at most
//! [`MAX_TRACKED`] entries, and a full table first drops expired entries,
//! then the one whose window ends first.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most (client id, address) pairs, and the most addresses, tracked at once.
pub const MAX_TRACKED: usize = 10_000;

/// When failed authentications are slowed down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures of one client id from one address within a window after
    /// which that client id waits, from that address only.
    pub limit: u32,
    /// Failures from one address within a window, whatever the client ids,
    /// after which the address waits for every client id.
    pub address_limit: u32,
    /// How long failures are counted from the first one.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    /// 10 failures per client id and address, 100 per address, a minute.
    ///
    /// The secrets liaison generates are 256-bit random values that no rate
    /// of online guesses finds: the limits mainly cap the work an attacker
    /// makes the service do, and are set where honest callers never reach them. Ten
    /// lets a client with a mistyped secret retry for a while without being
    /// stopped; a hundred per address is ten such broken clients at once
    /// behind one NAT (each stops counting at its own ten, being refused
    /// before it is checked), and working clients do not fail at all.
    fn default() -> Self {
        Self {
            limit: 10,
            address_limit: 100,
            window: Duration::from_secs(60),
        }
    }
}

/// Failure counts per (client id, address) and per address.
#[derive(Debug)]
pub struct FailureThrottle {
    policy: ThrottlePolicy,
    pairs: Mutex<Counts>,
    addresses: Mutex<Counts>,
}

impl FailureThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            pairs: Mutex::new(Counts::new(MAX_TRACKED)),
            addresses: Mutex::new(Counts::new(MAX_TRACKED)),
        }
    }

    /// How long to wait when `client_id` used up its failures from
    /// `address`, or `address` used up its own.
    pub fn retry_after(&self, client_id: &str, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let network = address.map(network);
        let by_pair = lock(&self.pairs).blocked(&(client_id, network), self.policy.limit, now);
        let by_address = network.and_then(|n| lock(&self.addresses).blocked(&n, self.policy.address_limit, now));
        by_pair.max(by_address)
    }

    /// Records a failed authentication.
    pub fn failed(&self, client_id: &str, address: Option<IpAddr>, now: Instant) {
        let window = self.policy.window;
        let network = address.map(network);
        lock(&self.pairs).failed(&(client_id, network), window, now);
        if let Some(network) = network {
            lock(&self.addresses).failed(&network, window, now);
        }
    }

    /// Records a successful authentication: the client id starts afresh
    /// from that address.
    pub fn succeeded(&self, client_id: &str, address: Option<IpAddr>) {
        lock(&self.pairs).forget(&(client_id, address.map(network)));
    }
}

fn lock(counts: &Mutex<Counts>) -> std::sync::MutexGuard<'_, Counts> {
    counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The part of an address one party controls: an IPv4 address, or an IPv6
/// /64 (one host is commonly given a whole /64 to pick addresses from).
fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
        v4 => v4,
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_end: Instant,
}

/// Failures by hashed key, bounded.
#[derive(Debug)]
struct Counts {
    keys: RandomState,
    entries: HashMap<u64, Entry>,
    capacity: usize,
}

impl Counts {
    fn new(capacity: usize) -> Self {
        Self {
            keys: RandomState::new(),
            entries: HashMap::new(),
            capacity,
        }
    }

    fn blocked(&self, key: &impl std::hash::Hash, limit: u32, now: Instant) -> Option<Duration> {
        let entry = self.entries.get(&self.keys.hash_one(key))?;
        (entry.window_end > now && entry.failures >= limit).then(|| entry.window_end - now)
    }

    fn failed(&mut self, key: &impl std::hash::Hash, window: Duration, now: Instant) {
        let hash = self.keys.hash_one(key);
        match self.entries.get_mut(&hash) {
            Some(entry) if entry.window_end > now => entry.failures = entry.failures.saturating_add(1),
            _ => {
                if !self.entries.contains_key(&hash) && self.entries.len() >= self.capacity {
                    self.make_room(now);
                }
                self.entries.insert(
                    hash,
                    Entry {
                        failures: 1,
                        window_end: now + window,
                    },
                );
            }
        }
    }

    fn forget(&mut self, key: &impl std::hash::Hash) {
        self.entries.remove(&self.keys.hash_one(key));
    }

    /// Drops expired entries; when none were, the one ending first.
    fn make_room(&mut self, now: Instant) {
        self.entries.retain(|_, entry| entry.window_end > now);
        if self.entries.len() >= self.capacity {
            let first = self.entries.iter().min_by_key(|(_, e)| e.window_end).map(|(k, _)| *k);
            if let Some(first) = first {
                self.entries.remove(&first);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: ThrottlePolicy = ThrottlePolicy {
        limit: 3,
        address_limit: 5,
        window: Duration::from_secs(60),
    };

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("ip"))
    }

    #[test]
    fn a_client_id_waits_after_its_failures_from_one_address_until_the_window_ends() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        let here = ip("192.0.2.1");
        for _ in 0..3 {
            assert_eq!(throttle.retry_after("c", here, now), None);
            throttle.failed("c", here, now);
        }
        assert_eq!(throttle.retry_after("c", here, now), Some(Duration::from_secs(60)));
        let later = now + Duration::from_secs(45);
        assert_eq!(throttle.retry_after("c", here, later), Some(Duration::from_secs(15)));
        assert_eq!(throttle.retry_after("other", here, later), None);
        assert_eq!(throttle.retry_after("c", here, now + Duration::from_secs(60)), None);
        throttle.failed("c", here, now + Duration::from_secs(61));
        assert_eq!(
            throttle.retry_after("c", here, now + Duration::from_secs(61)),
            None,
            "a new window"
        );
    }

    #[test]
    fn failures_elsewhere_never_refuse_a_client_id_at_an_address_without_failures() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        for attacker in ["192.0.2.1", "192.0.2.2", "2001:db8::1"] {
            for _ in 0..3 {
                throttle.failed("c", ip(attacker), now);
            }
            assert!(throttle.retry_after("c", ip(attacker), now).is_some(), "{attacker}");
        }
        assert_eq!(throttle.retry_after("c", ip("192.0.2.3"), now), None);
        assert_eq!(throttle.retry_after("c", ip("2001:db9::1"), now), None);
    }

    #[test]
    fn an_address_waits_after_its_failures_whatever_the_client_ids() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        let address = ip("2001:db8::1");
        let neighbour = ip("2001:db8::ffff:2");
        for i in 0..4 {
            throttle.failed(&format!("client-{i}"), address, now);
        }
        assert!(
            throttle.retry_after("client-9", neighbour, now).is_none(),
            "below the address limit, other client ids are checked"
        );
        throttle.failed("client-4", address, now);
        assert!(throttle.retry_after("client-9", neighbour, now).is_some(), "same /64");
        assert!(throttle.retry_after("client-9", ip("2001:db9::1"), now).is_none());
        throttle.succeeded("client-9", address);
        assert!(
            throttle.retry_after("client-9", address, now).is_some(),
            "a success does not clear the address"
        );
    }

    #[test]
    fn a_success_clears_the_client_id_at_its_address() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        let (here, there) = (ip("192.0.2.1"), ip("192.0.2.2"));
        throttle.failed("c", here, now);
        throttle.failed("c", here, now);
        throttle.failed("c", there, now);
        throttle.failed("c", there, now);
        throttle.succeeded("c", here);
        throttle.failed("c", here, now);
        throttle.failed("c", there, now);
        assert_eq!(throttle.retry_after("c", here, now), None);
        assert!(throttle.retry_after("c", there, now).is_some(), "only its own address");
    }

    #[test]
    fn the_tables_stay_bounded() {
        let mut counts = Counts::new(100);
        let now = Instant::now();
        for i in 0..10_000u32 {
            counts.failed(&i, Duration::from_secs(60), now + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(counts.entries.len(), 100);
        assert!(
            counts.blocked(&9_999u32, 1, now + Duration::from_secs(10)).is_some(),
            "the newest are kept"
        );
    }
}
