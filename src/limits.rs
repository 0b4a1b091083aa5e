//! Per-branch memory and CPU limits: parsed from the command line, kept in
//! `stagdb:memory` (bytes) and `stagdb:cpus` (a decimal) on a branch (and
//! on the store root as the defaults a new branch takes when it is made),
//! applied as the container engine's limits at every start.

use std::fmt;

/// Below this PostgreSQL hardly starts (Docker itself refuses < 6 MiB).
pub const MIN_MEMORY: u64 = 64 << 20;
/// Docker's own floor: a quota of 1% of one CPU.
const MIN_CPUS_MILLI: u32 = 10;

/// CPUs, in thousandths of one (Docker takes them as nano-CPUs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cpus(pub u32);

impl Cpus {
    pub fn nano(self) -> i64 {
        i64::from(self.0) * 1_000_000
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl fmt::Display for Cpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 1000, self.0 % 1000);
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

/// A branch's limits (or the store's defaults); `None`: unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub memory: Option<u64>,
    pub cpus: Option<Cpus>,
}

impl Limits {
    /// The ZFS properties that record them (none for an unlimited one).
    pub fn props(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(m) = self.memory {
            v.push((crate::props::MEMORY, m.to_string()));
        }
        if let Some(c) = self.cpus {
            v.push((crate::props::CPUS, c.to_string()));
        }
        v
    }

    /// These limits with the given changes.
    pub fn with(self, c: Change) -> Limits {
        Limits {
            memory: c.memory.unwrap_or(self.memory),
            cpus: c.cpus.unwrap_or(self.cpus),
        }
    }

    /// `memory 256 MiB, 1.5 CPUs`, or `none`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = self.memory {
            parts.push(format!("memory {}", mib(m)));
        }
        if let Some(c) = self.cpus {
            parts.push(format!("{c} CPU{}", if c.0 == 1000 { "" } else { "s" }));
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// PostgreSQL settings for a server confined to `memory`: sized from
    /// the limit rather than for the host (shared buffers a quarter of it,
    /// the planner told the cache is three quarters), per-sort and
    /// maintenance memory never more than a small share of it.
    pub fn pg_settings(&self) -> Vec<(&'static str, String)> {
        let Some(m) = self.memory else {
            return Vec::new();
        };
        let kb = |b: u64| format!("{}kB", (b / 1024).max(64));
        vec![
            ("shared_buffers", kb(m / 4)),
            ("effective_cache_size", kb(m / 4 * 3)),
            ("work_mem", kb((m / 64).min(4 << 20))),
            ("maintenance_work_mem", kb((m / 16).min(64 << 20))),
        ]
    }
}

/// `256 MiB`, `1.5 GiB`: how limits are shown (exact in MiB when whole).
pub fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// What `--memory` and `--cpus` ask for: `None` leaves a limit as it is,
/// `Some(None)` removes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    pub memory: Option<Option<u64>>,
    pub cpus: Option<Option<Cpus>>,
}

impl Change {
    /// From the flags' values (unparsed), refused with the reason.
    pub fn parse(memory: Option<&str>, cpus: Option<&str>) -> Result<Change, String> {
        Ok(Change {
            memory: memory.map(parse_memory_arg).transpose()?,
            cpus: cpus.map(parse_cpus_arg).transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.memory.is_none() && self.cpus.is_none()
    }
}

/// `--memory` / `--cpus` value: a limit, or `none` (unlimited).
pub fn parse_memory_arg(s: &str) -> Result<Option<u64>, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    parse_memory(s).map(Some)
}

pub fn parse_cpus_arg(s: &str) -> Result<Option<Cpus>, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    parse_cpus(s).map(Some)
}

/// A size: bytes, or a whole number with a binary unit as Docker reads
/// them (`k`, `m`, `g`, `t`, also `KiB`, `MB`, ...: all powers of 1024).
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => {
            return Err(format!(
                "memory size '{s}' is not a whole number with an optional unit (e.g. 512m, 2g, 1073741824)"
            ));
        }
    };
    let n: u64 = num.parse().map_err(|_| {
        format!("memory size '{s}' is not a whole number with an optional unit (e.g. 512m, 2g)")
    })?;
    let bytes = n
        .checked_mul(1u64 << shift)
        .filter(|b| *b <= i64::MAX as u64)
        .ok_or_else(|| format!("memory size '{s}' is too large"))?;
    if bytes < MIN_MEMORY {
        return Err(format!(
            "memory size '{s}' is below {}: PostgreSQL needs at least that much to start and serve a few connections",
            mib(MIN_MEMORY)
        ));
    }
    Ok(bytes)
}

/// A number of CPUs: a decimal with at most 3 places, at least 0.01.
pub fn parse_cpus(s: &str) -> Result<Cpus, String> {
    let bad = || format!("CPU count '{s}' is not a decimal number such as 1, 0.5 or 2.25");
    let t = s.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 3
    {
        return Err(bad());
    }
    let w: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let f: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().map_err(|_| bad())?
    };
    let milli = w
        .checked_mul(1000)
        .and_then(|m| m.checked_add(f))
        .filter(|m| *m <= 1_000_000)
        .ok_or_else(|| format!("CPU count '{s}' is too large"))?;
    if milli < MIN_CPUS_MILLI {
        return Err(format!(
            "CPU count '{s}' is below 0.01, the least the engine allows"
        ));
    }
    Ok(Cpus(milli))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_sizes_parse() {
        assert_eq!(parse_memory("256m"), Ok(256 << 20));
        assert_eq!(parse_memory("2g"), Ok(2 << 30));
        assert_eq!(parse_memory("512MiB"), Ok(512 << 20));
        assert_eq!(parse_memory("1GB"), Ok(1 << 30));
        assert_eq!(parse_memory("134217728"), Ok(128 << 20));
        for bad in [
            "",
            "m",
            "1.5g",
            "-1g",
            "12x",
            "32m",
            "1 g",
            "99999999999t",
            "0",
        ] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_memory_arg("none"), Ok(None));
    }

    #[test]
    fn limits_cpus_parse_and_print() {
        assert_eq!(parse_cpus("1"), Ok(Cpus(1000)));
        assert_eq!(parse_cpus("0.5"), Ok(Cpus(500)));
        assert_eq!(parse_cpus(".25"), Ok(Cpus(250)));
        assert_eq!(
            parse_cpus("2.125").map(|c| c.to_string()),
            Ok("2.125".into())
        );
        assert_eq!(Cpus(1500).to_string(), "1.5");
        assert_eq!(Cpus(2000).to_string(), "2");
        assert_eq!(Cpus(1500).nano(), 1_500_000_000);
        for bad in [
            "", ".", "0", "0.001", "1.2345", "-1", "1e3", "abc", "1.", "5000000",
        ] {
            if bad == "1." {
                assert_eq!(parse_cpus(bad), Ok(Cpus(1000)));
                continue;
            }
            assert!(parse_cpus(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_pg_settings_follow_the_memory() {
        let l = Limits {
            memory: Some(512 << 20),
            cpus: None,
        };
        let s = l.pg_settings();
        assert!(s.contains(&("shared_buffers", "131072kB".to_string())));
        assert!(s.contains(&("effective_cache_size", "393216kB".to_string())));
        assert!(Limits::default().pg_settings().is_empty());
        assert_eq!(l.describe(), "memory 512 MiB");
    }
}
