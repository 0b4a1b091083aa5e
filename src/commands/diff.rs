//! `stagdb diff REF1 [REF2]`: how REF1's schema differs from REF2's (by
//! default REF1's branch point), as a unified diff of normalized
//! schema-only dumps, and with `--stat` the tables' row estimates and sizes
//! side by side. Snapshots and stopped branches are read through temporary
//! clones (export's machinery), removed afterwards.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::cli::DiffArgs;
use crate::ctx::Ctx;
use crate::error::{CmdResult, CommandError, ErrorKind, user_error};
use crate::ops;
use crate::ui;

use super::export::{self, SCHEMA_MARK, Tool};

#[derive(Serialize, Debug, PartialEq)]
pub(crate) struct StatRow {
    table: String,
    /// Row estimates (None: the table is not on that side, or unknown).
    from_rows: Option<i64>,
    to_rows: Option<i64>,
    from_bytes: Option<u64>,
    to_bytes: Option<u64>,
}

#[derive(Serialize)]
struct Output {
    from: String,
    to: String,
    database: String,
    identical: bool,
    diff: String,
    tables: Vec<StatRow>,
}

/// Drops what differs between two dumps of one schema: comments, `SET`
/// lines, `\restrict` keys (random per dump since PostgreSQL 17.6) and runs
/// of blank lines.
pub(crate) fn normalize(schema: &str) -> String {
    let mut out = String::new();
    let mut blank = true;
    for l in schema.lines() {
        let t = l.trim_end();
        if t.starts_with("--")
            || t.starts_with("SET ")
            || t.starts_with("SELECT pg_catalog.set_config(")
            || t.starts_with("\\restrict")
            || t.starts_with("\\unrestrict")
        {
            continue;
        }
        if t.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(t);
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

/// The schema and the table rows of [`Tool::Schema`]'s output.
pub(crate) fn split(output: &str) -> (String, BTreeMap<String, (i64, u64)>) {
    let (schema, stats) = output.split_once(SCHEMA_MARK).unwrap_or((output, ""));
    let mut tables = BTreeMap::new();
    for l in stats.lines() {
        let mut f = l.rsplitn(3, '|');
        if let (Some(bytes), Some(rows), Some(name)) = (f.next(), f.next(), f.next())
            && let (Ok(rows), Ok(bytes)) = (rows.trim().parse(), bytes.trim().parse())
        {
            tables.insert(name.to_string(), (rows, bytes));
        }
    }
    (schema.to_string(), tables)
}

/// Tables on either side, by name; only those that differ unless `all`.
pub(crate) fn stat_rows(
    from: &BTreeMap<String, (i64, u64)>,
    to: &BTreeMap<String, (i64, u64)>,
    all: bool,
) -> Vec<StatRow> {
    let names: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    names
        .into_iter()
        .filter_map(|n| {
            let a = from.get(n);
            let b = to.get(n);
            if !all && a == b {
                return None;
            }
            let rows = |x: Option<&(i64, u64)>| x.map(|v| v.0).filter(|r| *r >= 0);
            Some(StatRow {
                table: n.clone(),
                from_rows: rows(a),
                to_rows: rows(b),
                from_bytes: a.map(|v| v.1),
                to_bytes: b.map(|v| v.1),
            })
        })
        .collect()
}

fn signed(d: i128) -> String {
    if d >= 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

fn stat_line(r: &StatRow) -> String {
    let rows = match (r.from_rows, r.to_rows) {
        (Some(a), Some(b)) => format!(
            "rows {a} -> {b} ({})",
            signed(i128::from(b) - i128::from(a))
        ),
        (None, Some(b)) => format!("rows ? -> {b}"),
        (Some(a), None) => format!("rows {a} -> ?"),
        (None, None) => "rows ?".to_string(),
    };
    let size = |b: Option<u64>| b.map_or("-".to_string(), ui::human_bytes);
    let change = match (r.from_bytes, r.to_bytes) {
        (None, Some(_)) => " (new table)".to_string(),
        (Some(_), None) => " (dropped)".to_string(),
        _ => String::new(),
    };
    format!(
        "{}  {rows}, size {} -> {}{change}",
        r.table,
        size(r.from_bytes),
        size(r.to_bytes)
    )
}

pub async fn run(ctx: &Ctx, args: DiffArgs) -> CmdResult {
    let store = ops::open_store(ctx).await?;
    let to = ops::resolve_ref(&store, &args.reference)?;
    let from_ref = match &args.base {
        Some(r) => r.clone(),
        None => match store.parent_of(to.branch) {
            Some((p, s)) => format!("{}@{}", p.name, s.name),
            // Made from a root's old data (before a refresh).
            None if let Some((r, s)) = store.retired_parent_of(to.branch) => {
                format!("{}@{}", r.of, s.name)
            }
            None => {
                return Err(user_error(format!(
                    "branch '{}' has no parent branch to compare with",
                    to.branch.name
                ))
                .hint(format!(
                    "name the other side: `stagdb diff {} OTHER_REF`",
                    args.reference
                )));
            }
        },
    };
    let from = ops::resolve_ref(&store, &from_ref)?;
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| to.branch.db().to_string());
    let (from_name, to_name) = (export::shown_ref(&from), export::shown_ref(&to));
    ctx.printer.status(format!(
        "comparing database {db} of {from_name} (a) with {to_name} (b)"
    ));
    let mut sides = Vec::new();
    for t in [&from, &to] {
        let mut buf: Vec<u8> = Vec::new();
        ctx.timed(
            "schema",
            export::dump(
                ctx,
                &store,
                t,
                &db,
                Tool::Schema,
                vec![],
                vec![],
                Some(&mut buf),
            ),
        )
        .await?;
        let text = String::from_utf8(buf).map_err(|e| {
            CommandError::new(
                ErrorKind::User,
                anyhow::anyhow!("the schema of {} is not UTF-8: {e}", export::shown_ref(t)),
            )
        })?;
        sides.push(split(&text));
    }
    ctx.keep();
    let (a_schema, a_stats) = &sides[0];
    let (b_schema, b_stats) = &sides[1];
    let (a, b) = (normalize(a_schema), normalize(b_schema));
    let identical = a == b;
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{from_name}"), &format!("b/{to_name}"))
        .to_string();
    let tables = stat_rows(a_stats, b_stats, false);
    let differ = format!("the schemas of {from_name} and {to_name} differ");
    if ctx.settings.json {
        ctx.printer.json(&Output {
            from: from_name,
            to: to_name,
            database: db,
            identical,
            diff,
            tables,
        })?;
    } else {
        if args.stat {
            for r in &tables {
                ctx.printer.line(stat_line(r))?;
            }
            if tables.is_empty() {
                ctx.printer.status("no table changed in rows or size");
            }
        } else if !identical {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(diff.as_bytes())?;
            out.flush()?;
        }
        if identical {
            ctx.printer.status("schemas are identical");
        }
    }
    if args.exit_code && !identical {
        // Like `git diff --exit-code`: the answer is exit 1, not an error.
        if !ctx.settings.json {
            ctx.printer.status(&differ);
        }
        return Err(CommandError::new(ErrorKind::User, crate::error::Answer));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_drops_what_varies_between_dumps() {
        let dump = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123\nSET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n\n\nCREATE TABLE public.t (\n    x integer\n);   \n\n\n\\unrestrict abc123\n";
        assert_eq!(
            normalize(dump),
            "CREATE TABLE public.t (\n    x integer\n);\n"
        );
    }

    #[test]
    fn stats_split_and_compare() {
        let out = format!(
            "CREATE TABLE a();\n{SCHEMA_MARK}\npublic.a|10|8192\npublic.b|-1|16384\nweird|name|1|2\ngarbage\n"
        );
        let (schema, st) = split(&out);
        assert_eq!(schema, "CREATE TABLE a();\n");
        assert_eq!(st["public.a"], (10, 8192));
        assert_eq!(st["public.b"], (-1, 16384));
        assert_eq!(st["weird|name"], (1, 2));
        let mut to = st.clone();
        to.insert("public.a".into(), (15, 16384));
        to.remove("public.b");
        to.insert("public.c".into(), (0, 8192));
        let rows = stat_rows(&st, &to, false);
        let lines: Vec<String> = rows.iter().map(stat_line).collect();
        assert_eq!(
            lines,
            [
                "public.a  rows 10 -> 15 (+5), size 8.0 KiB -> 16.0 KiB",
                "public.b  rows ?, size 16.0 KiB -> - (dropped)",
                "public.c  rows ? -> 0, size - -> 8.0 KiB (new table)",
            ]
        );
        assert_eq!(stat_rows(&st, &st, false), []);
        assert_eq!(stat_rows(&st, &st, true).len(), 3);
    }
}
