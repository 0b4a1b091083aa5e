//! Output: data on stdout (tables or JSON), status on stderr; prompts.

use std::fmt::Display;
use std::io::Write;

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, ContentArrangement, Table};
use serde::Serialize;

use crate::error::{CmdResult, usage_error, user_error};
use crate::settings::Settings;

#[derive(Debug, Clone)]
pub struct Printer {
    pub quiet: bool,
    pub color_out: bool,
    pub color_err: bool,
    /// On a terminal (without -q or -v): where live progress is drawn; lines
    /// printed meanwhile go above it.
    pub live: Option<indicatif::MultiProgress>,
}

impl Printer {
    pub fn new(s: &Settings) -> Printer {
        Printer {
            quiet: s.quiet,
            color_out: s.color_out,
            color_err: s.color_err,
            // -v traces every zfs and Docker call straight to stderr, which
            // would tear through the bars: lines only.
            live: (live_progress(s.quiet) && !s.verbose).then(|| {
                indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr())
            }),
        }
    }

    /// A line on stderr, above any live progress.
    fn err_line(&self, line: &str) {
        let write = || {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        };
        match &self.live {
            Some(mp) => mp.suspend(write),
            None => write(),
        }
    }

    /// A progress or result message for humans, on stderr; silenced by -q.
    pub fn status(&self, msg: impl Display) {
        if !self.quiet {
            self.err_line(&msg.to_string());
        }
    }

    /// A line on stderr even with -q: a finished phase of a long command.
    pub fn always(&self, msg: impl Display) {
        self.err_line(&msg.to_string());
    }

    /// A warning on stderr; shown even with -q.
    pub fn warn(&self, msg: impl Display) {
        let (y, r) = if self.color_err {
            ("\x1b[1;33m", "\x1b[0m")
        } else {
            ("", "")
        };
        self.err_line(&format!("{y}warning:{r} {msg}"));
    }

    /// One line of data on stdout.
    pub fn line(&self, s: impl Display) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{s}")?;
        out.flush()
    }

    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> CmdResult {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }

    /// A borderless table, like `git branch -v`/`docker ps`.
    pub fn table(&self, header: &[&str], rows: Vec<Vec<Cell>>) -> std::io::Result<()> {
        let mut t = Table::new();
        t.load_preset(NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header.iter().map(Cell::new));
        if !self.color_out {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        for r in rows {
            t.add_row(r);
        }
        // comfy-table pads each cell with one space on both sides; trim the
        // trailing run so lines do not end in blanks.
        let text = t.to_string();
        let mut out = std::io::stdout().lock();
        for l in text.lines() {
            writeln!(
                out,
                "{}",
                l.trim_end().strip_prefix(' ').unwrap_or(l.trim_end())
            )?;
        }
        out.flush()
    }

    pub fn paint(&self, s: &str, code: &str) -> String {
        if self.color_out {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Live progress only for a person watching: stderr a terminal that can
/// redraw a line, and no -q.
fn live_progress(quiet: bool) -> bool {
    use std::io::IsTerminal;
    !quiet && std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// Asks before a destructive step. Without a terminal, requires --yes.
pub fn confirm(settings: &Settings, question: &str) -> CmdResult {
    if settings.yes {
        return Ok(());
    }
    if !settings.interactive {
        return Err(usage_error(format!(
            "{question} - refusing to go on without confirmation"
        ))
        .hint("stdin is not a terminal: pass --yes to confirm"));
    }
    let ok = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| user_error(format!("could not read the answer: {e}")))?;
    if ok {
        Ok(())
    } else {
        Err(user_error("aborted"))
    }
}

/// The space left for a store: what its datasets can write, or, when that is
/// unknown, the pool's free space (which counts ZFS's own reserve), named as such.
pub fn space_left(available: Option<u64>, pool_free: Option<u64>) -> String {
    match (available, pool_free) {
        (Some(a), _) => format!("{} available", human_bytes(a)),
        (None, Some(f)) => format!("{} free", human_bytes(f)),
        (None, None) => "? available".to_string(),
    }
}

/// `1.2 MiB`, `512 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// `3 minutes ago`, from unix seconds.
/// `in 7 hours`, `expired`: when a branch's lifetime ends.
pub fn until(when: i64, now: i64) -> String {
    if when <= now {
        return "expired".to_string();
    }
    let d = when - now;
    let (n, unit) = match d {
        0..=59 => (d, "second"),
        60..=3599 => (d / 60, "minute"),
        3600..=86_399 => (d / 3600, "hour"),
        _ => (d / 86_400, "day"),
    };
    format!("in {n} {unit}{}", if n == 1 { "" } else { "s" })
}

pub fn age(then: i64, now: i64) -> String {
    let d = (now - then).max(0);
    let (n, unit) = match d {
        0..=59 => return "just now".to_string(),
        60..=3599 => (d / 60, "minute"),
        3600..=86_399 => (d / 3600, "hour"),
        86_400..=2_591_999 => (d / 86_400, "day"),
        2_592_000..=31_535_999 => (d / 2_592_000, "month"),
        _ => (d / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// RFC 3339 in UTC, for JSON.
pub fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Local `YYYY-MM-DD HH:MM:SS ZONE`, for humans.
pub fn local_time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub fn now_millis() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// `8h`, `30m`, `2d`, `1w`, `90s`, `1h30m` in seconds (at least one second).
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("invalid duration '{s}': use e.g. 8h, 30m, 2d, 1w or 1h30m");
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: i64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !num.is_empty() || total <= 0 || total > 100 * 366 * 86_400 {
        return Err(bad());
    }
    Ok(total)
}

/// RFC 3339 (`2026-12-01T10:00:00Z`), or local `YYYY-MM-DD[ HH:MM[:SS]]`, in unix seconds.
pub fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t.as_second());
    }
    let civil = s
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            s.parse::<jiff::civil::Date>()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        })
        .map_err(|_| {
            format!("invalid time '{s}': use RFC 3339 (2026-12-01T10:00:00Z) or YYYY-MM-DD[ HH:MM]")
        })?;
    civil
        .to_zoned(jiff::tz::TimeZone::system())
        .map(|z| z.timestamp().as_second())
        .map_err(|e| format!("invalid time '{s}': {e}"))
}

/// A moment for `branch --from-time`, in unix seconds: what [`parse_time`]
/// reads (a bare date is its local midnight, as in git), `now`,
/// `yesterday` (this time one day ago), or `N UNIT ago` with UNIT one of
/// s/sec/second, m/min/minute, h/hour, d/day, w/week (plural or not,
/// `2h ago` too).
pub fn parse_when(s: &str, now: i64) -> Result<i64, String> {
    let t = s.trim();
    match t {
        "now" => return Ok(now),
        "yesterday" => return Ok(now - 86_400),
        _ => {}
    }
    let Some(amount) = t.strip_suffix(" ago") else {
        return parse_time(t).map_err(|e| {
            format!("{e}, or a relative time: yesterday, 2h ago, 30 min ago, 3 days ago")
        });
    };
    let bad = || format!("invalid time '{s}': use e.g. 2h ago, 30 min ago, 3 days ago, 1 week ago");
    let amount = amount.trim();
    let split = amount.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = amount.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad())?;
    let unit = unit.trim();
    let secs: i64 = match unit
        .strip_suffix('s')
        .filter(|u| u.len() > 1)
        .unwrap_or(unit)
    {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3600,
        "d" | "day" => 86_400,
        "w" | "week" => 604_800,
        _ => return Err(bad()),
    };
    n.checked_mul(secs)
        .and_then(|d| now.checked_sub(d))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_relative_and_absolute() {
        let now = 1_796_119_200; // 2026-12-01T10:00:00Z
        assert_eq!(parse_when("now", now), Ok(now));
        assert_eq!(parse_when("yesterday", now), Ok(now - 86_400));
        assert_eq!(parse_when("2h ago", now), Ok(now - 7200));
        assert_eq!(parse_when("30 min ago", now), Ok(now - 1800));
        assert_eq!(parse_when("3 days ago", now), Ok(now - 3 * 86_400));
        assert_eq!(parse_when("1 week ago", now), Ok(now - 604_800));
        assert_eq!(parse_when("90 seconds ago", now), Ok(now - 90));
        assert_eq!(parse_when("2026-12-01T09:00:00Z", now), Ok(now - 3600));
        assert!(parse_when("2026-12-01", now).is_ok());
        for bad in [
            "",
            "ago",
            " ago",
            "2 ago",
            "h ago",
            "2 fortnights ago",
            "-2h ago",
            "2h",
            "2hago",
            "99999999999999999999 days ago",
            "9223372036854775807 weeks ago",
            "tomorrow",
        ] {
            assert!(parse_when(bad, now).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn space_left_names_what_it_measured() {
        assert_eq!(
            space_left(Some(1 << 20), Some(1 << 30)),
            "1.0 MiB available"
        );
        assert_eq!(space_left(None, Some(1 << 30)), "1.0 GiB free");
        assert_eq!(space_left(None, None), "? available");
    }

    #[test]
    fn until_expiry() {
        assert_eq!(until(100, 100), "expired");
        assert_eq!(until(100 + 7 * 3600 + 5, 100), "in 7 hours");
        assert_eq!(until(160, 100), "in 1 minute");
        assert_eq!(until(100 + 2 * 86_400, 100), "in 2 days");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8h"), Ok(8 * 3600));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2d"), Ok(2 * 86_400));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        for bad in [
            "",
            "8",
            "h",
            "0s",
            "-1h",
            "1x",
            "99999999999999999999h",
            "1.5h",
            "101y",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parse_times() {
        assert_eq!(parse_time("2026-12-01T10:00:00Z"), Ok(1_796_119_200));
        assert!(parse_time("2026-12-01 10:00").is_ok());
        assert!(parse_time("2026-12-01").is_ok());
        assert!(parse_time("tomorrow").is_err());
    }

    #[test]
    fn bytes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn ages() {
        assert_eq!(age(100, 100), "just now");
        assert_eq!(age(0, 60), "1 minute ago");
        assert_eq!(age(0, 7200), "2 hours ago");
        assert_eq!(age(0, 86_400 * 3), "3 days ago");
        assert_eq!(age(50, 0), "just now");
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
