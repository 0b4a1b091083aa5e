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
    /// `received` counts as set here: a store restored or replicated with
    /// `zfs send -R | zfs receive` has every value received (a local value
    /// set since overrides it, and zfs shows that one as `local`).
    pub fn local(&self, prop: &str) -> Option<&str> {
        match self.props.get(prop) {
            Some((v, Source::Local | Source::Received)) => Some(v.as_str()),
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

/// Whether a name is a bookmark's (`dataset#bookmark`): no dataset or
/// snapshot name holds `#`. OpenZFS's `zfs get -r` lists bookmarks (zrepl
/// and syncoid make them); stagdb neither reads nor touches them.
pub fn is_bookmark(name: &str) -> bool {
    name.contains('#')
}

/// The search for stores on the host, pool by pool and level by level,
/// as data: the caller runs `zpool` ([`StoreSearch::POOLS`]) and each
/// `zfs` command [`StoreSearch::next_args`] asks for, and feeds back its
/// output; `stores` holds what was found.
pub struct StoreSearch {
    level: Vec<String>,
    rounds: usize,
    pub stores: Vec<Entry>,
}

impl StoreSearch {
    /// `zpool` arguments that list the pools, one name a line.
    pub const POOLS: [&'static str; 4] = ["list", "-H", "-o", "name"];
    /// What the search reads of each dataset.
    pub const PROPS: [&'static str; 4] = [
        crate::props::STORE,
        crate::props::PORTS,
        crate::props::HEAD_PORT,
        crate::props::NETWORK,
    ];

    pub fn new(pools: &str) -> StoreSearch {
        StoreSearch {
            level: pools
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            rounds: 0,
            stores: Vec::new(),
        }
    }

    /// The `zfs` arguments of the next level, or `None` when done (ZFS
    /// nests datasets at most about 50 deep: 64 levels at most).
    pub fn next_args(&self) -> Option<Vec<String>> {
        if self.level.is_empty() || self.rounds >= 64 {
            return None;
        }
        let mut args = super::get_depth1_args(&Self::PROPS.join(","));
        args.extend(self.level.iter().cloned());
        Some(args)
    }

    pub fn feed(&mut self, output: &str) -> Result<(), String> {
        let entries = parse_get(output, &Self::PROPS, &[])?;
        let (found, next) = store_search_step(entries, &self.level);
        self.stores.extend(found);
        self.level = next;
        self.rounds += 1;
        Ok(())
    }
}

/// One level of the search for stores, from `zfs get -d 1` of the
/// `queried` datasets: the stores found (their own `stagdb:store` set),
/// and the datasets to search next: children that are not stores and not
/// in one (a store's branches hold no other store). Level by level, no
/// snapshot but the queried datasets' own is read; a recursive read of
/// the pools walks every branch's.
pub fn store_search_step(entries: Vec<Entry>, queried: &[String]) -> (Vec<Entry>, Vec<String>) {
    let is_store = |e: &Entry| !e.is_snapshot() && e.local(crate::props::STORE).is_some();
    let stores: Vec<String> = entries
        .iter()
        .filter(|e| is_store(e))
        .map(|e| e.name.clone())
        .collect();
    let next = entries
        .iter()
        .filter(|e| !e.is_snapshot() && !is_store(e) && !queried.contains(&e.name))
        .filter(|e| {
            e.name
                .rsplit_once('/')
                .is_some_and(|(parent, _)| !stores.iter().any(|s| s == parent))
        })
        .map(|e| e.name.clone())
        .collect();
    (entries.into_iter().filter(is_store).collect(), next)
}

/// Parses `zfs get -H -o name,property,value,source PROPS` output, where
/// PROPS are the properties asked for, in the order asked. Entries keep the
/// order in which zfs listed them (parents before children, snapshots in
/// creation order).
///
/// A user property can hold any bytes, newlines and tabs included, and `-H`
/// does not escape them. So a line starts a new record only where zfs would
/// start one: for the same dataset, a property asked for *after* the current
/// one; for another dataset, one not seen before. Any other line continues
/// the current value (after a newline), and the source is the text after
/// the record's last tab (no source contains a tab). A value holding a
/// newline is then visibly corrupt to the caller, naming its dataset and
/// property, instead of breaking the whole read.
///
/// `roots` (when not empty) are the datasets asked for: a record of any
/// other name, which only a value's forged line could make, is not one.
pub fn parse_get(output: &str, props: &[&str], roots: &[&str]) -> Result<Vec<Entry>, String> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    // The record being read: entry index, property, property rank, raw text after `prop\t`.
    let mut cur: Option<(usize, String, usize, String)> = None;
    let rank = |p: &str| props.iter().position(|q| *q == p);
    let within = |name: &str| {
        roots.is_empty()
            || roots.iter().any(|r| {
                name.strip_prefix(r)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '@', '#']))
            })
    };

    fn finish(entries: &mut [Entry], rec: Option<(usize, String, usize, String)>) {
        if let Some((i, prop, _, raw)) = rec {
            let (value, source) = match raw.rsplit_once('\t') {
                Some((v, s)) => (v.to_string(), Source::parse(s)),
                None => (raw, Source::None),
            };
            entries[i].props.insert(prop, (value, source));
        }
    }

    let body = output.strip_suffix('\n').unwrap_or(output);
    for (n, line) in body.split('\n').enumerate() {
        let mut cols = line.splitn(3, '\t');
        let start = match (cols.next(), cols.next(), cols.next()) {
            (Some(name), Some(prop), Some(rest)) if !name.is_empty() => {
                match (rank(prop), &cur) {
                    (Some(r), Some((ci, _, cr, _))) if entries[*ci].name == name => {
                        (r > *cr).then_some((name, prop, r, rest))
                    }
                    (Some(r), _) if !index.contains_key(name) && within(name) => {
                        Some((name, prop, r, rest))
                    }
                    // Without a list of properties (tests, ad hoc calls): any line.
                    (None, _) if props.is_empty() => Some((name, prop, 0, rest)),
                    _ => None,
                }
            }
            _ => None,
        };
        match start {
            Some((name, prop, r, rest)) => {
                finish(&mut entries, cur.take());
                let i = *index.entry(name.to_string()).or_insert_with(|| {
                    entries.push(Entry {
                        name: name.to_string(),
                        props: BTreeMap::new(),
                    });
                    entries.len() - 1
                });
                cur = Some((i, prop.to_string(), r, rest.to_string()));
            }
            None => match &mut cur {
                Some((_, _, _, raw)) => {
                    raw.push('\n');
                    raw.push_str(line);
                }
                None if line.is_empty() => {}
                None => {
                    return Err(format!(
                        "unexpected zfs get output on line {}: {line:?}",
                        n + 1
                    ));
                }
            },
        }
    }
    finish(&mut entries, cur.take());
    // Read (so that their lines are not taken for a value's), then left out.
    entries.retain(|e| !is_bookmark(&e.name));
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
        let entries = parse_get(SAMPLE, &[], &[]).unwrap();
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
    fn bookmarks_are_left_out_and_received_values_count() {
        // OpenZFS's `zfs get -r` lists bookmarks, of the root too; a
        // `zfs receive`d store has every value `received`.
        let out = "\
tank/s\tstagdb:store\t1\treceived
tank/s#b0\tstagdb:store\t-\t-
tank/s/main\tstagdb:branch\tmain\treceived
tank/s/main@a\tstagdb:branch\tmain\tinherited from tank/s/main
tank/s/main#zrepl_1\tstagdb:branch\t-\t-
";
        let entries = parse_get(out, &["stagdb:store", "stagdb:branch"], &["tank/s"]).unwrap();
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["tank/s", "tank/s/main", "tank/s/main@a"]);
        assert_eq!(entries[0].local("stagdb:store"), Some("1"));
        assert_eq!(entries[1].local("stagdb:branch"), Some("main"));
        assert_eq!(entries[2].local("stagdb:branch"), None);
    }

    #[test]
    fn rejects_truncated_lines() {
        assert!(parse_get("tank\ttype\n", &[], &[]).is_err());
        assert_eq!(parse_get("", &[], &[]).unwrap(), Vec::<Entry>::new());
    }

    #[test]
    fn missing_source_column_is_none() {
        let e = parse_get("tank\tused\t5\n", &[], &[]).unwrap();
        assert_eq!(e[0].props["used"].1, Source::None);
        assert_eq!(e[0].native("used"), Some("5"));
    }

    #[test]
    fn store_search_descends_around_stores() {
        let props = ["stagdb:store", "stagdb:ports", "stagdb:head_port"];
        let step = |out: &str, queried: &[&str]| {
            let q: Vec<String> = queried.iter().map(|s| s.to_string()).collect();
            let (found, next) = store_search_step(parse_get(out, &props, &[]).unwrap(), &q);
            (found.into_iter().map(|e| e.name).collect::<Vec<_>>(), next)
        };
        // Level 0: the pools. A store at depth 1; its branches are not read.
        let out = "tank\tstagdb:store\t-\t-\n\
                   tank@old\tstagdb:store\t-\t-\n\
                   tank/stagdb\tstagdb:store\t1\tlocal\n\
                   tank/stagdb\tstagdb:ports\t6000-6100\tlocal\n\
                   tank/home\tstagdb:store\t-\t-\n\
                   p\tstagdb:store\t1\tlocal\n\
                   p/main\tstagdb:store\t1\tinherited from p\n";
        let (found, next) = step(out, &["tank", "p"]);
        assert_eq!(found, ["tank/stagdb", "p"]);
        assert_eq!(next, ["tank/home"]);
        // Level 1: a deeper store, and what to search below.
        let out = "tank/home\tstagdb:store\t-\t-\n\
                   tank/home@s\tstagdb:store\t-\t-\n\
                   tank/home/dev\tstagdb:store\t1\tlocal\n\
                   tank/home/x\tstagdb:store\t-\t-\n";
        let (found, next) = step(out, &["tank/home"]);
        assert_eq!(found, ["tank/home/dev"]);
        assert_eq!(next, ["tank/home/x"]);
        let (found, next) = step("", &["tank/home/x"]);
        assert!(found.is_empty() && next.is_empty());
    }

    #[test]
    fn store_search_runs_level_by_level_and_ends() {
        let mut s = StoreSearch::new("tank\n\n");
        let args = s.next_args().unwrap();
        assert_eq!(&args[..3], ["get", "-d", "1"]);
        assert_eq!(args.last().map(String::as_str), Some("tank"));
        s.feed("tank\tstagdb:store\t-\t-\ntank/a\tstagdb:store\t-\t-\n")
            .unwrap();
        assert_eq!(
            s.next_args().unwrap().last().map(String::as_str),
            Some("tank/a")
        );
        s.feed("tank/a\tstagdb:store\t-\t-\ntank/a/st\tstagdb:store\t1\tlocal\n")
            .unwrap();
        assert_eq!(s.next_args(), None);
        assert_eq!(s.stores.len(), 1);
        assert_eq!(s.stores[0].name, "tank/a/st");
        // A zfs that keeps answering with a deeper level: it still ends.
        let mut s = StoreSearch::new("p");
        let mut rounds = 0;
        while let Some(args) = s.next_args() {
            let ds = args.last().unwrap().clone();
            s.feed(&format!(
                "{ds}\tstagdb:store\t-\t-\n{ds}/d\tstagdb:store\t-\t-\n"
            ))
            .unwrap();
            rounds += 1;
        }
        assert_eq!(rounds, 64);
        assert!(StoreSearch::new("").next_args().is_none());
    }

    #[test]
    fn dash_means_unset() {
        let e = parse_get("tank@x\torigin\t-\t-\n", &[], &[]).unwrap();
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

    const PROPS: &[&str] = &["type", "stagdb:head", "stagdb:port", "stagdb:branch"];

    #[test]
    fn newlines_and_tabs_in_values_stay_in_their_property() {
        let out = "\
tank/s\ttype\tfilesystem\t-
tank/s\tstagdb:head\tmain
evil\ttype\tx\tlocal
tank/s\tstagdb:port\t1\tlocal
tank/s\tstagdb:port\t5432\tlocal
tank/s\tstagdb:branch\ta\tb\tlocal
tank/s/main\ttype\tfilesystem\t-
";
        let e = parse_get(out, PROPS, &["tank/s"]).unwrap();
        let names: Vec<&str> = e.iter().map(|e| e.name.as_str()).collect();
        // No record invented from the value's lines.
        assert_eq!(names, ["tank/s", "tank/s/main"]);
        assert_eq!(e[0].local("stagdb:head"), Some("main\nevil\ttype\tx"));
        // The forged port record is followed by the real one, which then
        // continues it: the newline gives the forgery away.
        assert_eq!(
            e[0].local("stagdb:port"),
            Some("1\tlocal\ntank/s\tstagdb:port\t5432")
        );
        assert_eq!(e[0].local("stagdb:branch"), Some("a\tb"));
        assert_eq!(e[1].native("type"), Some("filesystem"));
    }

    #[test]
    fn a_forged_record_cannot_hide_the_real_one() {
        // The value of stagdb:head forges the next record in order; the real
        // record then continues it, so a newline shows up in a value.
        let out = "\
tank/s\ttype\tfilesystem\t-
tank/s\tstagdb:head\tmain\tlocal
tank/s\tstagdb:port\t1\tlocal
tank/s\tstagdb:port\t5432\tlocal
tank/s\tstagdb:branch\t-\t-
";
        let e = parse_get(out, PROPS, &["tank/s"]).unwrap();
        assert!(e[0].props.values().any(|(v, _)| v.contains('\n')));
    }

    #[test]
    fn any_bytes_in_a_value_never_fail_the_read() {
        let nasty = [
            "\n",
            "\n\n",
            "\t",
            "a\tlocal\nb",
            "tank/s\ttype\tfilesystem\t-",
            "\ntank/t\ttype\tfilesystem\t-",
            "\u{0}\u{1b}[31m",
            "ü\r\n",
        ];
        for v in nasty {
            let out = format!(
                "tank/s\ttype\tfilesystem\t-\ntank/s\tstagdb:head\t{v}\tlocal\ntank/s\tstagdb:port\t7\tlocal\n"
            );
            let e = parse_get(&out, PROPS, &["tank/s"]).unwrap();
            if v.contains('\n') {
                // Whatever it forged, a newline is left in some value.
                assert!(
                    e.iter()
                        .flat_map(|e| e.props.values())
                        .any(|(v, _)| v.contains('\n')),
                    "{v:?}"
                );
                continue;
            }
            assert_eq!(e[0].local("stagdb:port"), Some("7"), "{v:?}");
            let (head, src) = &e[0].props["stagdb:head"];
            assert_eq!(src, &Source::Local, "{v:?}");
            assert_eq!(head, v, "{v:?}");
        }
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        /// As `TREE_PROPS`: user properties, then a native one last.
        const PROPS: &[&str] = &["stagdb:branch", "stagdb:port", "stagdb:head", "type"];

        /// `zfs get -H` output for datasets under tank/s with the given user
        /// property values (raw, as zfs prints them), each block ending with
        /// the native `type`, which no user can set.
        fn output(values: &[Vec<String>]) -> String {
            let mut o = String::new();
            for (i, vals) in values.iter().enumerate() {
                let name = if i == 0 {
                    "tank/s".to_string()
                } else {
                    format!("tank/s/b{i}")
                };
                for (p, v) in PROPS.iter().zip(vals) {
                    o.push_str(&format!("{name}\t{p}\t{v}\tlocal\n"));
                }
                o.push_str(&format!("{name}\ttype\tfilesystem\t-\n"));
            }
            o
        }

        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z0-9]{0,8}",
                any::<String>(),
                // Lines that look like zfs's own records.
                "(tank/s(/b[0-9])?\t(type|stagdb:port)\t[a-z0-9]{0,3}\t(local|-)\n?){1,3}",
                prop::collection::vec(prop_oneof![Just('\n'), Just('\t'), any::<char>()], 0..20)
                    .prop_map(|v| v.into_iter().collect()),
            ]
        }

        proptest! {
            #[test]
            fn any_bytes_in_values(values in prop::collection::vec(prop::collection::vec(value(), 3), 1..4)) {
                let out = output(&values);
                let parsed = parse_get(&out, PROPS, &["tank/s"]).expect("never fails");
                let newline = values.iter().flatten().any(|v| v.contains('\n'));
                if newline {
                    // Whatever a newline forged, it is visible in some value.
                    prop_assert!(parsed.iter().flat_map(|e| e.props.values()).any(|(v, _)| v.contains('\n')));
                } else {
                    prop_assert_eq!(parsed.len(), values.len());
                    for (e, vals) in parsed.iter().zip(&values) {
                        for (p, v) in PROPS.iter().zip(vals) {
                            prop_assert_eq!(e.local(p), Some(v.as_str()));
                        }
                        prop_assert_eq!(e.native("type"), Some("filesystem"));
                    }
                }
            }
        }
    }
}
