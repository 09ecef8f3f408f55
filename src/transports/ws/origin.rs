//! Which pages may open `/ws`. Browsers send `Origin` with every WebSocket
//! handshake and a page cannot forge it, so checking it stops another site
//! from opening chats in its visitors' browsers. Clients that are not
//! browsers send none and are let in (they could claim any origin anyway).

/// Whether a handshake with `origin` (the header, if any) may proceed.
/// `allowed` is `CHATHUB_ALLOWED_ORIGINS` (`scheme://host[:port]` each);
/// empty means the page must come from the host the request was sent to
/// (`host`, the `Host` header), compared by name without the port, since a
/// proxy in front may rewrite `Host` without its port.
pub fn allowed(origin: Option<&str>, host: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin.map(|o| o.trim().trim_end_matches('/')) else {
        return true;
    };
    if !allowed.is_empty() {
        return allowed.iter().any(|a| a.eq_ignore_ascii_case(origin));
    }
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    match (origin_host.map(host_name), host.map(host_name)) {
        (Some(o), Some(h)) => !o.is_empty() && o.eq_ignore_ascii_case(h),
        _ => false,
    }
}

/// `host[:port]` without the port (IPv6 literals keep their brackets).
fn host_name(authority: &str) -> &str {
    let authority = authority.trim();
    if let Some(end) = authority.find(']') {
        return &authority[..=end];
    }
    authority.split(':').next().unwrap_or(authority)
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn same_host_by_default_listed_origins_otherwise() {
        let none: &[String] = &[];
        assert!(allowed(None, Some("chat.example"), none));
        assert!(allowed(
            Some("https://chat.example"),
            Some("chat.example"),
            none
        ));
        assert!(allowed(
            Some("http://127.0.0.1:8080"),
            Some("127.0.0.1"),
            none
        ));
        assert!(allowed(Some("http://[::1]:80"), Some("[::1]:8080"), none));
        assert!(!allowed(
            Some("https://evil.example"),
            Some("chat.example"),
            none
        ));
        assert!(!allowed(Some("null"), Some("chat.example"), none));
        assert!(!allowed(Some("https://chat.example"), None, none));
        let list = ["https://chat.example".to_owned()];
        assert!(allowed(
            Some("https://chat.example/"),
            Some("internal:8080"),
            &list
        ));
        assert!(!allowed(
            Some("http://chat.example"),
            Some("chat.example"),
            &list
        ));
    }
}
