//! Parsing of `zfs get -H -p -o name,property,value,source` output, and the
//! escaping stagdb applies to free-text user property values.
//!
//! Pure functions: unit-tested without a pool.

use std::collections::BTreeMap;

/// Where a property's value comes from (the `source` column).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Source {
    Local,
    Default,
    Inherited(String),
    Received,
    Temporary,
    /// `-`: native read-only properties, and user properties that are unset.
    #[default]
    None,
}

impl Source {
    fn parse(s: &str) -> Source {
        match s {
            "local" => Source::Local,
            "default" => Source::Default,
            "received" => Source::Received,
            "temporary" => Source::Temporary,
            "-" | "" => Source::None,
            other => match other.strip_prefix("inherited from ") {
                Some(from) => Source::Inherited(from.to_string()),
                None => Source::None,
            },
        }
    }
}

/// One dataset or snapshot with the properties that were asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub name: String,
    pub props: BTreeMap<String, (String, Source)>,
}

impl Entry {
    /// A native property's value; `None` when absent or `-`.
    pub fn native(&self, prop: &str) -> Option<&str> {
        match self.props.get(prop) {
            Some((v, _)) if v != "-" => Some(v.as_str()),
            _ => None,
        }
    }

    /// A user property's value only when set on this very dataset/snapshot:
    /// user properties are inherited by children and show up on snapshots.
    pub fn local(&self, prop: &str) -> Option<&str> {
        match self.props.get(prop) {
            Some((v, Source::Local)) => Some(v.as_str()),
            _ => None,
        }
    }

    pub fn native_u64(&self, prop: &str) -> Option<u64> {
        self.native(prop).and_then(|v| v.parse().ok())
    }

    pub fn is_snapshot(&self) -> bool {
        self.name.contains('@')
    }
}

/// Parses tab-separated `name property value source` lines. Entries keep the
/// order in which zfs listed them (parents before children, snapshots in
/// creation order).
pub fn parse_get(output: &str) -> Result<Vec<Entry>, String> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (n, line) in output.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let mut cols = line.splitn(4, '\t');
        let (Some(name), Some(prop), Some(value)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(format!(
                "unexpected zfs get output on line {}: {line:?}",
                n + 1
            ));
        };
        let source = Source::parse(cols.next().unwrap_or("-"));
        let i = *index.entry(name.to_string()).or_insert_with(|| {
            entries.push(Entry {
                name: name.to_string(),
                props: BTreeMap::new(),
            });
            entries.len() - 1
        });
        entries[i]
            .props
            .insert(prop.to_string(), (value.to_string(), source));
    }
    Ok(entries)
}

/// Escapes a free-text value (a snapshot message) so that it survives
/// `zfs get -H`'s one-line, tab-separated output: `\` `\t` `\n` `\r`.
pub fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Inverse of [`escape_value`]; unknown escapes are kept as they are.
pub fn unescape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
tank/stagdb\ttype\tfilesystem\t-
tank/stagdb\tstagdb:store\t1\tlocal
tank/stagdb\tstagdb:branch\t-\t-
tank/stagdb/main\ttype\tfilesystem\t-
tank/stagdb/main\tstagdb:store\t1\tinherited from tank/stagdb
tank/stagdb/main\tstagdb:branch\tmain\tlocal
tank/stagdb/main\tused\t1048576\t-
tank/stagdb/main\tmountpoint\t/tank/stagdb/main\tdefault
tank/stagdb/main@s1\ttype\tsnapshot\t-
tank/stagdb/main@s1\tstagdb:branch\tmain\tinherited from tank/stagdb/main
tank/stagdb/main@s1\tstagdb:message\tfirst\\tline\\nsecond\tlocal
";

    #[test]
    fn parses_entries_in_order_with_sources() {
        let entries = parse_get(SAMPLE).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["tank/stagdb", "tank/stagdb/main", "tank/stagdb/main@s1"]
        );
        let root = &entries[0];
        assert_eq!(root.local("stagdb:store"), Some("1"));
        assert_eq!(root.local("stagdb:branch"), None);
        let main = &entries[1];
        // Inherited user properties are not this dataset's own.
        assert_eq!(main.local("stagdb:store"), None);
        assert_eq!(main.local("stagdb:branch"), Some("main"));
        assert_eq!(main.native_u64("used"), Some(1_048_576));
        assert_eq!(main.native("mountpoint"), Some("/tank/stagdb/main"));
        assert_eq!(
            main.props["stagdb:store"].1,
            Source::Inherited("tank/stagdb".into())
        );
        let snap = &entries[2];
        assert!(snap.is_snapshot());
        assert_eq!(snap.local("stagdb:branch"), None);
        assert_eq!(
            unescape_value(snap.local("stagdb:message").unwrap()),
            "first\tline\nsecond"
        );
    }

    #[test]
    fn rejects_truncated_lines() {
        assert!(parse_get("tank\ttype\n").is_err());
        assert_eq!(parse_get("\n\n").unwrap(), Vec::<Entry>::new());
    }

    #[test]
    fn missing_source_column_is_none() {
        let e = parse_get("tank\tused\t5\n").unwrap();
        assert_eq!(e[0].props["used"].1, Source::None);
        assert_eq!(e[0].native("used"), Some("5"));
    }

    #[test]
    fn dash_means_unset() {
        let e = parse_get("tank@x\torigin\t-\t-\n").unwrap();
        assert_eq!(e[0].native("origin"), None);
    }

    #[test]
    fn escaping_round_trips() {
        for s in [
            "",
            "plain",
            "tab\there",
            "multi\nline\r\n",
            "back\\slash\\n literal",
            "ünïcødé ✓",
            "\\",
        ] {
            let e = escape_value(s);
            assert!(!e.contains('\t') && !e.contains('\n'), "{e:?}");
            assert_eq!(unescape_value(&e), s);
        }
        assert_eq!(unescape_value("odd\\q"), "odd\\q");
    }
}
