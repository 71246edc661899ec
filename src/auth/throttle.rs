//! Slowing down repeated failed client authentications.
//!
//! Failures are counted per client id and per remote address over a fixed
//! window that starts at the first failure. Once either count reaches the
//! limit, the token endpoint answers 429 (without checking anything) until
//! that window ends. A success clears its client id's count, not its
//! address's: a caller cannot buy more guesses with a client of its own.
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

/// The most client ids, and the most addresses, tracked at once.
pub const MAX_TRACKED: usize = 10_000;

/// When failed authentications are slowed down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures within a window after which the client id or address waits.
    pub limit: u32,
    /// How long failures are counted from the first one.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            limit: 10,
            window: Duration::from_secs(60),
        }
    }
}

/// Failure counts per client id and per address.
#[derive(Debug)]
pub struct FailureThrottle {
    policy: ThrottlePolicy,
    clients: Mutex<Counts>,
    addresses: Mutex<Counts>,
}

impl FailureThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            clients: Mutex::new(Counts::new(MAX_TRACKED)),
            addresses: Mutex::new(Counts::new(MAX_TRACKED)),
        }
    }

    /// How long to wait when `client_id` or `address` used up its failures.
    pub fn retry_after(&self, client_id: &str, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let limit = self.policy.limit;
        let by_client = lock(&self.clients).blocked(&client_id, limit, now);
        let by_address = address.and_then(|a| lock(&self.addresses).blocked(&network(a), limit, now));
        by_client.max(by_address)
    }

    /// Records a failed authentication.
    pub fn failed(&self, client_id: &str, address: Option<IpAddr>, now: Instant) {
        let window = self.policy.window;
        lock(&self.clients).failed(&client_id, window, now);
        if let Some(address) = address {
            lock(&self.addresses).failed(&network(address), window, now);
        }
    }

    /// Records a successful authentication: the client id starts afresh.
    pub fn succeeded(&self, client_id: &str) {
        lock(&self.clients).forget(&client_id);
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
        window: Duration::from_secs(60),
    };

    #[test]
    fn a_client_id_waits_after_its_failures_until_the_window_ends() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(throttle.retry_after("c", None, now), None);
            throttle.failed("c", None, now);
        }
        assert_eq!(throttle.retry_after("c", None, now), Some(Duration::from_secs(60)));
        let later = now + Duration::from_secs(45);
        assert_eq!(throttle.retry_after("c", None, later), Some(Duration::from_secs(15)));
        assert_eq!(throttle.retry_after("other", None, later), None);
        assert_eq!(throttle.retry_after("c", None, now + Duration::from_secs(60)), None);
        throttle.failed("c", None, now + Duration::from_secs(61));
        assert_eq!(
            throttle.retry_after("c", None, now + Duration::from_secs(61)),
            None,
            "a new window"
        );
    }

    #[test]
    fn an_address_waits_after_its_failures_whatever_the_client_ids() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        let address: IpAddr = "2001:db8::1".parse().expect("ip");
        let neighbour: IpAddr = "2001:db8::ffff:2".parse().expect("ip");
        for i in 0..3 {
            throttle.failed(&format!("client-{i}"), Some(address), now);
        }
        assert!(
            throttle.retry_after("client-9", Some(neighbour), now).is_some(),
            "same /64"
        );
        assert!(
            throttle
                .retry_after("client-9", Some("2001:db9::1".parse().expect("ip")), now)
                .is_none()
        );
        throttle.succeeded("client-9");
        assert!(
            throttle.retry_after("client-9", Some(address), now).is_some(),
            "a success does not clear the address"
        );
    }

    #[test]
    fn a_success_clears_the_client_id() {
        let throttle = FailureThrottle::new(POLICY);
        let now = Instant::now();
        throttle.failed("c", None, now);
        throttle.failed("c", None, now);
        throttle.succeeded("c");
        throttle.failed("c", None, now);
        assert_eq!(throttle.retry_after("c", None, now), None);
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
