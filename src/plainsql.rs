//! Plain SQL dumps on their way to psql: a streaming lexer that follows the
//! text as psql will read it (quotes, E'' strings, quoted identifiers,
//! dollar quotes, nested comments, statement ends, COPY ... FROM stdin data
//! blocks) and decides line by line what psql gets.
//!
//! What it refuses, and why: psql runs a backslash command wherever one
//! appears outside quotes and comments (`\!` runs a shell command, and a
//! backtick in any command's argument does too), so a dump may hold only
//! the ones pg_dump and pg_dumpall write (`\connect`, `\restrict`,
//! `\unrestrict`, strictly formed) unless the user allows the shell. Where
//! psql could read the text differently than this lexer (a backslash
//! before a closing quote when `standard_conforming_strings` might be off,
//! a NUL byte, which ends psql's line, a psql variable interpolated raw),
//! the dump is refused rather than guessed at. A dump that ends inside a
//! string, a comment or COPY data, or whose pg_dump header has no matching
//! "complete" line, is truncated: refused, nothing of it is kept.
//!
//! It also drops what an import leaves out (single-line ownership, grant
//! and subscription statements, the cluster's own roles in a pg_dumpall
//! dump) and, for `--schema-only`, pg_dump's data sections and COPY data.

use std::io::{BufRead, Read};

/// What the lexer is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Let every backslash command through (the user trusts the dump).
    pub allow_shell: bool,
    /// Drop the rows: pg_dump's data sections and COPY data.
    pub schema_only: bool,
    /// Keep ownership and grants (the source's roles exist).
    pub keep_owners: bool,
    /// psql 14 and later keep a `;` inside `CREATE FUNCTION ... BEGIN
    /// ATOMIC ... END` in the statement: the psql that reads the dump is
    /// the target major's.
    pub begin_atomic: bool,
    /// Extensions left out (`--skip-missing-extensions`): their `CREATE
    /// EXTENSION` and `COMMENT ON EXTENSION` lines are dropped.
    pub skip_extensions: Vec<String>,
}

/// Why a dump is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based line of the dump (0: at its end).
    pub line: u64,
    pub kind: RefusalKind,
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// A psql backslash command (or a construct psql could read as one).
    Shell,
    /// The dump ends early.
    Truncated,
    /// Something `--schema-only` cannot separate.
    SchemaOnly,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.what)
        } else {
            f.write_str(&self.what)
        }
    }
}

impl std::error::Error for Refusal {}

/// Where the lexer is, across lines.
#[derive(Debug, Clone, PartialEq, Eq)]
enum In {
    Sql,
    /// A single-quoted string: `esc` (E'') takes backslash escapes;
    /// `strict`: psql versions disagree on whether it is an E'' string,
    /// so no backslash may appear in it.
    Quote {
        esc: bool,
        strict: bool,
    },
    Ident,
    Dollar(Vec<u8>),
    Comment(u32),
}

/// The statement being read (outside parentheses, the tokens psql's own
/// lexer looks at).
#[derive(Debug, Default)]
struct Stmt {
    empty: bool,
    paren: u64,
    begin: u64,
    /// psql's CREATE [OR REPLACE] FUNCTION|PROCEDURE heuristic.
    idents: [u8; 4],
    ident_count: usize,
    first_is_copy: bool,
    prev_from: bool,
    from_stdin: bool,
}

impl Stmt {
    fn new() -> Stmt {
        Stmt {
            empty: true,
            ..Default::default()
        }
    }
}

/// Dump header and end lines seen (pg_dump per database, pg_dumpall).
#[derive(Debug, Default)]
struct Frames {
    dump_open: u64,
    cluster_open: u64,
}

/// The lexer; feed it lines with [`Scanner::line`], then call [`Scanner::finish`].
pub struct Scanner {
    opt: Options,
    line_no: u64,
    state: In,
    stmt: Stmt,
    /// COPY ... FROM stdin statements whose data follows (psql reads the
    /// next lines as data until `\.`, one block per statement).
    copies: u32,
    /// Schema-only: the copies pending are dropped.
    drop_copies: bool,
    /// Schema-only: inside one of pg_dump's data sections.
    in_data_section: bool,
    frames: Frames,
    /// Statements completed on the current line, and whether one is a COPY.
    ended: u32,
}

/// What to do with a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Emit,
    Drop,
}

fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn ident_cont(b: u8) -> bool {
    ident_start(b) || b.is_ascii_digit() || b == b'$'
}

fn var_char(b: u8) -> bool {
    ident_start(b) || b.is_ascii_digit()
}

/// pg_dump's data section types (`-- Data for Name: ...; Type: T;`).
fn data_section(header: &str) -> bool {
    [
        "Type: TABLE DATA;",
        "Type: SEQUENCE SET;",
        "Type: BLOBS;",
        "Type: LARGE OBJECTS;",
        "Type: MATERIALIZED VIEW DATA;",
    ]
    .iter()
    .any(|t| header.contains(t))
}

impl Scanner {
    pub fn new(opt: Options) -> Scanner {
        Scanner {
            opt,
            line_no: 0,
            state: In::Sql,
            stmt: Stmt::new(),
            copies: 0,
            drop_copies: false,
            in_data_section: false,
            frames: Frames::default(),
            ended: 0,
        }
    }

    fn refuse(&self, kind: RefusalKind, what: impl Into<String>) -> Refusal {
        Refusal {
            line: self.line_no,
            kind,
            what: what.into(),
        }
    }

    /// Reads one line (with its `\n`, if any) and says whether psql gets it.
    pub fn line(&mut self, line: &[u8]) -> Result<Verdict, Refusal> {
        self.line_no += 1;
        if line.contains(&0) {
            return Err(self.refuse(
                RefusalKind::Shell,
                "a NUL byte (psql would stop reading the line there; this is no SQL text)",
            ));
        }
        if self.copies > 0 {
            let end = matches!(line, b"\\.\n" | b"\\.\r\n" | b"\\.");
            let dropped = self.drop_copies || self.in_data_section;
            if end {
                self.copies -= 1;
                if self.copies == 0 {
                    self.drop_copies = false;
                }
            }
            return Ok(if dropped {
                Verdict::Drop
            } else {
                Verdict::Emit
            });
        }
        let at_start = self.state == In::Sql && self.stmt.empty;
        if at_start {
            if let Some(v) = self.header(line)? {
                return Ok(v);
            }
            let text = trim_ascii(line);
            if text.first() == Some(&b'\\') {
                return self.meta_line(text);
            }
        }
        self.ended = 0;
        let copy_before = self.copies;
        self.scan(line)?;
        let whole = at_start && self.state == In::Sql && self.stmt.empty && self.ended == 1;
        let new_copy = self.copies > copy_before;
        if self.in_data_section {
            return Ok(Verdict::Drop);
        }
        if whole && !new_copy && self.skipped(line) {
            return Ok(Verdict::Drop);
        }
        if new_copy && self.opt.schema_only {
            if !whole {
                return Err(self.refuse(
                    RefusalKind::SchemaOnly,
                    "--schema-only cannot leave out this COPY's rows: the statement shares its line with another or spans lines",
                ));
            }
            self.drop_copies = true;
            return Ok(Verdict::Drop);
        }
        Ok(Verdict::Emit)
    }

    /// A comment line that is one of pg_dump's: dump start and end, the
    /// start of a data section (dropped with --schema-only).
    fn header(&mut self, line: &[u8]) -> Result<Option<Verdict>, Refusal> {
        if !line.starts_with(b"-- ") {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        match text {
            "-- PostgreSQL database dump" => self.frames.dump_open += 1,
            "-- PostgreSQL database dump complete" => {
                self.frames.dump_open = self.frames.dump_open.saturating_sub(1)
            }
            "-- PostgreSQL database cluster dump" => self.frames.cluster_open += 1,
            "-- PostgreSQL database cluster dump complete" => {
                self.frames.cluster_open = self.frames.cluster_open.saturating_sub(1)
            }
            _ => {}
        }
        if !self.opt.schema_only {
            return Ok(None);
        }
        let section = text.starts_with("-- Name: ")
            || text.starts_with("-- Data for Name: ")
            || text.starts_with("-- PostgreSQL database");
        if !section {
            return Ok(None);
        }
        // Whatever the section held is behind: the lexer is between
        // statements (it was when the section began, and psql never saw it).
        self.in_data_section = data_section(text);
        Ok(Some(if self.in_data_section {
            Verdict::Drop
        } else {
            Verdict::Emit
        }))
    }

    /// A line that is a backslash command, the lexer between statements.
    fn meta_line(&mut self, text: &[u8]) -> Result<Verdict, Refusal> {
        if self.opt.allow_shell {
            // The user trusts the dump: psql runs it as it is.
            return Ok(Verdict::Emit);
        }
        if allowed_meta(text) {
            return Ok(if self.in_data_section {
                Verdict::Drop
            } else {
                Verdict::Emit
            });
        }
        Err(self.meta_refusal(text))
    }

    fn meta_refusal(&self, at: &[u8]) -> Refusal {
        let shown: String = String::from_utf8_lossy(at)
            .chars()
            .take(40)
            .collect::<String>()
            .trim_end()
            .to_string();
        self.refuse(
            RefusalKind::Shell,
            format!(
                "a psql command ({shown:?}): psql would run it, and psql commands can run shell commands"
            ),
        )
    }

    /// Whether a whole-line statement is one an import leaves out.
    fn skipped(&self, line: &[u8]) -> bool {
        let text = String::from_utf8_lossy(line);
        let l = text.trim_start();
        let ownership = (l.starts_with("ALTER ") && l.contains(" OWNER TO "))
            || l.starts_with("GRANT ")
            || l.starts_with("REVOKE ")
            || l.starts_with("SET SESSION AUTHORIZATION ");
        if ownership && self.opt.keep_owners {
            return false;
        }
        if crate::source::skipped_statement(l) {
            return true;
        }
        if let Some(name) = extension_statement(l) {
            return self.opt.skip_extensions.iter().any(|e| e == name);
        }
        // pg_dumpall's roles: the cluster's own exist already.
        for prefix in ["CREATE ROLE ", "ALTER ROLE "] {
            if let Some(rest) = l.strip_prefix(prefix) {
                let name = rest.split([' ', ';']).next().unwrap_or("");
                return crate::source::system_role(name);
            }
        }
        false
    }

    /// Lexes a line in the state carried over from the previous ones.
    fn scan(&mut self, line: &[u8]) -> Result<(), Refusal> {
        let mut i = 0;
        while i < line.len() {
            i = match self.state.clone() {
                In::Sql => self.sql(line, i)?,
                In::Quote { esc, strict } => self.quote(line, i, esc, strict)?,
                In::Ident => match line[i..].iter().position(|&b| b == b'"') {
                    Some(p) => {
                        self.state = In::Sql;
                        i + p + 1
                    }
                    None => line.len(),
                },
                In::Dollar(tag) => match find(&line[i..], &tag) {
                    Some(p) => {
                        self.state = In::Sql;
                        i + p + tag.len()
                    }
                    None => line.len(),
                },
                In::Comment(depth) => {
                    if line[i..].starts_with(b"/*") {
                        self.state = In::Comment(depth + 1);
                        i + 2
                    } else if line[i..].starts_with(b"*/") {
                        self.state = if depth == 1 {
                            In::Sql
                        } else {
                            In::Comment(depth - 1)
                        };
                        i + 2
                    } else {
                        i + 1
                    }
                }
            };
        }
        Ok(())
    }

    /// Inside a single-quoted string at `i`; returns where to go on.
    fn quote(&mut self, line: &[u8], i: usize, esc: bool, strict: bool) -> Result<usize, Refusal> {
        let b = line[i];
        if b == b'\\' {
            if strict {
                return Err(self.refuse(
                    RefusalKind::Shell,
                    "a backslash in a string psql versions read differently (a number followed by E'...')",
                ));
            }
            if esc {
                // A multibyte character of a client-only encoding (SJIS,
                // BIG5...) may end in this byte: psql would see no escape.
                if i > 0 && line[i - 1] >= 0x80 {
                    return Err(self.refuse(
                        RefusalKind::Shell,
                        "a backslash right after a non-ASCII byte in an E'' string (psql could read it as part of a character in another encoding)",
                    ));
                }
                return Ok(i + 2);
            }
            // In a standard string, a run of backslashes before the closing
            // quote: with standard_conforming_strings off (a dump can turn
            // it off) psql would read an escaped quote instead.
            let run = line[i..].iter().take_while(|&&c| c == b'\\').count();
            if line.get(i + run) == Some(&b'\'') && run % 2 == 1 {
                return Err(self.refuse(
                    RefusalKind::Shell,
                    "a backslash before a closing quote (psql reads it differently when standard_conforming_strings is off)",
                ));
            }
            return Ok(i + run);
        }
        if b == b'\'' {
            self.state = In::Sql;
        }
        Ok(i + 1)
    }

    /// Outside quotes and comments at `i`; returns where to go on.
    fn sql(&mut self, line: &[u8], i: usize) -> Result<usize, Refusal> {
        let b = line[i];
        let next = line.get(i + 1).copied();
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => Ok(i + 1),
            // A `--` comment ends at a carriage return too (psql's
            // non_newline is [^\n\r]): what follows it on the line is SQL.
            b'-' if next == Some(b'-') => Ok(line[i..]
                .iter()
                .position(|&c| c == b'\r' || c == b'\n')
                .map_or(line.len(), |p| i + p + 1)),
            b'/' if next == Some(b'*') => {
                self.state = In::Comment(1);
                Ok(i + 2)
            }
            b'\'' => {
                self.token(None);
                self.state = In::Quote {
                    esc: false,
                    strict: false,
                };
                Ok(i + 1)
            }
            b'"' => {
                self.token(None);
                self.state = In::Ident;
                Ok(i + 1)
            }
            b'\\' => {
                if self.opt.allow_shell {
                    // psql takes the rest of the line as the command's.
                    return Ok(line.len());
                }
                Err(self.meta_refusal(&line[i..]))
            }
            b'$' => self.dollar(line, i),
            b':' => self.colon(line, i),
            b'(' => {
                self.token(None);
                self.stmt.paren += 1;
                Ok(i + 1)
            }
            b')' => {
                self.token(None);
                self.stmt.paren = self.stmt.paren.saturating_sub(1);
                Ok(i + 1)
            }
            b';' => {
                if self.stmt.paren == 0 && self.stmt.begin == 0 {
                    self.end_statement();
                } else {
                    self.token(None);
                }
                Ok(i + 1)
            }
            b'0'..=b'9' => {
                // Digits, then what psql reads as part of the number (an
                // identifier stuck to it, `$` included), but a `$` right
                // after the digits starts a dollar quote for psql.
                let digits = line[i..]
                    .iter()
                    .take_while(|&&c| c.is_ascii_digit() || c == b'.' || c == b'_')
                    .count();
                let mut end = i + digits;
                if line.get(end).is_some_and(|&c| ident_start(c)) || line[end - 1] == b'_' {
                    end += line[end..].iter().take_while(|&&c| ident_cont(c)).count();
                }
                self.token(None);
                if line[i..end].contains(&b'$') {
                    // psql up to 14 reads the letters and `$`s after a number
                    // as an identifier; later ones may start a dollar quote.
                    return Err(self.refuse(
                        RefusalKind::Shell,
                        "a number stuck to a name with `$` (psql versions disagree on whether a dollar quote starts there)",
                    ));
                }
                let exp = matches!(line[end - 1], b'e' | b'E');
                if exp && line[end..].starts_with(b"--") {
                    // psql 15 and later read `1E-` as one (junk) token and
                    // no comment after it; older ones `1`, `E`, a comment.
                    return Err(self.refuse(
                        RefusalKind::Shell,
                        "a number ending in E before `--` (psql versions disagree on whether a comment starts there)",
                    ));
                }
                if line.get(end) == Some(&b'\'') && exp {
                    // psql up to 14 reads `1E'x'` as 1 and E'x', later ones not.
                    self.state = In::Quote {
                        esc: false,
                        strict: true,
                    };
                    return Ok(end + 1);
                }
                Ok(end)
            }
            c if ident_start(c) => {
                let len = line[i..].iter().take_while(|&&c| ident_cont(c)).count();
                let word = &line[i..i + len];
                let end = i + len;
                if len == 1 && matches!(c, b'e' | b'E') && line.get(end) == Some(&b'\'') {
                    self.token(None);
                    let after_number =
                        i > 0 && (line[i - 1].is_ascii_digit() || line[i - 1] == b'.');
                    self.state = In::Quote {
                        esc: !after_number,
                        strict: after_number,
                    };
                    return Ok(end + 1);
                }
                self.token(Some(word));
                Ok(end)
            }
            _ => {
                self.token(None);
                Ok(i + 1)
            }
        }
    }

    /// `$`: a dollar quote's start, or part of a parameter or operator.
    fn dollar(&mut self, line: &[u8], i: usize) -> Result<usize, Refusal> {
        self.token(None);
        let rest = &line[i + 1..];
        let tag_len = match rest.first() {
            Some(&c) if ident_start(c) => rest
                .iter()
                .take_while(|&&c| ident_start(c) || c.is_ascii_digit())
                .count(),
            _ => 0,
        };
        if rest.get(tag_len) == Some(&b'$') {
            let tag = line[i..i + tag_len + 2].to_vec();
            // psql compares the bytes of a client-only encoding's character
            // blurred: only ASCII tags are surely read alike.
            if !tag.is_ascii() {
                return Err(self.refuse(
                    RefusalKind::Shell,
                    "a dollar quote whose tag is not ASCII (psql could read where it ends differently)",
                ));
            }
            self.state = In::Dollar(tag);
            return Ok(i + tag_len + 2);
        }
        Ok(i + 1)
    }

    /// `:`: a cast (`::`), or a psql variable, interpolated as psql reads
    /// on: the ones psql sets itself (upper case: DBNAME, USER...) are raw
    /// text the dump may control, refused; others are not set.
    fn colon(&mut self, line: &[u8], i: usize) -> Result<usize, Refusal> {
        self.token(None);
        let rest = &line[i + 1..];
        match rest.first() {
            Some(b':') => Ok(i + 2),
            Some(&q @ (b'\'' | b'"')) => {
                let n = rest[1..].iter().take_while(|&&c| var_char(c)).count();
                if n > 0 && rest.get(1 + n) == Some(&q) {
                    // psql substitutes a quoted literal, or leaves it as is.
                    Ok(i + 1 + n + 2)
                } else {
                    Ok(i + 1)
                }
            }
            Some(&c) if var_char(c) => {
                let n = rest.iter().take_while(|&&c| var_char(c)).count();
                let name = &rest[..n];
                let psqls = name.iter().any(|c| c.is_ascii_uppercase())
                    && name
                        .iter()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_');
                if psqls {
                    return Err(self.refuse(
                        RefusalKind::Shell,
                        format!(
                            "a psql variable (:{}): psql would put its value into the SQL as it is",
                            String::from_utf8_lossy(name)
                        ),
                    ));
                }
                Ok(i + 1 + n)
            }
            _ => Ok(i + 1),
        }
    }

    /// A token outside quotes: `word` for an identifier or keyword.
    fn token(&mut self, word: Option<&[u8]>) {
        let first = self.stmt.empty;
        self.stmt.empty = false;
        let Some(word) = word else {
            if self.stmt.paren == 0 {
                self.stmt.prev_from = false;
            }
            return;
        };
        let lower = word.to_ascii_lowercase();
        let w = lower.as_slice();
        if self.opt.begin_atomic {
            self.begin_atomic(w);
        }
        if self.stmt.paren > 0 {
            return;
        }
        if first {
            self.stmt.first_is_copy = w == b"copy";
        }
        if self.stmt.first_is_copy {
            if self.stmt.prev_from && w == b"stdin" {
                self.stmt.from_stdin = true;
            }
            self.stmt.prev_from = w == b"from";
        }
    }

    /// psql's own heuristic (psqlscan.l, 14 and later): in a statement that
    /// starts CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN ... END blocks
    /// (and CASE inside them) hold semicolons.
    fn begin_atomic(&mut self, w: &[u8]) {
        let s = &mut self.stmt;
        if s.ident_count == 0 {
            s.idents = [0; 4];
        }
        let marked = [&b"create"[..], b"function", b"procedure", b"or", b"replace"];
        if marked.contains(&w) && s.ident_count < 4 {
            s.idents[s.ident_count] = w[0];
        }
        s.ident_count += 1;
        let id = s.idents;
        let create = id[0] == b'c'
            && (id[1] == b'f'
                || id[1] == b'p'
                || (id[1] == b'o' && id[2] == b'r' && (id[3] == b'f' || id[3] == b'p')));
        if create && s.paren == 0 {
            match w {
                b"begin" => s.begin += 1,
                b"case" if s.begin > 0 => s.begin += 1,
                b"end" if s.begin > 0 => s.begin -= 1,
                _ => {}
            }
        }
    }

    fn end_statement(&mut self) {
        if self.stmt.first_is_copy && self.stmt.from_stdin {
            self.copies += 1;
        }
        if !self.stmt.empty {
            self.ended += 1;
        }
        self.stmt = Stmt::new();
    }

    /// At the end of the input: refuses a dump that ends early.
    pub fn finish(&self) -> Result<(), Refusal> {
        let truncated = |what: String| Refusal {
            line: 0,
            kind: RefusalKind::Truncated,
            what: format!("the dump is truncated: {what}"),
        };
        if self.copies > 0 {
            return Err(truncated(format!(
                "it ends inside COPY data (no \\. line; line {})",
                self.line_no
            )));
        }
        let inside = match self.state {
            In::Sql => None,
            In::Quote { .. } => Some("a quoted string"),
            In::Ident => Some("a quoted identifier"),
            In::Dollar(_) => Some("a dollar-quoted string"),
            In::Comment(_) => Some("a /* comment */"),
        };
        if let Some(what) = inside {
            return Err(truncated(format!("it ends inside {what}")));
        }
        if self.frames.cluster_open > 0 {
            return Err(truncated(
                "it starts with pg_dumpall's header but lacks its last line, \"-- PostgreSQL database cluster dump complete\"".into(),
            ));
        }
        if self.frames.dump_open > 0 {
            return Err(truncated(
                "it starts with pg_dump's header but lacks its last line, \"-- PostgreSQL database dump complete\"".into(),
            ));
        }
        Ok(())
    }
}

/// The backslash commands pg_dump and pg_dumpall write, strictly formed:
/// `\connect` with plain or double-quoted arguments (no backtick, no
/// backslash, no variable), `\restrict KEY`, `\unrestrict KEY`.
fn allowed_meta(text: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let (cmd, args) = text.split_once(' ').unwrap_or((text, ""));
    match cmd {
        "\\restrict" | "\\unrestrict" => {
            !args.is_empty() && args.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        "\\connect" | "\\c" => connect_args(args),
        _ => false,
    }
}

fn connect_args(mut args: &str) -> bool {
    let mut n = 0;
    while !args.is_empty() {
        n += 1;
        if let Some(rest) = args.strip_prefix('"') {
            // "..." with "" for a quote inside.
            let mut end = None;
            let b = rest.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'"' {
                    if b.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                if matches!(b[i], b'`' | b'\\') {
                    return false;
                }
                i += 1;
            }
            let Some(end) = end else { return false };
            args = &rest[end + 1..];
        } else {
            let len = args
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || b"_=.-".contains(b))
                .count();
            if len == 0 {
                return false;
            }
            args = &args[len..];
        }
        match args.strip_prefix(' ') {
            Some(rest) => args = rest,
            None if args.is_empty() => {}
            None => return false,
        }
    }
    (1..=4).contains(&n)
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A reader of a plain dump that yields what psql gets: lines the
/// [`Scanner`] lets through, up to a refusal (an error of kind
/// `InvalidData` wrapping the [`Refusal`]) or the end (checked).
pub struct PlainScript<R> {
    inner: std::io::BufReader<R>,
    scanner: Scanner,
    line: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> PlainScript<R> {
    pub fn new(r: R, opt: Options) -> Self {
        PlainScript {
            inner: std::io::BufReader::with_capacity(1 << 20, r),
            scanner: Scanner::new(opt),
            line: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

fn refused(r: Refusal) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, r)
}

impl<R: Read> Read for PlainScript<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.pos < self.line.len() {
                let n = buf.len().min(self.line.len() - self.pos);
                buf[..n].copy_from_slice(&self.line[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            self.line.clear();
            self.pos = 0;
            if self.inner.read_until(b'\n', &mut self.line)? == 0 {
                self.done = true;
                self.scanner.finish().map_err(refused)?;
                return Ok(0);
            }
            if self.scanner.line(&self.line).map_err(refused)? == Verdict::Drop {
                self.line.clear();
            }
        }
    }
}

/// The refusal behind an error of [`PlainScript`], if it is one.
pub fn refusal_of(e: &std::io::Error) -> Option<&Refusal> {
    e.get_ref().and_then(|r| r.downcast_ref::<Refusal>())
}

#[cfg(test)]
mod tests;

/// The extension a one-line `CREATE EXTENSION` or `COMMENT ON EXTENSION`
/// statement (as pg_dump writes them) is about.
fn extension_statement(l: &str) -> Option<&str> {
    let rest = [
        "CREATE EXTENSION IF NOT EXISTS ",
        "CREATE EXTENSION ",
        "COMMENT ON EXTENSION ",
    ]
    .iter()
    .find_map(|p| l.strip_prefix(p))?;
    let name = rest.split([' ', ';']).next()?;
    Some(name.trim_matches('"'))
}
