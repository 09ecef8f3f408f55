//! CPU time and resident memory of processes and threads, read from /proc
//! (Linux only, as the benchmarks are). Hand-read rather than through the
//! `procfs` crate: three fields of two files, and the crate would pull in a
//! platform layer for them.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; Linux
/// has used 100 on every common platform, the fallback if getconf fails).
fn ticks_per_sec() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// One /proc/…/stat line: the command name and the CPU seconds.
pub struct Stat {
    pub comm: String,
    /// utime + stime: this process (or thread) itself.
    pub own: f64,
    /// cutime + cstime: its children that exited and were waited for.
    /// PostgreSQL's postmaster and Redis reap their children, so a backend
    /// that exits mid-run still counts, in its parent.
    pub children: f64,
}

/// Reads a `stat` file (of a process or of a thread).
pub fn read_stat(path: &Path) -> Option<Stat> {
    let text = fs::read_to_string(path).ok()?;
    // The name is in parentheses and may hold spaces or parentheses itself:
    // the fields after it start after the last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3 (index 0), utime 14, stime 15,
    // cutime 16, cstime 17 (proc(5)).
    let tick = |i: usize| fields.get(i)?.parse::<f64>().ok();
    let hz = ticks_per_sec();
    Some(Stat {
        comm,
        own: (tick(11)? + tick(12)?) / hz,
        children: (tick(13)? + tick(14)?) / hz,
    })
}

/// Every process id under /proc.
pub fn all_pids() -> Vec<u32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Processes whose command name is exactly `comm`.
pub fn pids_named(comm: &str) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|pid| read_stat(&stat_path(*pid)).is_some_and(|s| s.comm == comm))
        .collect()
}

pub fn stat_path(pid: u32) -> std::path::PathBuf {
    Path::new("/proc").join(pid.to_string()).join("stat")
}

/// The command line of `pid`, arguments joined by spaces (PostgreSQL
/// backends show `postgres: USER DATABASE HOST(PORT) STATE` there).
pub fn cmdline(pid: u32) -> String {
    fs::read(Path::new("/proc").join(pid.to_string()).join("cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// CPU seconds of each thread of this process, by thread name.
pub fn own_threads() -> Vec<Stat> {
    let Ok(dir) = fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| read_stat(&e.ok()?.path().join("stat")))
        .collect()
}

/// Resident memory of `pid` in KiB (`VmRSS` of /proc/PID/status).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status =
        fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Processes listening on TCP `port` (any address): the socket's inode from
/// /proc/net/tcp{,6}, then the processes holding it among their fds.
pub fn pids_listening(port: u16) -> Vec<u32> {
    const LISTEN: &str = "0A";
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let local_port = f
                .get(1)
                .and_then(|a| a.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port) && f.get(3) == Some(&LISTEN) {
                inodes.extend(f.get(9).map(|i| format!("socket:[{i}]")));
            }
        }
    }
    all_pids()
        .into_iter()
        .filter(|pid| {
            let fds = Path::new("/proc").join(pid.to_string()).join("fd");
            fs::read_dir(fds).is_ok_and(|dir| {
                dir.filter_map(|e| fs::read_link(e.ok()?.path()).ok())
                    .any(|link| inodes.iter().any(|i| link.as_os_str() == i.as_str()))
            })
        })
        .collect()
}
