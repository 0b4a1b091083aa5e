//! A dataset kept busy by a holder stagdb does not own (issue 18, point 4):
//! the error names the holder and what to do.

mod common;

use std::process::{Command, Stdio};

use common::TestStore;

/// Kills the namespace's process at the end, whatever the test did.
struct Holder(std::process::Child);

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn h10_busy_holder_in_another_mount_namespace_is_named() {
    let s = TestStore::new("h10-busy", 47800);
    s.init(15);
    s.ok(&["branch", "feat"]);
    s.ok(&["stop", "feat"]);
    let ds = format!("{}/feat", s.dataset);
    // A private mount namespace made while the branch is mounted keeps its
    // copy of the mount (as a container started with `-v /:/rootfs` does).
    let mut holder = Holder(
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sleep", "600"])
            .stdin(Stdio::null())
            .spawn()
            .expect("unshare"),
    );
    let pid = holder.0.id();
    // Wait until the namespace exists and lists the mount.
    let mut seen = false;
    for _ in 0..100 {
        let mi = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap_or_default();
        let ns = std::fs::read_link(format!("/proc/{pid}/ns/mnt")).ok();
        if ns != std::fs::read_link("/proc/self/ns/mnt").ok() && mi.contains(&ds) {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(seen, "the second namespace never listed {ds}");

    let err = s.fails(&["-y", "rm", "feat"], 1);
    assert!(
        err.contains(&format!("pid {pid} (sleep)")) && err.contains("another mount namespace"),
        "{err}"
    );
    assert!(
        err.contains("hint:") && err.contains("nsenter -t PID -m umount"),
        "{err}"
    );
    assert!(
        err.contains("dataset is busy"),
        "the zfs error stays: {err}"
    );

    // The holder gone, the same command goes through.
    let _ = holder.0.kill();
    let _ = holder.0.wait();
    s.ok(&["-y", "rm", "feat"]);
    assert!(!s.branch_rows().iter().any(|b| b.0 == "feat"));
}
