//! Who keeps a dataset "busy" once the retries are over: a process in
//! another mount namespace that still has it mounted (a container started
//! with `-v /:/rootfs`, node-exporter, cAdvisor, `unshare -m`), a running
//! `zfs send` of it, or a user hold on one of its snapshots (`zfs hold`).
//! The parsing is pure (unit-tested); [`scan`] reads /proc.

use std::collections::BTreeSet;
use std::fmt;

/// One process found holding the dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    pub comm: String,
    /// Docker's container id (12 characters), from /proc/PID/cgroup.
    pub container: Option<String>,
    pub how: How,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Its mount namespace (not ours) still has the dataset mounted.
    Mount,
    /// A `zfs send` of the dataset or one of its snapshots.
    Send,
}

/// The error context of a dataset that stayed busy: what holds it.
#[derive(Debug)]
pub struct HeldBy {
    pub dataset: String,
    pub holders: Vec<Holder>,
    /// `snapshot (tag)` of every user hold found (`zfs holds`; OpenZFS only).
    pub user_holds: Vec<String>,
}

impl fmt::Display for HeldBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' stayed busy", self.dataset)?;
        if self.holders.is_empty() && self.user_holds.is_empty() {
            return write!(f, " (no holder found in /proc nor in `zfs holds`)");
        }
        let mut parts: Vec<String> = self.holders.iter().map(Holder::describe).collect();
        parts.extend(self.user_holds.iter().map(|h| format!("user hold on {h}")));
        write!(f, "; held by {}", parts.join("; "))
    }
}

impl std::error::Error for HeldBy {}

impl Holder {
    fn describe(&self) -> String {
        let what = match self.how {
            How::Mount => "has it mounted in another mount namespace",
            How::Send => "is sending it",
        };
        match &self.container {
            Some(c) => format!("pid {} ({}) in container {c} {what}", self.pid, self.comm),
            None => format!("pid {} ({}) {what}", self.pid, self.comm),
        }
    }
}

impl HeldBy {
    /// What the user can do about each kind of holder found.
    pub fn hint(&self) -> String {
        let mut h = Vec::new();
        if self.holders.iter().any(|x| x.container.is_some()) {
            h.push("stop the container named (`docker stop ID`), or start it without a bind mount of / or of the pool (e.g. `-v /:/rootfs:rslave` lets unmounts reach it)".to_string());
        }
        if self
            .holders
            .iter()
            .any(|x| x.container.is_none() && x.how == How::Mount)
        {
            h.push("end the process named, or unmount the dataset in its namespace (`nsenter -t PID -m umount MOUNTPOINT`)".to_string());
        }
        if self.holders.iter().any(|x| x.how == How::Send) {
            h.push("wait for the `zfs send` to finish, or stop it".to_string());
        }
        if !self.user_holds.is_empty() {
            h.push(
                "release the holds (`zfs release TAG SNAPSHOT`) if nothing needs them".to_string(),
            );
        }
        if h.is_empty() {
            h.push("a process may still use the dataset's files (`fuser -vm MOUNTPOINT`); wait a moment and run the command again".to_string());
        }
        h.push("then run the command again".to_string());
        h.join("; ")
    }
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|o| o.iter().all(|c| (b'0'..=b'7').contains(c)));
        if let (b'\\', Some(o)) = (b[i], oct) {
            // Three octal digits: at most 0o777, which wraps in a u8 only for
            // input the kernel never writes.
            out.push(
                o.iter()
                    .fold(0u8, |v, c| v.wrapping_mul(8).wrapping_add(c - b'0')),
            );
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `name` is `dataset` or under it: a child, a snapshot, a bookmark.
fn is_within(name: &str, dataset: &str) -> bool {
    name == dataset
        || name
            .strip_prefix(dataset)
            .is_some_and(|rest| rest.starts_with(['/', '@', '#']))
}

/// Whether a /proc/PID/mountinfo text lists a mount of `dataset` (or of
/// a dataset or snapshot under it) as its source.
pub fn mountinfo_holds(mountinfo: &str, dataset: &str) -> bool {
    mountinfo.lines().any(|line| {
        // "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - FSTYPE SOURCE SUPER"
        let Some((_, after)) = line.split_once(" - ") else {
            return false;
        };
        let mut f = after.split(' ');
        let fstype = f.next().unwrap_or("");
        let source = unescape(f.next().unwrap_or(""));
        (fstype == "zfs" || fstype.starts_with("fuse.zfs")) && is_within(&source, dataset)
    })
}

/// Docker's container id in a /proc/PID/cgroup text (cgroup v1 `/docker/ID`
/// or v2 `docker-ID.scope`), shortened as `docker ps` shows it.
pub fn container_of(cgroup: &str) -> Option<String> {
    cgroup.lines().find_map(|line| {
        let path = line.splitn(3, ':').nth(2)?;
        path.split('/').find_map(|part| {
            let id = part
                .strip_prefix("docker-")
                .and_then(|p| p.strip_suffix(".scope"))
                .unwrap_or(part);
            (id.len() == 64 && id.bytes().all(|c| c.is_ascii_hexdigit()))
                .then(|| id[..12].to_string())
        })
    })
}

/// Whether a NUL-separated /proc/PID/cmdline is a `zfs send` of `dataset`
/// or of something under it.
pub fn is_send_of(cmdline: &[u8], dataset: &str) -> bool {
    let args: Vec<String> = cmdline
        .split(|&c| c == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let is_zfs = args
        .first()
        .is_some_and(|a| a.rsplit('/').next() == Some("zfs"));
    is_zfs && args.iter().any(|a| a == "send") && args.iter().any(|a| is_within(a, dataset))
}

/// `zfs holds -H` lines as `snapshot (tag)`.
pub fn parse_holds(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(format!("{} ({})", f.next()?, f.next()?))
        })
        .collect()
}

/// Reads every process in /proc: those holding `dataset` from another
/// mount namespace (one per namespace: a container's processes share
/// one) and those sending it. Unreadable entries (processes gone, no
/// permission) are skipped: this only explains an error.
pub fn scan(dataset: &str) -> Vec<Holder> {
    let ours = std::fs::read_link("/proc/self/ns/mnt").ok();
    let mut seen_ns = BTreeSet::new();
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    let mut pids: Vec<u32> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let p = format!("/proc/{pid}");
        let how = if std::fs::read(format!("{p}/cmdline")).is_ok_and(|c| is_send_of(&c, dataset)) {
            How::Send
        } else {
            let Ok(ns) = std::fs::read_link(format!("{p}/ns/mnt")) else {
                continue;
            };
            if Some(&ns) == ours.as_ref() || seen_ns.contains(&ns) {
                continue;
            }
            let Ok(mi) = std::fs::read_to_string(format!("{p}/mountinfo")) else {
                continue;
            };
            if !mountinfo_holds(&mi, dataset) {
                continue;
            }
            seen_ns.insert(ns);
            How::Mount
        };
        let comm = std::fs::read_to_string(format!("{p}/comm")).unwrap_or_default();
        let container = std::fs::read_to_string(format!("{p}/cgroup"))
            .ok()
            .and_then(|c| container_of(&c));
        found.push(Holder {
            pid,
            comm: comm.trim().to_string(),
            container,
            how,
        });
        if found.len() >= 8 {
            break; // enough to act on; the error stays readable
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: &str = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
91 90 0:49 / /stagdbtest/t-a/main rw,relatime - fuse.zfs stagdbtest/t-a/main rw,user_id=0
92 90 0:50 / /tank/s/feat rw,relatime shared:5 - zfs tank/s/feat rw,xattr
93 90 0:51 / /mnt/sp\\040ace rw - zfs tank/sp\\040ace@snap1 rw
";

    #[test]
    fn mountinfo_names_the_dataset_its_children_and_snapshots() {
        assert!(mountinfo_holds(MI, "stagdbtest/t-a/main"));
        assert!(mountinfo_holds(MI, "stagdbtest/t-a"));
        assert!(mountinfo_holds(MI, "tank/s/feat"));
        assert!(mountinfo_holds(MI, "tank/sp ace"));
        // A name that only starts alike is another dataset.
        assert!(!mountinfo_holds(MI, "tank/s/fe"));
        assert!(!mountinfo_holds(MI, "stagdbtest/t-a/mai"));
        // Only zfs mounts count: "proc" as a dataset name is not /proc.
        assert!(!mountinfo_holds(MI, "proc"));
        assert!(!mountinfo_holds("garbage\n\n - \n -", "tank"));
        assert!(!mountinfo_holds("", "tank"));
    }

    #[test]
    fn container_ids_from_cgroup_v1_and_v2() {
        let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let v2 = format!("0::/system.slice/docker-{id}.scope\n");
        let v1 = format!("12:pids:/docker/{id}\n11:cpu:/docker/{id}\n");
        assert_eq!(container_of(&v2).as_deref(), Some("0123456789ab"));
        assert_eq!(container_of(&v1).as_deref(), Some("0123456789ab"));
        assert_eq!(container_of("0::/user.slice/session-1.scope\n"), None);
        assert_eq!(container_of("junk"), None);
    }

    #[test]
    fn zfs_send_of_the_dataset() {
        assert!(is_send_of(
            b"zfs\0send\0-R\0tank/s/main@s1\0",
            "tank/s/main"
        ));
        assert!(is_send_of(b"/sbin/zfs\0send\0tank/s/main@s1\0", "tank/s"));
        assert!(!is_send_of(b"zfs\0send\0tank/s/mainx@s1\0", "tank/s/main"));
        assert!(!is_send_of(b"zfs\0list\0tank/s/main\0", "tank/s/main"));
        assert!(!is_send_of(b"vim\0send\0tank/s/main\0", "tank/s/main"));
    }

    #[test]
    fn holds_and_the_hint() {
        let holds = parse_holds("tank/s/main@s1\tkeep\tMon Dec  7 23:00 2026\n");
        assert_eq!(holds, vec!["tank/s/main@s1 (keep)"]);
        let h = HeldBy {
            dataset: "tank/s/main".into(),
            holders: vec![Holder {
                pid: 42,
                comm: "node_exporter".into(),
                container: Some("0123456789ab".into()),
                how: How::Mount,
            }],
            user_holds: holds,
        };
        let shown = h.to_string();
        assert!(shown.contains("pid 42 (node_exporter) in container 0123456789ab"));
        assert!(shown.contains("user hold on tank/s/main@s1 (keep)"));
        assert!(h.hint().contains("docker stop"));
        assert!(h.hint().contains("zfs release"));
        let none = HeldBy {
            dataset: "tank/s/main".into(),
            holders: vec![],
            user_holds: vec![],
        };
        assert!(none.to_string().contains("no holder found"));
        assert!(none.hint().contains("fuser"));
    }
}
