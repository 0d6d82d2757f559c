//! The URL links in mail point at. `ccm serve` knows where it listens, so a portal URL in config
//! that only says "this machine" (`http://` on a loopback host: `127.0.0.1`, `localhost`, `[::1]`)
//! is replaced by the address actually bound, port included: `ccm serve --port 9000` links to
//! 9000 whatever the example config says. Any other URL in config (an `https://` one, or a host
//! name others reach, e.g. a reverse proxy in front) is used as written.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `url` is `http://` on a loopback host.
pub fn names_this_machine(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let host = host.to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `http://{host}:{port}` for the bound address; an unspecified address (`0.0.0.0`, `::`) gives
/// loopback, the one address certain to reach it.
pub fn of_bound(host: IpAddr, port: u16) -> String {
    match host {
        IpAddr::V4(v4) if v4.is_unspecified() => format!("http://{}:{port}", Ipv4Addr::LOCALHOST),
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        IpAddr::V6(v6) if v6.is_unspecified() => format!("http://[{}]:{port}", Ipv6Addr::LOCALHOST),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

/// The portal URL of this server: config's, unless it only names this machine (then the bound
/// address). `port` 0 means "not bound yet": config's URL is kept.
pub fn effective(configured: &str, host: IpAddr, port: u16) -> String {
    if port != 0 && names_this_machine(configured) { of_bound(host, port) } else { configured.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_loopback_portal_url_follows_the_port_actually_bound() {
        assert_eq!(effective("http://127.0.0.1:8080", ip("127.0.0.1"), 9000), "http://127.0.0.1:9000");
        assert_eq!(effective("http://localhost:8080", ip("127.0.0.1"), 9000), "http://127.0.0.1:9000");
        assert_eq!(effective("http://[::1]:8080", ip("::1"), 9000), "http://[::1]:9000");
        assert_eq!(effective("http://127.0.0.1", ip("0.0.0.0"), 9000), "http://127.0.0.1:9000");
    }

    #[test]
    fn a_url_others_reach_is_kept_as_configured() {
        for url in
            ["https://ccm.example.com", "http://ccm.internal:8080", "https://127.0.0.1:8443", "http://10.0.0.5:8080"]
        {
            assert_eq!(effective(url, ip("127.0.0.1"), 9000), url);
        }
    }

    #[test]
    fn before_binding_the_configured_url_stands() {
        assert_eq!(effective("http://127.0.0.1:8080", ip("127.0.0.1"), 0), "http://127.0.0.1:8080");
    }
}
