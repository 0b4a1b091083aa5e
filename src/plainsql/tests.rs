//! Table tests of the plain-dump lexer: what psql gets, what is refused.

use super::*;

fn opts() -> Options {
    Options {
        begin_atomic: true,
        ..Default::default()
    }
}

/// Runs `input` through [`PlainScript`]: what psql gets, or the refusal.
fn run(input: &str, opt: Options) -> Result<String, Refusal> {
    let mut out = Vec::new();
    let mut r = PlainScript::new(input.as_bytes(), opt);
    match r.read_to_end(&mut out) {
        Ok(_) => Ok(String::from_utf8(out).expect("utf-8")),
        Err(e) => Err(refusal_of(&e).expect("a refusal").clone()),
    }
}

fn refused(input: &str) -> Refusal {
    run(input, opts()).expect_err(input)
}

fn passes(input: &str) {
    assert_eq!(run(input, opts()).as_deref(), Ok(input), "{input:?}");
}

#[test]
fn shell_commands_are_refused_wherever_psql_runs_them() {
    for dump in [
        "\\! touch /tmp/x\n",
        "   \\! touch /tmp/x\n",
        "SELECT 1; \\! touch /tmp/x\n",
        "SELECT 1 \\g |sh\n",
        "SELECT 'a''b' \\! x\n",
        "SELECT E'a\\'b' \\! x\n",
        "SELECT 1;\n\\o |sh\n",
        "SELECT $$x$$, $a$y$a$ \\! x\n",
        "SELECT /* a /* nested */ still */ 1; \\! x\n",
        "SELECT \"a\"\"b\" \\! x\n",
        "SELECT 1 -- comment\n; \\! x\n",
        "\\set x `id`\n",
        "\\connect `id`\n",
        "\\connect db \\! x\n",
        "\\connect \"db\\\"\n",
        "\\restrict abc def\n",
        "\\copy t from program 'id'\n",
        "\\i /run/stagdb-pgpass/pgpass\n",
        // After a COPY's data block, psql reads the rest of the COPY's line.
        "COPY t (a) FROM stdin; \\! x\n1\n\\.\n",
        // A number stuck to E'': old psql reads an escape there.
        "SELECT 1E'\\' \\! x';\n",
        // A number stuck to a name with `$`: a dollar quote or not.
        "SELECT 1._$$ \\! x $$;\n",
        "SELECT 1a$$ \\! x $$;\n",
        // A carriage return ends a `--` comment.
        "SELECT 1 -- c\r\\! x\n",
        // psql 15+ reads `1E-` as one token: no comment after it.
        "SELECT 1E--1 \\! x\n",
        // Variables psql sets itself are put in raw.
        "SELECT :DBNAME;\n",
        "SELECT 1 \\; SELECT 2;\n",
    ] {
        let r = refused(dump);
        assert_eq!(r.kind, RefusalKind::Shell, "{dump:?}: {r}");
    }
}

#[test]
fn what_only_looks_like_a_command_passes() {
    for dump in [
        "SELECT 'a \\! b';\n",
        "SELECT E'a \\\\! b';\n",
        "SELECT $$ \\! b $$;\n",
        "SELECT $f$ $$ \\! $f$;\n",
        "SELECT 1 /* \\! /* b */ \\! */;\n",
        "-- \\! a comment\nSELECT 1;\n",
        "SELECT \"\\!\";\n",
        "SELECT 'multi\nline \\! string';\n",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\nSELECT 1;\n\\! no\n$body$;\n",
        "COPY public.t (a, b) FROM stdin;\n\\N\t\\\\! x\n\\!\tx\n\\.\nSELECT 1;\n",
        "copy t from STDIN with (format csv);\n\\! a\n\\.\n",
        "SELECT a[1:n], x::int, :'v', :\"v\" FROM t;\n",
        "\\connect app\n\\connect -reuse-previous=on \"dbname='we''ird'\"\n\\restrict Ab12\n\\unrestrict Ab12\n",
        "SELECT 'C:\\\\';\n",
    ] {
        passes(dump);
    }
}

#[test]
fn copy_data_ends_only_at_its_own_line() {
    // `\.` inside a row is data; after the block, SQL again.
    passes("COPY t (a) FROM stdin;\nx\\.\n\\.\nSELECT 1;\n");
    refused("COPY t (a) FROM stdin;\nx\\.\n\\.\n\\! x\n");
    // Two COPYs on a line: two data blocks.
    passes("COPY a FROM stdin; COPY b FROM stdin;\n1\n\\.\n\\! data\n\\.\n");
    // COPY TO STDOUT and a table called stdin inside parentheses: no data.
    refused("COPY (SELECT * FROM stdin) TO STDOUT;\n\\! x\n");
    refused("COPY t TO stdout;\n\\! x\n");
}

#[test]
fn semicolons_inside_begin_atomic_follow_psql() {
    let body = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; COPY t FROM stdin; END;\n\\! x\n";
    // psql 14 and later: one statement; the next line is SQL (refused).
    assert_eq!(refused(body).kind, RefusalKind::Shell);
    // Older psql: the COPY is a statement of its own (the server refuses
    // the fragment before, so psql stops): the line is data either way.
    let old = Options {
        begin_atomic: false,
        ..opts()
    };
    assert!(run(body, old).is_err(), "ends inside COPY data");
}

#[test]
fn readings_that_could_differ_are_refused() {
    for dump in [
        // standard_conforming_strings off: an escaped quote.
        "SET standard_conforming_strings = off;\nSELECT 'a\\';\n",
        "SELECT 'a\\\\\\';\n",
        // A NUL ends psql's line.
        "SELECT 1; -- \0 '\n",
        // Client-only encodings: a backslash may end a character.
        "SELECT E'\u{e9}\\'';\n",
        "SELECT $\u{e9}$ x $\u{e9}$;\n",
    ] {
        let r = refused(dump);
        assert_eq!(r.kind, RefusalKind::Shell, "{dump:?}: {r}");
    }
}

#[test]
fn truncated_dumps_are_refused() {
    let head = "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE t (a int);\n";
    let tail = "\n--\n-- PostgreSQL database dump complete\n--\n\n";
    let whole = format!("{head}COPY t (a) FROM stdin;\n1\n2\n\\.\n{tail}");
    passes(&whole);
    for cut in [
        format!("{head}COPY t (a) FROM stdin;\n1\n"),
        format!("{head}COPY t (a) FROM stdin;\n1\n2\n\\.\n"),
        format!("{head}SELECT 'abc"),
        format!("{head}SELECT $$abc"),
        format!("{head}/* abc"),
        "COPY t (a) FROM stdin;\n1\n".to_string(),
        "-- PostgreSQL database cluster dump\n\\connect app\n--\n-- PostgreSQL database dump\n--\nSELECT 1;\n-- PostgreSQL database dump complete\n".to_string(),
    ] {
        let r = refused(&cut);
        assert_eq!(r.kind, RefusalKind::Truncated, "{cut:?}: {r}");
    }
    // Hand-written SQL has no header: it may end without one.
    passes("CREATE TABLE t (a int);\nSELECT 1");
}

#[test]
fn schema_only_drops_data_sections_and_copy_data() {
    let opt = Options {
        schema_only: true,
        ..opts()
    };
    let dump = "CREATE TABLE public.t (a int);\n\n--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: -\n--\n\nCOPY public.t (a) FROM stdin;\n1\n-- Name: x; Type: TABLE; Schema: public; Owner: -\n\\.\n\nINSERT INTO public.t VALUES (2);\n\n--\n-- Name: s; Type: SEQUENCE SET; Schema: public; Owner: -\n--\n\nSELECT pg_catalog.setval('public.s', 5, true);\n\n--\n-- Name: i; Type: INDEX; Schema: public; Owner: -\n--\n\nCREATE INDEX i ON public.t (a);\nCOPY public.u FROM stdin;\n3\n\\.\nSELECT 4;\n";
    let out = run(dump, opt.clone()).expect("passes");
    assert!(out.contains("CREATE TABLE public.t"), "{out}");
    assert!(out.contains("CREATE INDEX i"), "{out}");
    assert!(out.contains("SELECT 4;"), "{out}");
    for gone in ["COPY", "\n1\n", "INSERT", "setval", "\n3\n"] {
        assert!(!out.contains(gone), "{gone:?} left in:\n{out}");
    }
    // A COPY sharing its line: refused, not half dropped.
    let r = run("SELECT 1; COPY t FROM stdin;\n1\n\\.\n", opt).expect_err("shared line");
    assert_eq!(r.kind, RefusalKind::SchemaOnly);
}

#[test]
fn ownership_and_cluster_roles_are_dropped_outside_data() {
    let dump = "CREATE ROLE postgres;\nALTER ROLE postgres WITH SUPERUSER LOGIN;\nCREATE ROLE bob;\nALTER TABLE public.t OWNER TO bob;\nGRANT ALL ON TABLE public.t TO bob;\nCREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p;\nCOPY public.t (a) FROM stdin;\nGRANT ALL ON TABLE public.t TO bob;\n\\.\nSELECT 'a\nGRANT x TO y;\n';\n";
    let out = run(dump, opts()).expect("passes");
    assert_eq!(
        out,
        "CREATE ROLE bob;\nCOPY public.t (a) FROM stdin;\nGRANT ALL ON TABLE public.t TO bob;\n\\.\nSELECT 'a\nGRANT x TO y;\n';\n"
    );
    let keep = Options {
        keep_owners: true,
        ..opts()
    };
    let out = run(dump, keep).expect("passes");
    assert!(out.contains("OWNER TO bob"), "{out}");
    assert!(!out.contains("SUBSCRIPTION"), "{out}");
}

#[test]
fn allow_shell_lets_commands_through() {
    let opt = Options {
        allow_shell: true,
        ..opts()
    };
    let dump = "\\! echo hi\nSELECT 1; \\! echo there\n";
    assert_eq!(run(dump, opt).as_deref(), Ok(dump));
}

#[test]
fn skipped_extensions_lose_their_create_and_comment_lines_only() {
    let opt = Options {
        skip_extensions: vec!["h4fake".into()],
        ..opts()
    };
    let dump = "CREATE EXTENSION IF NOT EXISTS h4fake WITH SCHEMA public;
COMMENT ON EXTENSION h4fake IS 'fake';
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
CREATE TABLE t (a int);
";
    let out = run(dump, opt).expect("passes");
    assert_eq!(
        out,
        "CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;\nCREATE TABLE t (a int);\n"
    );
    // Without the option nothing is dropped.
    passes(dump);
}
