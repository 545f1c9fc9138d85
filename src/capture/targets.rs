//! The inspector's HTTP listing (`GET /json/list`) and picking one target from it.
//!
//! Node lists one entry (`"type": "node"`) per process; Chromium lists its pages, workers,
//! extensions and service workers. Like `chrome://inspect`, we offer the entries that have a
//! `webSocketDebuggerUrl` (an entry another client is attached to has none) and, for Chromium,
//! pages: a heap snapshot of a page is what DevTools' Memory panel takes.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde::Deserialize;

use super::CaptureError;

/// One `/json/list` entry.
#[derive(Clone, Debug, Deserialize)]
pub struct TargetInfo {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub url: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, rename = "webSocketDebuggerUrl")]
    pub ws_url: String,
}

/// `GET http://ADDR/json/list`. A refused connection is [`CaptureError::ConnectionRefused`];
/// anything that is not the listing (another HTTP server on that port) is an error naming it.
pub fn list(addr: &str, sock: SocketAddr, timeout: Duration) -> Result<Vec<TargetInfo>, CaptureError> {
    // Connect once ourselves first: "refused" then reads as such, not as an HTTP client error.
    TcpStream::connect_timeout(&sock, timeout).map_err(|e| match e.kind() {
        std::io::ErrorKind::ConnectionRefused => CaptureError::ConnectionRefused(addr.to_string()),
        _ => CaptureError::io(format!("connecting to {addr}"), e),
    })?;
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(timeout)).build().into();
    let url = format!("http://{addr}/json/list");
    let not_listing =
        |why: String| CaptureError::Protocol { addr: addr.to_string(), method: "GET /json/list".into(), message: why };
    let mut resp = agent.get(&url).call().map_err(|e| match e {
        // Node started with `--inspect-publish-uid=stderr` answers so (as does any other server).
        ureq::Error::StatusCode(404) => not_listing(
            "404 Not Found: not a DevTools inspector, or a Node inspector started with \
             --inspect-publish-uid=stderr, which does not list its address; then connect to the ws:// \
             address it printed on its stderr (--ws, or Attach…'s address field)"
                .into(),
        ),
        e => not_listing(e.to_string()),
    })?;
    let body = resp.body_mut().read_to_string().map_err(|e| not_listing(e.to_string()))?;
    serde_json::from_str::<Vec<TargetInfo>>(&body)
        .map_err(|_| not_listing("not a DevTools inspector (the answer is not a target list)".into()))
}

/// The one target to capture: with `filter`, the debuggable entries whose title or URL contains
/// it; without, Node's entry or Chromium's only page. None or several is an error listing them.
pub fn pick<'a>(addr: &str, entries: &'a [TargetInfo], filter: Option<&str>) -> Result<&'a TargetInfo, CaptureError> {
    let debuggable: Vec<&TargetInfo> = entries.iter().filter(|t| !t.ws_url.is_empty()).collect();
    let candidates: Vec<&TargetInfo> = match filter {
        Some(text) => debuggable.iter().copied().filter(|t| t.title.contains(text) || t.url.contains(text)).collect(),
        None => debuggable.iter().copied().filter(|t| t.kind == "node" || t.kind == "page").collect(),
    };
    match (candidates.as_slice(), filter) {
        ([one], _) => Ok(one),
        ([], None) if debuggable.is_empty() => Err(CaptureError::NoTargets(addr.to_string())),
        ([], None) => Err(CaptureError::NoMatchingTarget {
            addr: addr.to_string(),
            text: "node or page".into(),
            list: describe(&debuggable),
        }),
        ([], Some(text)) => Err(CaptureError::NoMatchingTarget {
            addr: addr.to_string(),
            text: text.to_string(),
            list: describe(&debuggable),
        }),
        (many, _) => {
            Err(CaptureError::AmbiguousTarget { addr: addr.to_string(), count: many.len(), list: describe(many) })
        }
    }
}

fn describe(targets: &[&TargetInfo]) -> String {
    let lines: Vec<String> = targets.iter().map(|t| format!("  {:<8} {:?} {}", t.kind, t.title, t.url)).collect();
    if lines.is_empty() { "  (none)".into() } else { lines.join("\n") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: &str, title: &str, url: &str, ws: bool) -> TargetInfo {
        TargetInfo {
            title: title.into(),
            url: url.into(),
            kind: kind.into(),
            ws_url: if ws { format!("ws://127.0.0.1:1/{title}") } else { String::new() },
        }
    }

    #[test]
    fn picks_the_only_page_or_the_matching_one() {
        let list = vec![
            t("page", "Shop", "http://localhost/shop", true),
            t("service_worker", "sw", "http://localhost/sw.js", true),
            t("page", "Admin", "http://localhost/admin", true),
            t("page", "Busy", "http://localhost/busy", false),
        ];
        assert!(matches!(pick("a", &list, None), Err(CaptureError::AmbiguousTarget { count: 2, .. })));
        assert_eq!(pick("a", &list, Some("admin")).unwrap().title, "Admin");
        assert_eq!(pick("a", &list, Some("Shop")).unwrap().title, "Shop");
        assert!(matches!(pick("a", &list, Some("Busy")), Err(CaptureError::NoMatchingTarget { .. })));
        assert_eq!(pick("a", &list[..2], None).unwrap().title, "Shop");
        assert!(matches!(pick("a", &[], None), Err(CaptureError::NoTargets(_))));
    }
}
