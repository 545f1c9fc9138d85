//! A local Node.js process by pid (Linux: everything here reads `/proc`).
//!
//! Node opens its inspector on `SIGUSR1` (<https://nodejs.org/api/process.html#signal-events>:
//! "SIGUSR1 is reserved by Node.js to start the debugger"), by default on 127.0.0.1:9229, but
//! `--inspect-port` or a taken port can move it. So rather than guess, we look for the TCP sockets
//! the process listens on: `/proc/PID/net/tcp{,6}` rows in state LISTEN (`0A`) whose inode is one
//! of the process's own file descriptors (`/proc/PID/fd/* -> socket:[INODE]`), and ask the port its
//! inspector flags name first (from its command line and `NODE_OPTIONS`), then each new one, for
//! `/json/list`. Afterwards the inspector is closed again the way Node documents it,
//! `require('inspector').close()`, evaluated in the process.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{CaptureError, Endpoint, NotOpened, Options, targets};

/// Whether `/proc/PID` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// The CPU time `pid` has used, user and system, in clock ticks (`/proc/PID/stat` fields 14 and
/// 15); 0 when it cannot be read. Only compared with itself, to tell a busy process from a stuck one.
pub fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // After the parenthesised command name: field 3 (state) is the first.
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0 };
    rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum()
}

/// Whether `pid` is gone or goes within `wait`. A killed process closes its sockets before the
/// kernel marks it a zombie, so a dropped connection can be seen slightly before the exit.
pub fn exits_within(pid: u32, wait: Duration) -> bool {
    let start = Instant::now();
    loop {
        if !alive(pid) {
            return true;
        }
        if start.elapsed() >= wait {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Checks that `pid` is a Node process we may signal; returns its executable's name.
fn check_node(pid: u32) -> Result<String, CaptureError> {
    let proc = format!("/proc/{pid}");
    if pid == 0 || !Path::new(&proc).exists() || !alive(pid) {
        return Err(CaptureError::NoSuchProcess(pid));
    }
    let exe = match std::fs::read_link(format!("{proc}/exe")) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Err(CaptureError::PermissionDenied(pid)),
        Err(_) if !alive(pid) => return Err(CaptureError::NoSuchProcess(pid)),
        // Kernel threads have no executable.
        Err(_) => return Err(CaptureError::NotNode { pid, name: comm(pid) }),
    };
    let name = exe.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // `node`, `nodejs`, `node20`…; Electron apps ship renamed binaries but keep Node's signal
    // handling only in their main process, which `electron` names itself.
    let argv0 = std::fs::read(format!("{proc}/cmdline")).unwrap_or_default();
    let argv0 = String::from_utf8_lossy(argv0.split(|&b| b == 0).next().unwrap_or_default()).into_owned();
    let argv0_name = argv0.rsplit('/').next().unwrap_or_default();
    let is_node = |n: &str| n.starts_with("node") || n.starts_with("electron");
    if is_node(&name) || is_node(argv0_name) {
        Ok(name)
    } else {
        Err(CaptureError::NotNode { pid, name: if name.is_empty() { comm(pid) } else { name } })
    }
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// The inodes of the sockets `pid` has open.
fn socket_inodes(pid: u32) -> HashSet<u64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return HashSet::new() };
    dir.filter_map(|e| {
        let target = std::fs::read_link(e.ok()?.path()).ok()?;
        let t = target.to_str()?;
        t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
    })
    .collect()
}

/// The loopback/any TCP addresses `pid` listens on, by inode. Reads the process's own view of
/// the tables (`/proc/PID/net`, its network namespace).
fn listening(pid: u32) -> Vec<(u64, SocketAddr)> {
    let inodes = socket_inodes(pid);
    let mut out = Vec::new();
    for (file, v6) in [("tcp", false), ("tcp6", true)] {
        let Ok(table) = std::fs::read_to_string(format!("/proc/{pid}/net/{file}")) else { continue };
        for line in table.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if f.len() < 10 || f[3] != "0A" {
                continue;
            }
            let Ok(inode) = f[9].parse::<u64>() else { continue };
            if !inodes.contains(&inode) {
                continue;
            }
            if let Some(addr) = parse_addr(f[1], v6) {
                out.push((inode, addr));
            }
        }
    }
    out
}

/// `0100007F:2405` → 127.0.0.1:9221. The kernel prints the address as native-endian 32-bit
/// words in hex (little-endian here), the port as big-endian hex.
fn parse_addr(text: &str, v6: bool) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<u32> = (0..ip.len() / 8)
        .map(|i| u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16).map(u32::from_be))
        .collect::<Result<_, _>>()
        .ok()?;
    let ip = match (v6, words.as_slice()) {
        (false, [w]) => std::net::IpAddr::V4(Ipv4Addr::from(w.to_be_bytes())),
        (true, [a, b, c, d]) => {
            let mut bytes = [0u8; 16];
            for (i, w) in [a, b, c, d].into_iter().enumerate() {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
            }
            std::net::IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    // A socket bound to "any" is reached on loopback.
    let ip = if ip.is_unspecified() {
        if v6 { std::net::IpAddr::V6(Ipv6Addr::LOCALHOST) } else { std::net::IpAddr::V4(Ipv4Addr::LOCALHOST) }
    } else {
        ip
    };
    Some(SocketAddr::new(ip, port))
}

/// Asks `addr` for `/json/list`; the Node entry if it is an inspector.
fn probe(addr: SocketAddr) -> Option<targets::TargetInfo> {
    if !addr.ip().is_loopback() {
        return None;
    }
    let text = addr.to_string();
    let list = targets::list(&text, addr, Duration::from_secs(2)).ok()?;
    list.into_iter().find(|t| t.kind == "node" && !t.ws_url.is_empty())
}

/// The NUL-separated strings of `/proc/PID/FILE` (`cmdline`, `environ`); none if unreadable.
fn proc_strings(pid: u32, file: &str) -> Vec<String> {
    let bytes = std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_default();
    bytes.split(|&c| c == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect()
}

/// The process's Node options, as Node reads them: its command line, then `NODE_OPTIONS`.
fn node_options(pid: u32) -> Vec<String> {
    let mut options: Vec<String> = proc_strings(pid, "cmdline").into_iter().skip(1).collect();
    let environ = proc_strings(pid, "environ");
    if let Some(env) = environ.iter().find_map(|v| v.strip_prefix("NODE_OPTIONS=")) {
        options.extend(env.split_whitespace().map(str::to_string));
    }
    options
}

/// Where a Node process's inspector listens, as far as its options tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InspectorFlags {
    /// Started with `--inspect`, `--inspect-brk` or `--inspect-wait` (the inspector may be open).
    active: bool,
    /// The port named by the last of those or `--inspect-port`/`--debug-port` (Node's
    /// `[host:]port` syntax), else Node's default 9229; 0 means "any free port", unknown to us.
    port: u16,
    /// `--inspect-publish-uid` names `http` (Node's default `stderr,http`): only then does the
    /// inspector answer `/json/list`, the one way to learn its WebSocket address from outside.
    publishes_http: bool,
    /// `--disable-sigusr1` (Node 22.14 and later): the signal does not open the inspector.
    signal_disabled: bool,
}

/// Reads Node's inspector options (<https://nodejs.org/api/cli.html#--inspecthostport>) from
/// `options`; the last one wins, as in Node. Arguments after the script are the script's own, but
/// telling them apart needs Node's whole option table; an application argument spelt like an
/// inspector flag costs at most a wrong first guess (the other ports are asked next).
fn inspector_flags<S: AsRef<str>>(options: &[S]) -> InspectorFlags {
    let mut flags = InspectorFlags { active: false, port: 9229, publishes_http: true, signal_disabled: false };
    let mut options = options.iter().map(AsRef::as_ref);
    while let Some(option) = options.next() {
        let (name, value) = match option.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (option, None),
        };
        let value = match name {
            "--inspect" | "--inspect-brk" | "--inspect-wait" => {
                flags.active = true;
                value
            }
            // These take their value as the next argument too.
            "--inspect-port" | "--debug-port" => value.or_else(|| options.next()),
            "--inspect-publish-uid" => {
                let ways = value.or_else(|| options.next()).unwrap_or_default();
                flags.publishes_http = ways.split(',').any(|w| w.trim() == "http");
                continue;
            }
            "--disable-sigusr1" => {
                flags.signal_disabled = true;
                continue;
            }
            _ => continue,
        };
        // `[host:]port`; a value without a port (`--inspect=localhost`) keeps the port.
        if let Some(port) = value.and_then(|v| v.rsplit(':').next()).and_then(|p| p.parse().ok()) {
            flags.port = port;
        }
    }
    flags
}

/// `ports` with the one `flags` names first, then (only if `all`) the others: asking a server's
/// own ports sends them requests they do not expect, so it is the last resort.
fn candidates(ports: &[(u64, SocketAddr)], flags: InspectorFlags, all: bool) -> Vec<SocketAddr> {
    let named = |a: &SocketAddr| flags.port != 0 && a.port() == flags.port;
    let first = ports.iter().map(|&(_, a)| a).filter(named);
    let rest = ports.iter().map(|&(_, a)| a).filter(|a| all && !named(a));
    first.chain(rest).collect()
}

/// The first of `addrs` that answers as a Node inspector.
fn find_inspector(addrs: &[SocketAddr]) -> Option<(SocketAddr, targets::TargetInfo)> {
    addrs.iter().find_map(|&a| Some((a, probe(a)?)))
}

/// Finds (or opens with `SIGUSR1`) the inspector of Node process `pid`.
pub fn open(pid: u32, options: &Options) -> Result<Endpoint, CaptureError> {
    check_node(pid)?;
    let flags = inspector_flags(&node_options(pid));
    // Its address cannot be learnt, open or not: say so rather than open one we cannot use.
    if !flags.publishes_http {
        return Err(CaptureError::NotPublished(pid));
    }
    let before = listening(pid);
    // Already open (started with --inspect…, or an earlier SIGUSR1): ask the port its flags name.
    // The other ports only when it was started with --inspect and that port is not it (`=0`).
    if let Some((_, t)) = find_inspector(&candidates(&before, flags, flags.active)) {
        return Ok(Endpoint { ws_url: t.ws_url, title: t.title, opened_pid: None, pid: Some(pid) });
    }
    if flags.signal_disabled {
        return Err(CaptureError::SignalDisabled(pid));
    }
    // Whether another program holds the port the inspector would open, asked before the signal
    // (then it cannot be the inspector): asked only after the wait, a port taken for a moment
    // when Node tried it and free again by then was told as "nothing listens" (found by a sixth
    // set of unseen scenarios, run beside these tests).
    let taken_before =
        flags.port != 0 && !before.iter().any(|&(_, a)| a.port() == flags.port) && answers_on_loopback(flags.port);
    signal_usr1(pid)?;
    let known: HashSet<u64> = before.iter().map(|&(i, _)| i).collect();
    let start = Instant::now();
    while start.elapsed() < options.open_timeout {
        if !alive(pid) {
            return Err(CaptureError::ProcessExited(pid));
        }
        // Ports opened since the signal (not answering yet: look again next round).
        let new: Vec<_> = listening(pid).into_iter().filter(|(inode, _)| !known.contains(inode)).collect();
        if let Some((_, t)) = find_inspector(&candidates(&new, flags, true)) {
            return Ok(Endpoint { ws_url: t.ws_url, title: t.title, opened_pid: Some(pid), pid: Some(pid) });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let why = match flags.port {
        0 => NotOpened::PortUnknown,
        port if taken_before || answers_on_loopback(port) => NotOpened::PortTaken(port),
        port => NotOpened::PortFree(port),
    };
    Err(CaptureError::InspectorDidNotOpen { pid, secs: options.open_timeout.as_secs(), why })
}

/// How long a connection to the port the inspector should have opened may take to tell "taken".
const PORT_CHECK: Duration = Duration::from_millis(500);

/// Whether something accepts connections on 127.0.0.1:`port`.
fn answers_on_loopback(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), PORT_CHECK).is_ok()
}

/// A local Node or Electron process, as the window's Attach… dialog lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeProcess {
    pub pid: u32,
    /// Its command line, arguments separated by spaces.
    pub command: String,
    /// The address of its inspector (`127.0.0.1:9229`) when one is open.
    pub inspector: Option<String>,
    /// Started with an inspector that does not answer `/json/list` (`--inspect-publish-uid`
    /// without `http`): open, but reached only by the `ws://` address Node printed on the
    /// process's stderr.
    pub unlisted: bool,
}

/// The Node and Electron processes this user may attach to (this process excluded), by pid.
/// Whether an inspector is open is asked (`GET /json/list`) only on the port the process's inspector
/// flags name (Node's default 9229 without one), so a server's own ports get no unexpected
/// requests — except for a process started with `--inspect=…:0`, whose ports are all asked; each
/// probe waits at most 2 s: call it off the UI thread.
pub fn list_node_processes() -> Vec<NodeProcess> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut pids: Vec<u32> =
        dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).filter(|&p| p != me).collect();
    pids.sort_unstable();
    pids.into_iter()
        .filter(|&pid| check_node(pid).is_ok())
        .map(|pid| {
            let command = proc_strings(pid, "cmdline").join(" ");
            let flags = inspector_flags(&node_options(pid));
            let ports = listening(pid);
            // Only the port its flags name, or all when started with `--inspect=…:0`.
            let all = flags.active && flags.port == 0;
            let inspector = find_inspector(&candidates(&ports, flags, all)).map(|(a, _)| a.to_string());
            let unlisted = inspector.is_none() && flags.active && !flags.publishes_http;
            NodeProcess { pid, command, inspector, unlisted }
        })
        .collect()
}

/// `kill -USR1 PID` (the crate has no `unsafe`, and the `kill` utility is everywhere `/proc` is).
fn signal_usr1(pid: u32) -> Result<(), CaptureError> {
    let out = std::process::Command::new("kill")
        .args(["-USR1", &pid.to_string()])
        .output()
        .map_err(|e| CaptureError::io("running kill -USR1", e))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ermitted") {
        Err(CaptureError::PermissionDenied(pid))
    } else if !alive(pid) {
        Err(CaptureError::NoSuchProcess(pid))
    } else {
        Err(CaptureError::io(format!("kill -USR1 {pid}: {}", err.trim()), std::io::Error::other("failed")))
    }
}

/// Closes the inspector we opened: `require('inspector').close()` evaluated in the process.
/// Node ends every session (ours too, so the evaluation never answers: the closed connection is
/// the expected outcome) and stops listening. Deferring the call instead (`setImmediate`) crashed
/// Node 20 with a segfault when it ran while our session was still attached, so it is synchronous.
/// Then waits (bounded) for the port to stop listening; returns whether it did.
pub fn close_inspector(pid: u32, mut session: super::cdp::Session, ws_url: &str) -> Result<bool, CaptureError> {
    let (host_port, _) = super::cdp::split_ws_url(ws_url)?;
    let port: Option<u16> = host_port.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
    // Node's console API provides `require` (its inspector console extension);
    // `process.mainModule` covers consoles without it.
    let expr = "(typeof require === 'function' ? require : process.mainModule.require)('inspector').close()";
    match session.evaluate(expr) {
        Ok(result) => {
            if let Some(ex) = result.get("exceptionDetails") {
                let message =
                    ex.pointer("/exception/description").and_then(|v| v.as_str()).unwrap_or("exception").to_string();
                return Err(CaptureError::Protocol {
                    addr: host_port.to_string(),
                    method: "Runtime.evaluate".into(),
                    message,
                });
            }
            session.close();
        }
        Err(CaptureError::ClosedDuringCapture(_)) => {}
        Err(e) => return Err(e),
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if !alive(pid) || !listening(pid).iter().any(|&(_, a)| Some(a.port()) == port) {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_net_addresses_decode() {
        assert_eq!(parse_addr("0100007F:2405", false), Some("127.0.0.1:9221".parse().unwrap()));
        assert_eq!(parse_addr("00000000:07E8", false), Some("127.0.0.1:2024".parse().unwrap()));
        assert_eq!(parse_addr("00000000000000000000000001000000:2405", true), Some("[::1]:9221".parse().unwrap()));
    }

    #[test]
    fn inspector_flags_follow_nodes_syntax() {
        let flags = |o: &[&str]| inspector_flags(o);
        let f = |active, port| InspectorFlags { active, port, publishes_http: true, signal_disabled: false };
        assert_eq!(flags(&["app.js"]), f(false, 9229));
        assert_eq!(flags(&["--inspect", "app.js"]), f(true, 9229));
        assert_eq!(flags(&["--inspect=4000", "app.js"]), f(true, 4000));
        assert_eq!(flags(&["--inspect-brk=0.0.0.0:4001"]), f(true, 4001));
        assert_eq!(flags(&["--inspect-wait=[::1]:4002"]), f(true, 4002));
        assert_eq!(flags(&["--inspect=127.0.0.1:0"]), f(true, 0));
        assert_eq!(flags(&["--inspect=localhost"]), f(true, 9229));
        assert_eq!(flags(&["--inspect-port", "4003", "app.js"]), f(false, 4003));
        assert_eq!(flags(&["--inspect-port=4004", "--inspect"]), f(true, 4004));
        // The last one wins, as in Node.
        assert_eq!(flags(&["--inspect=4005", "--debug-port=4006"]), f(true, 4006));
        assert_eq!(flags(&["--inspector", "--inspect-portal=1"]), f(false, 9229));
    }

    #[test]
    fn flags_that_keep_the_inspector_out_of_reach_are_read() {
        let flags = |o: &[&str]| inspector_flags(o);
        assert!(flags(&["app.js"]).publishes_http);
        assert!(!flags(&["--inspect-publish-uid=stderr", "app.js"]).publishes_http);
        assert!(!flags(&["--inspect-publish-uid", "stderr"]).publishes_http);
        assert!(flags(&["--inspect-publish-uid=stderr,http"]).publishes_http);
        assert!(flags(&["--inspect-publish-uid=http"]).publishes_http);
        // The last one wins.
        assert!(flags(&["--inspect-publish-uid=stderr", "--inspect-publish-uid=http"]).publishes_http);
        assert!(!flags(&["app.js"]).signal_disabled);
        assert!(flags(&["--disable-sigusr1", "app.js"]).signal_disabled);
        // Flags read this way change nothing else.
        let f = flags(&["--disable-sigusr1", "--inspect-publish-uid=stderr", "--inspect=4000"]);
        assert_eq!((f.active, f.port), (true, 4000));
    }

    #[test]
    fn the_named_port_is_asked_first_and_the_others_only_when_allowed() {
        let ports: Vec<(u64, SocketAddr)> =
            [3000, 9229, 3001].iter().map(|&p| (u64::from(p), SocketAddr::from(([127, 0, 0, 1], p)))).collect();
        let ask = |port, all| {
            candidates(&ports, InspectorFlags { active: true, port, publishes_http: true, signal_disabled: false }, all)
        };
        let at = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
        assert_eq!(ask(9229, false), [at(9229)]);
        assert_eq!(ask(9229, true), [at(9229), at(3000), at(3001)]);
        assert_eq!(ask(0, false), []);
        assert_eq!(ask(0, true), [at(3000), at(9229), at(3001)]);
        assert_eq!(ask(4000, false), []);
    }

    #[test]
    fn this_process_is_not_node() {
        let me = std::process::id();
        assert!(alive(me));
        assert!(matches!(check_node(me), Err(CaptureError::NotNode { .. })));
        assert!(matches!(check_node(u32::MAX - 1), Err(CaptureError::NoSuchProcess(_))));
    }
}
