//! Which URLs a delivery may reach. A webhook URL is typed by a tenant and
//! called by the server, inside the operator's network: unless the operator
//! allows it (`--webhooks-allow-private`), no address that is loopback,
//! link-local (cloud metadata services), private, shared (carrier-grade
//! NAT), unspecified, broadcast or multicast may be reached. The URL is
//! checked when it is saved, and the addresses are checked again on every
//! connection ([`Resolver`]), so a name that later resolves elsewhere
//! (DNS rebinding) reaches nothing private either.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest URL accepted.
pub const URL_MAX: usize = 2_048;

/// Whether `ip` is an address of the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80)
}

/// Why a URL is refused, in words for the client.
pub fn check_syntax(url: &str) -> Result<Url, String> {
    if url.chars().count() > URL_MAX {
        return Err(format!("must be at most {URL_MAX} characters"));
    }
    let parsed = Url::parse(url).map_err(|_| "must be an absolute http or https URL".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not hold a user name or password (the signature authenticates liaison)".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    Ok(parsed)
}

/// Checks a URL a client saves: well formed, and (unless `allow_private`)
/// neither an address nor a name that resolves now to one that is not public.
/// A name that does not resolve now is accepted: its deliveries fail and
/// are retried until it does.
pub async fn check(url: &str, allow_private: bool) -> Result<Url, String> {
    let parsed = check_syntax(url)?;
    if allow_private {
        return Ok(parsed);
    }
    let refused = "must not reach a loopback, link-local or private address (the operator can allow them)";
    match parsed.host() {
        Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => return Err(refused.into()),
        Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => return Err(refused.into()),
        Some(url::Host::Domain(name)) => {
            let port = parsed.port_or_known_default().unwrap_or(443);
            if let Ok(addrs) = tokio::net::lookup_host((name, port)).await {
                if addrs.into_iter().any(|a| !is_public(a.ip())) {
                    return Err(refused.into());
                }
            }
        }
        _ => {}
    }
    Ok(parsed)
}

/// Whether a delivery may go to `url` as it stands: an address in the URL
/// itself is never resolved, so it is checked here.
pub fn may_call(url: &Url, allow_private: bool) -> bool {
    allow_private
        || match url.host() {
            Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
            _ => true,
        }
}

/// Resolves host names for deliveries, keeping only the addresses that
/// may be reached.
#[derive(Debug, Clone, Copy)]
pub struct Resolver {
    pub allow_private: bool,
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| allow_private || is_public(a.ip())).collect();
            if allowed.is_empty() {
                let refused = format!("{} resolves to no address a webhook may reach", name.as_str());
                return Err(refused.into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_link_local_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().expect("address")), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().expect("address")), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_they_are_saved() {
        for url in [
            "ftp://example.com/",
            "not a url",
            "/relative",
            "https://user:pw@example.com/",
            "http://127.0.0.1:9000/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:9000/hook",
        ] {
            assert!(check(url, false).await.is_err(), "{url}");
        }
        assert!(check("http://127.0.0.1:9000/hook", true).await.is_ok());
        assert!(check("https://93.184.216.34/hook", false).await.is_ok());
        assert!(!may_call(&Url::parse("http://10.0.0.1/").expect("url"), false));
        assert!(may_call(&Url::parse("http://10.0.0.1/").expect("url"), true));
    }
}
