//! Host port allocation for branch containers.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, TcpListener};
use std::str::FromStr;

/// An inclusive range of TCP ports, written `LOW-HIGH` (e.g. `55433-55999`).
///
/// Always satisfies `1 <= low <= high` when built through [`FromStr`] or
/// [`PortRange::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PortRange {
    /// The first port in the range.
    pub low: u16,
    /// The last port in the range (inclusive).
    pub high: u16,
}

impl PortRange {
    /// A checked constructor: rejects port 0 and `low > high`.
    pub fn new(low: u16, high: u16) -> Result<Self, PortRangeError> {
        if low == 0 || high == 0 {
            return Err(PortRangeError::Zero);
        }
        if low > high {
            return Err(PortRangeError::Reversed { low, high });
        }
        Ok(PortRange { low, high })
    }

    /// Whether `port` lies within the range.
    pub fn contains(&self, port: u16) -> bool {
        (self.low..=self.high).contains(&port)
    }

    /// How many ports the range holds (empty if `low > high`).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        (self.low..=self.high).count()
    }

    /// True if the range holds no ports (only possible when built by hand
    /// with `low > high`).
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.low > self.high
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.low, self.high)
    }
}

/// Why a port range could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRangeError {
    /// The text is not of the form `LOW-HIGH`.
    Format(String),
    /// One side is not a number from 1 to 65535.
    NotAPort(String),
    /// Port 0 means "any port" to the OS, so it cannot be part of a range.
    Zero,
    /// `low` is greater than `high`.
    Reversed {
        /// The given low end.
        low: u16,
        /// The given high end.
        high: u16,
    },
}

impl fmt::Display for PortRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRangeError::Format(s) => write!(
                f,
                "port range '{}' is not valid: expected LOW-HIGH, e.g. 55433-55999",
                s.escape_debug()
            ),
            PortRangeError::NotAPort(s) => write!(
                f,
                "port range is not valid: '{}' is not a port number (1-65535)",
                s.escape_debug()
            ),
            PortRangeError::Zero => {
                f.write_str("port range is not valid: port 0 cannot be used (it means 'any port')")
            }
            PortRangeError::Reversed { low, high } => write!(
                f,
                "port range '{low}-{high}' is not valid: the low port {low} is greater than the high port {high}"
            ),
        }
    }
}

impl std::error::Error for PortRangeError {}

fn parse_port(s: &str) -> Result<u16, PortRangeError> {
    // `u16::from_str` accepts a leading '+'; insist on plain digits.
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortRangeError::NotAPort(s.to_owned()));
    }
    s.parse::<u16>()
        .map_err(|_| PortRangeError::NotAPort(s.to_owned()))
}

impl FromStr for PortRange {
    type Err = PortRangeError;

    /// Parses `LOW-HIGH`; whitespace around either number is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((low, high)) = s.split_once('-') else {
            return Err(PortRangeError::Format(s.to_owned()));
        };
        let (low, high) = (low.trim(), high.trim());
        if low.is_empty() || high.is_empty() {
            return Err(PortRangeError::Format(s.to_owned()));
        }
        PortRange::new(parse_port(low)?, parse_port(high)?)
    }
}

/// The lowest port in `range` that is not in `taken` and for which `is_free`
/// returns true, or `None` if there is none.
///
/// `is_free` is only called for ports not in `taken`, in ascending order, and
/// not again after it first returns true.
pub fn choose_port(
    range: PortRange,
    taken: &BTreeSet<u16>,
    mut is_free: impl FnMut(u16) -> bool,
) -> Option<u16> {
    (range.low..=range.high).find(|port| !taken.contains(port) && is_free(*port))
}

/// Ports as compact text, `55433-55440,55500`: the store's port index.
pub fn format_set(ports: &BTreeSet<u16>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = ports.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end.wrapping_add(1))) && end < u16::MAX {
            end = it.next().unwrap_or(end);
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    out.join(",")
}

/// Inverse of [`format_set`]; `None` for anything it would not write.
pub fn parse_set(s: &str) -> Option<BTreeSet<u16>> {
    let mut set = BTreeSet::new();
    if s.is_empty() {
        return Some(set);
    }
    let port = |s: &str| parse_port(s).ok().filter(|p| *p != 0);
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (port(a)?, port(b)?);
                if a > b {
                    return None;
                }
                set.extend(a..=b);
            }
            None => {
                set.insert(port(part)?);
            }
        }
    }
    Some(set)
}

/// Probes whether `port` can be bound on `addr` right now, by binding (and
/// immediately releasing) a TCP listener there.
///
/// This only sees sockets; a port published by Docker through iptables alone
/// (userland proxy disabled) looks free, so callers should also exclude
/// ports they know are assigned. The answer can change at any moment, so
/// the eventual bind can still fail. Port 0 is never reported free.
pub fn port_is_free(addr: IpAddr, port: u16) -> bool {
    port != 0 && TcpListener::bind((addr, port)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn port_sets_round_trip() {
        for ports in [
            vec![],
            vec![5],
            vec![1, 2, 3, 7, 9, 10],
            vec![65534, 65535],
            (55433..=55999).collect::<Vec<u16>>(),
        ] {
            let set: BTreeSet<u16> = ports.into_iter().collect();
            let text = format_set(&set);
            assert_eq!(parse_set(&text), Some(set), "{text}");
        }
        assert_eq!(format_set(&[1, 2, 3, 7].into()), "1-3,7");
        for bad in ["x", "1-", "3-1", "0", "1,,2", "70000", " 1", "1\n2"] {
            assert_eq!(parse_set(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_and_displays() {
        let r: PortRange = "55433-55999".parse().unwrap();
        assert_eq!(
            r,
            PortRange {
                low: 55433,
                high: 55999
            }
        );
        assert_eq!(r.to_string(), "55433-55999");
        assert_eq!(r.to_string().parse::<PortRange>(), Ok(r));
        assert_eq!(
            " 1 - 65535 ".parse::<PortRange>(),
            Ok(PortRange {
                low: 1,
                high: 65535
            })
        );
        assert_eq!(
            "5432-5432".parse::<PortRange>(),
            Ok(PortRange {
                low: 5432,
                high: 5432
            })
        );
    }

    #[test]
    fn parse_errors_say_why() {
        let err = |s: &str| s.parse::<PortRange>().unwrap_err();
        assert_eq!(
            err("6000-5000"),
            PortRangeError::Reversed {
                low: 6000,
                high: 5000
            }
        );
        assert_eq!(
            err("6000-5000").to_string(),
            "port range '6000-5000' is not valid: the low port 6000 is greater than the high port 5000"
        );
        assert_eq!(err("0-100"), PortRangeError::Zero);
        assert_eq!(err("100-0"), PortRangeError::Zero);
        assert!(err("0-100").to_string().contains("port 0"));
        assert_eq!(err("abc-100"), PortRangeError::NotAPort("abc".into()));
        assert_eq!(
            err("abc-100").to_string(),
            "port range is not valid: 'abc' is not a port number (1-65535)"
        );
        assert_eq!(err("1-65536"), PortRangeError::NotAPort("65536".into()));
        assert_eq!(err("+1-5"), PortRangeError::NotAPort("+1".into()));
        assert_eq!(err("1-2-3"), PortRangeError::NotAPort("2-3".into()));
        assert_eq!(err("5432"), PortRangeError::Format("5432".into()));
        assert_eq!(err(""), PortRangeError::Format("".into()));
        assert_eq!(err("-5"), PortRangeError::Format("-5".into()));
        assert_eq!(err("5-"), PortRangeError::Format("5-".into()));
        assert_eq!(
            err("5432").to_string(),
            "port range '5432' is not valid: expected LOW-HIGH, e.g. 55433-55999"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(err("x"));
        assert!(boxed.to_string().contains("LOW-HIGH"));
    }

    #[test]
    fn new_and_helpers() {
        assert_eq!(PortRange::new(1, 1), Ok(PortRange { low: 1, high: 1 }));
        assert_eq!(PortRange::new(0, 1), Err(PortRangeError::Zero));
        assert!(PortRange::new(2, 1).is_err());
        let r = PortRange::new(10, 20).unwrap();
        assert!(r.contains(10) && r.contains(20) && !r.contains(9) && !r.contains(21));
        assert_eq!(r.len(), 11);
        assert!(!r.is_empty());
        assert_eq!(
            PortRange {
                low: 1,
                high: 65535
            }
            .len(),
            65535
        );
        let hand_made = PortRange { low: 5, high: 4 };
        assert!(hand_made.is_empty());
        assert_eq!(hand_made.len(), 0);
    }

    #[test]
    fn serializes_as_struct() {
        let json = serde_json::to_string(&PortRange { low: 1, high: 2 }).unwrap();
        assert_eq!(json, r#"{"low":1,"high":2}"#);
    }

    #[test]
    fn chooses_lowest_available() {
        let range = PortRange {
            low: 100,
            high: 105,
        };
        let none = BTreeSet::new();
        assert_eq!(choose_port(range, &none, |_| true), Some(100));

        let taken: BTreeSet<u16> = [100, 101, 103].into();
        assert_eq!(choose_port(range, &taken, |_| true), Some(102));
        assert_eq!(choose_port(range, &taken, |p| p != 102), Some(104));
        assert_eq!(choose_port(range, &taken, |_| false), None);

        let all: BTreeSet<u16> = (100..=105).collect();
        assert_eq!(choose_port(range, &all, |_| true), None);

        // Taken ports outside the range are irrelevant.
        let outside: BTreeSet<u16> = [99, 106].into();
        assert_eq!(choose_port(range, &outside, |_| true), Some(100));
    }

    #[test]
    fn probes_only_untaken_ports_in_order() {
        let range = PortRange { low: 10, high: 20 };
        let taken: BTreeSet<u16> = [10, 12].into();
        let mut probed = Vec::new();
        let chosen = choose_port(range, &taken, |p| {
            probed.push(p);
            p >= 14
        });
        assert_eq!(chosen, Some(14));
        assert_eq!(probed, vec![11, 13, 14]);
    }

    #[test]
    fn handles_top_of_port_space() {
        // The inclusive range must not overflow at 65535.
        let range = PortRange {
            low: 65534,
            high: 65535,
        };
        let taken: BTreeSet<u16> = [65534].into();
        assert_eq!(choose_port(range, &taken, |_| true), Some(65535));
        assert_eq!(choose_port(range, &taken, |_| false), None);
    }

    #[test]
    fn probe_sees_a_bound_port() {
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let listener = TcpListener::bind((localhost, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(!port_is_free(localhost, port));
        // Binding the wildcard address overlaps with the listener too.
        assert!(!port_is_free(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port));
        drop(listener);
        assert!(port_is_free(localhost, port));
    }

    #[test]
    fn probe_never_reports_port_zero() {
        assert!(!port_is_free(IpAddr::V4(Ipv4Addr::LOCALHOST), 0));
    }

    #[test]
    fn choose_with_real_probe_skips_busy_port() {
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let listener = TcpListener::bind((localhost, 0)).unwrap();
        let busy = listener.local_addr().unwrap().port();
        let range = PortRange {
            low: busy,
            high: busy,
        };
        assert_eq!(
            choose_port(range, &BTreeSet::new(), |p| port_is_free(localhost, p)),
            None
        );
    }
}
