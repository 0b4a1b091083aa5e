//! Names used by stagdb: branch names, snapshot names, refs (`BRANCH@SNAPSHOT`),
//! and their safe encodings into ZFS dataset components and Docker container names.
//!
//! Everything here is pure string logic; nothing touches ZFS or Docker.

use std::fmt;

/// Maximum length of a branch or snapshot name, in bytes.
pub const MAX_NAME_BYTES: usize = 200;

/// The reserved name for "the current branch".
pub const HEAD: &str = "HEAD";

/// What the user should have typed when a ref does not parse.
const REF_FORMS: &str = "expected BRANCH, BRANCH@SNAPSHOT or HEAD";

/// Which kind of name was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A branch name (see [`validate_branch_name`]).
    Branch,
    /// A snapshot name (see [`validate_snapshot_name`]).
    Snapshot,
    /// A whole ref such as `BRANCH@SNAPSHOT` (see [`parse_ref`]).
    Ref,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Branch => "branch name",
            NameKind::Snapshot => "snapshot name",
            NameKind::Ref => "ref",
        })
    }
}

/// A rejected name, with a human-readable explanation of why it was rejected.
///
/// Displays as e.g. `branch name 'a..b' is not valid: it contains '..'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    kind: NameKind,
    name: String,
    reason: String,
}

impl NameError {
    fn new(kind: NameKind, name: &str, reason: impl Into<String>) -> Self {
        NameError {
            kind,
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    /// Which kind of name was rejected.
    pub fn kind(&self) -> NameKind {
        self.kind
    }

    /// The rejected input, verbatim.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why it was rejected (the part after "is not valid: ").
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} '{}' is not valid: {}",
            self.kind,
            quote_for_display(&self.name),
            self.reason
        )
    }
}

impl std::error::Error for NameError {}

/// Escapes control characters (so a hostile name cannot drive the terminal)
/// and shortens very long input so the message stays readable.
fn quote_for_display(name: &str) -> String {
    const MAX_SHOWN_CHARS: usize = 80;
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i == MAX_SHOWN_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Explains why a single character is not allowed in a branch name, if it isn't.
fn forbidden_branch_char(c: char) -> Option<String> {
    // Git rejects ASCII controls; we also reject C1 controls (U+0080..U+009F)
    // since they are invisible and can act as terminal escapes.
    if c.is_control() {
        return Some(format!(
            "it contains a control character (U+{:04X})",
            u32::from(c)
        ));
    }
    match c {
        ' ' => Some("it contains a space".to_owned()),
        '@' => Some(
            "it contains '@', which separates a branch from a snapshot (BRANCH@SNAPSHOT)"
                .to_owned(),
        ),
        '~' | '^' | ':' | '?' | '*' | '[' | '\\' => Some(format!("it contains '{c}'")),
        _ => None,
    }
}

/// Checks a branch name.
///
/// Applies Git's ref-name rules (as `git check-ref-format --branch` does), so
/// names like `feature/login-form`, `JIRA-123`, `release/1.2` and unicode
/// letters are fine. On top of Git's rules: `@` is not allowed anywhere (it
/// separates a branch from a snapshot in refs), `HEAD` is reserved, and the
/// name may be at most [`MAX_NAME_BYTES`] bytes.
pub fn validate_branch_name(name: &str) -> Result<(), NameError> {
    let err = |reason: &str| Err(NameError::new(NameKind::Branch, name, reason));

    if name.is_empty() {
        return err("it is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return err(&format!(
            "it is {} bytes long; the maximum is {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    if name == HEAD {
        return err("'HEAD' is reserved for the current branch");
    }
    if let Some(reason) = name.chars().find_map(forbidden_branch_char) {
        return err(&reason);
    }
    if name.starts_with('-') {
        return err("it starts with '-'");
    }
    if name.starts_with('/') {
        return err("it starts with '/'");
    }
    if name.ends_with('/') {
        return err("it ends with '/'");
    }
    if name.contains("//") {
        return err("it contains '//'");
    }
    if name.contains("..") {
        return err("it contains '..'");
    }
    let single_component = !name.contains('/');
    for component in name.split('/') {
        if component.starts_with('.') {
            return if single_component {
                err("it starts with '.'")
            } else {
                err(&format!(
                    "the part '{}' starts with '.'",
                    quote_for_display(component)
                ))
            };
        }
        if component.ends_with(".lock") {
            return if single_component {
                err("it ends with '.lock'")
            } else {
                err(&format!(
                    "the part '{}' ends with '.lock'",
                    quote_for_display(component)
                ))
            };
        }
    }
    if name.ends_with('.') {
        return err("it ends with '.'");
    }
    Ok(())
}

/// ZFS's limit on a whole dataset or snapshot name, in bytes
/// (`ZFS_MAX_DATASET_NAME_LEN` is 256 with the terminating NUL).
pub const ZFS_MAX_NAME_BYTES: usize = 255;

/// The most stagdb appends to a branch's dataset name `STORE/COMPONENT`:
/// a generation `:g` and 13 digits of milliseconds (`reset`; `refresh`'s
/// seconds, `:import` and `:export-PID` are shorter), then the snapshot
/// `export` takes, `@export-PID-START` (a Linux pid has at most 7 digits,
/// a process start time at most 20). Auto-named snapshots
/// (`@YYYYMMDD-HHMMSS-NN`) are shorter.
pub const MAX_DATASET_SUFFIX_BYTES: usize = ":g".len() + 13 + "@export-".len() + 7 + 1 + 20;

/// The longest dataset name a new branch may get, so that every name
/// stagdb later derives from it (see [`MAX_DATASET_SUFFIX_BYTES`]) fits ZFS.
pub const MAX_BRANCH_DATASET_BYTES: usize = ZFS_MAX_NAME_BYTES - MAX_DATASET_SUFFIX_BYTES;

/// The longest branch name (in bytes, all of `[A-Za-z0-9_.-]`) a new
/// branch of the store at `store_dataset` may have; a byte of any other
/// character takes three in its dataset name (see [`dataset_component`]).
pub fn max_branch_bytes(store_dataset: &str) -> usize {
    MAX_BRANCH_DATASET_BYTES
        .saturating_sub(store_dataset.len() + 1)
        .min(MAX_NAME_BYTES)
}

/// Checks the name of a new branch (made, renamed to, imported) of the
/// store at `store_dataset`: [`validate_branch_name`], and short enough
/// that its dataset and everything stagdb names after it fit ZFS's limit.
/// Every way a branch name comes in goes through this one check, so they
/// all refuse the same names with the same message.
pub fn validate_new_branch_name(store_dataset: &str, name: &str) -> Result<(), NameError> {
    validate_branch_name(name)?;
    let component = dataset_component(name).len();
    let max = max_branch_bytes(store_dataset);
    if component <= max {
        return Ok(());
    }
    let reason = if component == name.len() {
        format!(
            "it is {} bytes long; the maximum in store {store_dataset} is {max} (ZFS allows {ZFS_MAX_NAME_BYTES} bytes for a whole dataset name, store and suffixes stagdb adds included)",
            name.len()
        )
    } else {
        format!(
            "it takes {component} bytes as a dataset name (a byte of a character other than letters, digits, '_', '.' and '-' takes 3); the maximum in store {store_dataset} is {max} (ZFS allows {ZFS_MAX_NAME_BYTES} bytes for a whole dataset name, store and suffixes stagdb adds included)"
        )
    };
    Err(NameError::new(NameKind::Branch, name, reason))
}

/// Checks a snapshot name: 1 to [`MAX_NAME_BYTES`] characters from
/// `[A-Za-z0-9_.:-]`, not starting with `-` or `.` (ZFS snapshot component
/// rules, narrowed to what is safe on a command line).
pub fn validate_snapshot_name(name: &str) -> Result<(), NameError> {
    let err = |reason: &str| Err(NameError::new(NameKind::Snapshot, name, reason));

    if name.is_empty() {
        return err("it is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return err(&format!(
            "it is {} bytes long; the maximum is {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|&c| !is_snapshot_char(c)) {
        let what = if c == ' ' {
            "a space".to_owned()
        } else if c.is_control() {
            format!("a control character (U+{:04X})", u32::from(c))
        } else {
            format!("'{c}'")
        };
        return err(&format!(
            "it contains {what}; only letters A-Z and a-z, digits, '_', '.', ':' and '-' are allowed"
        ));
    }
    if name.starts_with('-') {
        return err("it starts with '-'");
    }
    if name.starts_with('.') {
        return err("it starts with '.'");
    }
    Ok(())
}

fn is_snapshot_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')
}

/// Bytes that [`dataset_component`] copies unchanged. `:` is deliberately
/// absent: it is the escape character.
fn is_passthrough_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Encodes a valid branch name as a single ZFS dataset name component.
///
/// Bytes in `[A-Za-z0-9_.-]` pass through; every other byte (including each
/// byte of a multi-byte UTF-8 character) becomes `:HH` in uppercase hex.
/// A valid branch name never contains `:`, so the encoding is collision-free
/// and reversible with [`branch_from_component`]. Example:
/// `feature/login` -> `feature:2Flogin`.
///
/// Note that escaping can triple the length of non-ASCII names.
pub fn dataset_component(branch: &str) -> String {
    let mut out = String::with_capacity(branch.len());
    for &b in branch.as_bytes() {
        if is_passthrough_byte(b) {
            out.push(char::from(b));
        } else {
            out.push(':');
            out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
            out.push(char::from(UPPER_HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    // Only uppercase: lowercase would give a second spelling of the same name.
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a dataset component produced by [`dataset_component`].
///
/// Returns `None` if `c` is not exactly what `dataset_component` would have
/// produced for some valid branch name: a truncated or lowercase escape, an
/// escaped byte that should have passed through, an unexpected character,
/// invalid UTF-8, or a result that is not a valid branch name. This makes it
/// safe to use for recognising stagdb's own datasets among others.
pub fn branch_from_component(c: &str) -> Option<String> {
    let bytes = c.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b':' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            let decoded = (hi << 4) | lo;
            if is_passthrough_byte(decoded) {
                return None;
            }
            out.push(decoded);
            i += 3;
        } else if is_passthrough_byte(b) {
            out.push(b);
            i += 1;
        } else {
            return None;
        }
    }
    let branch = String::from_utf8(out).ok()?;
    validate_branch_name(&branch).ok()?;
    Some(branch)
}

/// Hand-written FNV-1a (64-bit): stable across Rust versions and platforms,
/// unlike `std`'s `DefaultHasher`, so container names never change.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(PRIME)
    })
}

fn is_container_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// The Docker container name for `branch`: `{prefix}-{sanitized}`.
///
/// Docker names must match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, so every other
/// character of the branch becomes `-`. When that changed anything, `-` and 8
/// hex digits of a stable hash of the original branch name are appended, so
/// `feature/x` (`…-feature-x-1a2b3c4d`) and `feature-x` (`…-feature-x`) get
/// different containers. The hash is also appended when the branch itself
/// looks like such a name (see [`looks_hashed`]), so a branch named
/// `feature-x-1a2b3c4d` cannot take the container of `feature/x`.
/// `prefix` is expected to be valid already (see
/// [`container_prefix_for_store`]).
pub fn container_name(prefix: &str, branch: &str) -> String {
    let sanitized: String = branch
        .chars()
        .map(|c| if is_container_char(c) { c } else { '-' })
        .collect();
    if sanitized == branch && !looks_hashed(branch) {
        format!("{prefix}-{sanitized}")
    } else {
        let hash = fnv1a64(branch.as_bytes());
        // Fold to 32 bits so all 64 bits of the hash contribute.
        let short = ((hash >> 32) ^ hash) as u32;
        format!("{prefix}-{sanitized}-{short:08x}")
    }
}

/// Whether `name` has the shape [`container_name`] gives hashed names:
/// `REST-HHHHHHHH` with 8 lowercase hex digits and a `-` somewhere in `REST`
/// (a sanitized name always has one where a character was replaced).
/// `release-20240101` does not; `ci-run-20240101` does.
fn looks_hashed(name: &str) -> bool {
    name.rsplit_once('-').is_some_and(|(rest, hash)| {
        rest.contains('-')
            && hash.len() == 8
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The network alias every store's HEAD branch answers to on the store's
/// Docker network, so an application container follows `checkout`.
pub const HEAD_ALIAS: &str = "stagdb-head";

/// The DNS label a branch is reached by on the store's Docker network:
/// lowercase letters, digits and `-`, at most 63 characters. A branch whose
/// name is such a label already keeps it; any other (`feature/X`, a name
/// too long, [`HEAD_ALIAS`], or one shaped like a hashed label) gets the
/// sanitized name and 8 hex digits of a stable hash, as container names do,
/// so two branches never share an alias.
pub fn network_alias(branch: &str) -> String {
    let mut label = String::new();
    for c in branch.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        // One `-` for a run of replaced characters: `a--b` reads badly.
        if !(c == '-' && label.ends_with('-')) {
            label.push(c);
        }
    }
    let trimmed = label.trim_matches('-');
    if trimmed == branch && trimmed.len() <= 63 && trimmed != HEAD_ALIAS && !looks_hashed(branch) {
        return trimmed.to_string();
    }
    let hash = fnv1a64(branch.as_bytes());
    let short = ((hash >> 32) ^ hash) as u32;
    let base: String = trimmed.chars().take(63 - 9).collect();
    let base = base.trim_end_matches('-');
    if base.is_empty() {
        format!("b-{short:08x}")
    } else {
        format!("{base}-{short:08x}")
    }
}

/// Docker's rule for a network name: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn validate_network_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("is empty".to_string()),
        Some(c) if !c.is_ascii_alphanumeric() => {
            return Err(format!("must start with a letter or digit, not '{c}'"));
        }
        Some(_) => {}
    }
    if let Some(c) = chars.find(|c| !is_container_char(*c)) {
        return Err(format!(
            "has '{c}' (allowed: letters, digits, '_', '.', '-')"
        ));
    }
    if name.len() > 128 {
        return Err("is longer than 128 characters".to_string());
    }
    Ok(())
}

/// The container-name prefix for a store rooted at ZFS dataset
/// `store_dataset`: `stagdb-` followed by the dataset with `/` (and any other
/// character Docker does not accept) mapped to `-`.
/// E.g. `tank/stagdb` -> `stagdb-tank-stagdb`.
/// `stagdb-{sanitized dataset}-{hash}`: the hash keeps stores apart whose
/// names sanitize alike (`tank/a` + branch `b-main` vs `tank/a-b` + `main`).
pub fn container_prefix_for_store(store_dataset: &str) -> String {
    let mapped: String = store_dataset
        .chars()
        .map(|c| if is_container_char(c) { c } else { '-' })
        .collect();
    let hash = fnv1a64(store_dataset.as_bytes()) as u32;
    format!("stagdb-{mapped}-{hash:08x}")
}

/// A reference to a database state given on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ref {
    /// The current branch (`HEAD`, or `@` alone as in Git).
    Head,
    /// The tip of a branch (`NAME`).
    Branch(String),
    /// A snapshot of a branch (`NAME@SNAP`), or of the current branch (`HEAD@SNAP`).
    Snapshot {
        /// The branch; `None` means the current branch (HEAD).
        branch: Option<String>,
        /// The snapshot name.
        snapshot: String,
    },
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ref::Head => f.write_str(HEAD),
            Ref::Branch(b) => f.write_str(b),
            Ref::Snapshot { branch, snapshot } => {
                write!(f, "{}@{snapshot}", branch.as_deref().unwrap_or(HEAD))
            }
        }
    }
}

/// Parses a ref: `HEAD` (or `@` alone), `NAME`, `NAME@SNAP` or `HEAD@SNAP`.
///
/// Both parts are checked with [`validate_branch_name`] and
/// [`validate_snapshot_name`]; those errors are returned as-is since they
/// say exactly what is wrong with which part. `@SNAP` (empty branch) is
/// rejected rather than read as `HEAD@SNAP`, to keep refs explicit.
pub fn parse_ref(s: &str) -> Result<Ref, NameError> {
    let err = |reason: String| Err(NameError::new(NameKind::Ref, s, reason));

    if s.is_empty() {
        return err(format!("it is empty; {REF_FORMS}"));
    }
    if s == HEAD || s == "@" {
        return Ok(Ref::Head);
    }
    let Some((branch, snapshot)) = s.split_once('@') else {
        validate_branch_name(s)?;
        return Ok(Ref::Branch(s.to_owned()));
    };
    if branch.is_empty() {
        return err(format!(
            "the branch before '@' is missing (use HEAD@{}); {REF_FORMS}",
            quote_for_display(snapshot)
        ));
    }
    if snapshot.is_empty() {
        return err(format!("the snapshot after '@' is missing; {REF_FORMS}"));
    }
    if snapshot.contains('@') {
        return err(format!("it contains more than one '@'; {REF_FORMS}"));
    }
    validate_snapshot_name(snapshot)?;
    let branch = if branch == HEAD {
        None
    } else {
        validate_branch_name(branch)?;
        Some(branch.to_owned())
    };
    Ok(Ref::Snapshot {
        branch,
        snapshot: snapshot.to_owned(),
    })
}

/// The candidate closest to `input`, if any is close enough to be a plausible
/// typo (Jaro-Winkler similarity >= 0.8; ties go to the earliest candidate).
///
/// Catches dropped letters (`featur` -> `feature`), swapped letters
/// (`mian` -> `main`) and typos in long names, while unrelated words give
/// `None`. An exact match is returned as itself.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    const THRESHOLD: f64 = 0.8;
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(input, candidate);
        if score >= THRESHOLD && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch_reason(name: &str) -> String {
        match validate_branch_name(name) {
            Ok(()) => panic!("{name:?} should be rejected"),
            Err(e) => e.reason().to_owned(),
        }
    }

    #[test]
    fn accepts_ordinary_branch_names() {
        for name in [
            "main",
            "feature/login-form",
            "JIRA-123",
            "release/1.2",
            "a",
            "fix_bug",
            "user/alice/experiment",
            "v1.0.0-rc.1",
            "ünïcödé",
            "功能/登录",
            "emoji-🚀",
            "head",
            "HEAD/x",
            "x/HEAD",
            "a.b",
            "a.lock.b",
            "lock",
            "a-",
            "a/-b",
            "a{b}",
            "a!b#c$d%e&f(g)h+i=j,k;l'm\"n<o>p|q`r]s",
        ] {
            assert_eq!(validate_branch_name(name), Ok(()), "{name:?}");
        }
    }

    #[test]
    fn rejects_with_specific_reasons() {
        let cases: &[(&str, &str)] = &[
            ("", "it is empty"),
            ("HEAD", "'HEAD' is reserved for the current branch"),
            ("-x", "it starts with '-'"),
            ("a..b", "it contains '..'"),
            ("..", "it contains '..'"),
            ("a//b", "it contains '//'"),
            ("/a", "it starts with '/'"),
            ("a/", "it ends with '/'"),
            ("/", "it starts with '/'"),
            ("a.", "it ends with '.'"),
            ("a/b.", "it ends with '.'"),
            (".hidden", "it starts with '.'"),
            ("a/.hidden", "the part '.hidden' starts with '.'"),
            ("x.lock", "it ends with '.lock'"),
            ("x.lock/y", "the part 'x.lock' ends with '.lock'"),
            ("a/b.lock", "the part 'b.lock' ends with '.lock'"),
            ("a b", "it contains a space"),
            ("a\tb", "it contains a control character (U+0009)"),
            ("a\nb", "it contains a control character (U+000A)"),
            ("a\u{0}b", "it contains a control character (U+0000)"),
            ("a\u{7f}b", "it contains a control character (U+007F)"),
            ("a\u{85}b", "it contains a control character (U+0085)"),
            ("a~1", "it contains '~'"),
            ("a^1", "it contains '^'"),
            ("a:b", "it contains ':'"),
            ("a?", "it contains '?'"),
            ("a*", "it contains '*'"),
            ("a[0]", "it contains '['"),
            ("a\\b", "it contains '\\'"),
            (
                "a@b",
                "it contains '@', which separates a branch from a snapshot (BRANCH@SNAPSHOT)",
            ),
            (
                "@",
                "it contains '@', which separates a branch from a snapshot (BRANCH@SNAPSHOT)",
            ),
            (
                "a@{1}",
                "it contains '@', which separates a branch from a snapshot (BRANCH@SNAPSHOT)",
            ),
        ];
        for (name, reason) in cases {
            assert_eq!(branch_reason(name), *reason, "{name:?}");
        }
    }

    #[test]
    fn error_messages_read_well() {
        let e = validate_branch_name("a..b").unwrap_err();
        assert_eq!(
            e.to_string(),
            "branch name 'a..b' is not valid: it contains '..'"
        );
        assert_eq!(e.kind(), NameKind::Branch);
        assert_eq!(e.name(), "a..b");
        assert_eq!(
            validate_branch_name("-x").unwrap_err().to_string(),
            "branch name '-x' is not valid: it starts with '-'"
        );
        assert_eq!(
            validate_branch_name("my branch").unwrap_err().to_string(),
            "branch name 'my branch' is not valid: it contains a space"
        );
        assert_eq!(
            validate_branch_name("a@b").unwrap_err().to_string(),
            "branch name 'a@b' is not valid: it contains '@', which separates a branch \
             from a snapshot (BRANCH@SNAPSHOT)"
        );
        // Usable as a boxed std error (e.g. with anyhow's `?`).
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().contains("'..'"));
    }

    #[test]
    fn error_messages_escape_control_chars_and_truncate() {
        let msg = validate_branch_name("a\u{1b}[31mb")
            .unwrap_err()
            .to_string();
        assert!(!msg.contains('\u{1b}'), "{msg}");
        assert!(msg.contains("\\u{1b}"), "{msg}");

        let long = "x".repeat(1000);
        let msg = validate_branch_name(&long).unwrap_err().to_string();
        assert!(msg.contains("1000 bytes long; the maximum is 200"), "{msg}");
        assert!(msg.len() < 200, "{msg}");
    }

    #[test]
    fn new_branch_names_leave_room_for_every_suffix() {
        let store = "tank/stagdb";
        let max = max_branch_bytes(store);
        assert_eq!(max, 255 - 51 - store.len() - 1);
        assert_eq!(validate_new_branch_name(store, &"a".repeat(max)), Ok(()));
        let e = validate_new_branch_name(store, &"a".repeat(max + 1)).unwrap_err();
        assert!(
            e.reason()
                .contains(&format!("the maximum in store {store} is {max}")),
            "{e}"
        );
        // The worst name stagdb derives from a branch at the maximum fits ZFS.
        let worst = format!(
            "{store}/{}:g{}@export-{}-{}",
            "a".repeat(max),
            9_999_999_999_999u64, // milliseconds until the year 2286
            4_194_304,
            u64::MAX
        );
        assert!(worst.len() <= ZFS_MAX_NAME_BYTES, "{}", worst.len());
        // Escaped bytes count three times.
        let e = validate_new_branch_name(store, &"é".repeat(max / 6 + 1)).unwrap_err();
        assert!(e.reason().contains("takes 3"), "{e}");
        assert_eq!(
            validate_new_branch_name(store, &"é".repeat(max / 6)),
            Ok(())
        );
        // A store so deep that no name fits refuses every name.
        assert!(validate_new_branch_name(&"d".repeat(250), "a").is_err());
        // The plain rules come first.
        let e = validate_new_branch_name(store, "a..b").unwrap_err();
        assert_eq!(e.reason(), "it contains '..'");
    }

    #[test]
    fn length_limit_is_in_bytes() {
        assert_eq!(validate_branch_name(&"a".repeat(200)), Ok(()));
        assert!(validate_branch_name(&"a".repeat(201)).is_err());
        // 'é' is two bytes: 100 of them fit, 101 do not.
        assert_eq!(validate_branch_name(&"é".repeat(100)), Ok(()));
        assert_eq!(
            branch_reason(&"é".repeat(101)),
            "it is 202 bytes long; the maximum is 200"
        );
    }

    #[test]
    fn snapshot_names() {
        for ok in [
            "s",
            "before-migration",
            "2024-01-01T12:00:00",
            "v1.2",
            "a_b",
            "A9",
            "x-",
            "x.",
            &"s".repeat(200),
        ] {
            assert_eq!(validate_snapshot_name(ok), Ok(()), "{ok:?}");
        }
        let cases: &[(&str, &str)] = &[
            ("", "it is empty"),
            ("-x", "it starts with '-'"),
            (".x", "it starts with '.'"),
            (
                "a b",
                "it contains a space; only letters A-Z and a-z, digits, '_', '.', ':' and '-' are allowed",
            ),
            (
                "a/b",
                "it contains '/'; only letters A-Z and a-z, digits, '_', '.', ':' and '-' are allowed",
            ),
            (
                "a@b",
                "it contains '@'; only letters A-Z and a-z, digits, '_', '.', ':' and '-' are allowed",
            ),
            (
                "é",
                "it contains 'é'; only letters A-Z and a-z, digits, '_', '.', ':' and '-' are allowed",
            ),
            (
                "a\tb",
                "it contains a control character (U+0009); only letters A-Z and a-z, digits, '_', '.', ':' and '-' are allowed",
            ),
        ];
        for (name, reason) in cases {
            let e = validate_snapshot_name(name).unwrap_err();
            assert_eq!(e.reason(), *reason, "{name:?}");
            assert_eq!(e.kind(), NameKind::Snapshot);
        }
        assert!(validate_snapshot_name(&"s".repeat(201)).is_err());
        assert_eq!(
            validate_snapshot_name("-x").unwrap_err().to_string(),
            "snapshot name '-x' is not valid: it starts with '-'"
        );
    }

    #[test]
    fn dataset_component_examples() {
        assert_eq!(dataset_component("feature/login"), "feature:2Flogin");
        assert_eq!(dataset_component("main"), "main");
        assert_eq!(dataset_component("a_b.c-d"), "a_b.c-d");
        assert_eq!(dataset_component("a+b"), "a:2Bb");
        assert_eq!(dataset_component("é"), ":C3:A9");
        assert_eq!(dataset_component("a/b/c"), "a:2Fb:2Fc");
    }

    #[test]
    fn dataset_component_uses_only_zfs_safe_chars() {
        for name in sample_branch_names() {
            let c = dataset_component(&name);
            assert!(
                c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b)),
                "{name:?} -> {c:?}"
            );
            assert!(!c.is_empty());
        }
    }

    #[test]
    fn branch_from_component_rejects_malformed() {
        for bad in [
            "",       // empty branch
            "a:2",    // truncated escape
            "a:",     // truncated escape
            "a:2f",   // lowercase hex: not canonical
            "a:ZZ",   // not hex
            ":61",    // escaped 'a', which passes through: not canonical
            "a/b",    // '/' is not in the encoding's alphabet
            "a b",    // nor is space
            ":FF",    // invalid UTF-8
            ":C3",    // truncated UTF-8 sequence
            "a:40b",  // decodes to 'a@b', not a valid branch
            "a..b",   // decodes to an invalid branch
            "HEAD",   // reserved
            "-x",     // invalid branch
            "x.lock", // invalid branch
            "a:3Ab",  // ':' is never in a valid branch
            "é",      // raw non-ASCII never appears in the encoding
        ] {
            assert_eq!(branch_from_component(bad), None, "{bad:?}");
        }
        assert_eq!(
            branch_from_component("feature:2Flogin").as_deref(),
            Some("feature/login")
        );
    }

    /// A deterministic generator so the round-trip test covers many odd names
    /// without a dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn sample_branch_names() -> Vec<String> {
        const ALPHABET: &[char] = &[
            'a', 'b', 'Z', '0', '9', '_', '.', '-', '/', '+', '#', '!', ',', '=', '%', '&', '(',
            ')', '{', '}', '\'', '"', '<', '>', '|', '`', ';', '$', 'é', 'ß', 'ü', '日', '本',
            '🚀', '\u{a0}', '\u{200b}',
        ];
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut names: Vec<String> = [
            "main",
            "feature/login-form",
            "JIRA-123",
            "release/1.2",
            "功能/登录",
            "a-b",
            "a/b",
            "a.b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        while names.len() < 5000 {
            let len = 1 + rng.below(24);
            let name: String = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect();
            if validate_branch_name(&name).is_ok() {
                names.push(name);
            }
        }
        names
    }

    #[test]
    fn dataset_component_round_trips_and_is_injective() {
        let names = sample_branch_names();
        let mut seen = std::collections::HashMap::new();
        for name in &names {
            let c = dataset_component(name);
            assert_eq!(branch_from_component(&c).as_deref(), Some(name.as_str()));
            if let Some(previous) = seen.insert(c.clone(), name.clone()) {
                assert_eq!(&previous, name, "collision on {c:?}");
            }
        }
    }

    #[test]
    fn network_aliases_are_dns_labels_and_distinct() {
        assert_eq!(network_alias("main"), "main");
        assert_eq!(network_alias("feature-x"), "feature-x");
        let a = network_alias("feature/x");
        let b = network_alias("Feature-X");
        assert!(
            a.starts_with("feature-x-") && a.len() == "feature-x-".len() + 8,
            "{a}"
        );
        assert!(b.starts_with("feature-x-"), "{b}");
        assert_ne!(a, b);
        assert_ne!(network_alias(HEAD_ALIAS), HEAD_ALIAS);
        // A branch shaped like a hashed alias cannot take another's.
        assert_ne!(network_alias(&a), a);
        let long = "x".repeat(200);
        let l = network_alias(&long);
        assert!(l.len() <= 63, "{l}");
        assert_eq!(
            network_alias("__"),
            format!("b-{}", &network_alias("__")[2..])
        );
        for name in ["a", "feature/x", "v1.2_rc", "UPPER", &long, "--a--", "x.y"] {
            let l = network_alias(name);
            assert!(!l.is_empty() && l.len() <= 63, "{name}: {l}");
            assert!(!l.starts_with('-') && !l.ends_with('-'), "{name}: {l}");
            assert!(
                l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}: {l}"
            );
        }
    }

    #[test]
    fn network_names_follow_dockers_rule() {
        assert!(validate_network_name("stagdb").is_ok());
        assert!(validate_network_name("my_net.1-a").is_ok());
        assert!(validate_network_name("").is_err());
        assert!(validate_network_name("-x").is_err());
        assert!(validate_network_name("a b").is_err());
        assert!(validate_network_name("a/b").is_err());
    }

    #[test]
    fn fnv1a64_matches_reference_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    fn is_valid_docker_name(s: &str) -> bool {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) && chars.all(is_container_char)
    }

    #[test]
    fn container_names() {
        assert_eq!(container_name("stagdb-tank", "main"), "stagdb-tank-main");
        assert_eq!(
            container_name("stagdb-tank", "feature-x"),
            "stagdb-tank-feature-x"
        );
        let slashed = container_name("stagdb-tank", "feature/x");
        assert!(slashed.starts_with("stagdb-tank-feature-x-"), "{slashed}");
        assert_eq!(slashed.len(), "stagdb-tank-feature-x-".len() + 8);
        assert_ne!(slashed, container_name("stagdb-tank", "feature-x"));
        // Same sanitized form, different branches: the hash tells them apart.
        assert_ne!(
            container_name("p", "feature/x"),
            container_name("p", "feature+x")
        );
        // Stable: the same input always gives the same name.
        assert_eq!(slashed, container_name("stagdb-tank", "feature/x"));
        // A branch spelled like another's hashed name gets a hash too, so it
        // cannot take (and on start, force-remove) that branch's container.
        let hashed = container_name("p", "a/_");
        assert_eq!(hashed, "p-a-_-e2482c0b");
        let lookalike = container_name("p", "a-_-e2482c0b");
        assert_ne!(lookalike, hashed);
        assert!(lookalike.starts_with("p-a-_-e2482c0b-"), "{lookalike}");
        // Names that merely end in digits keep their plain container name.
        assert_eq!(
            container_name("p", "release-20240101"),
            "p-release-20240101"
        );
        assert_eq!(container_name("p", "ci-20240101-x"), "p-ci-20240101-x");
        assert_ne!(container_name("p", "ci-run-20240101"), "p-ci-run-20240101");
        // Non-ASCII maps one character to one '-'.
        let accented = container_name("p", "é");
        assert!(accented.starts_with("p---"), "{accented}");
        assert_eq!(accented.len(), "p---".len() + 8);
    }

    #[test]
    fn container_names_are_valid_and_distinct() {
        let prefix = container_prefix_for_store("tank/stagdb");
        let mut seen = std::collections::HashMap::new();
        for name in sample_branch_names() {
            let c = container_name(&prefix, &name);
            assert!(is_valid_docker_name(&c), "{name:?} -> {c:?}");
            if let Some(previous) = seen.insert(c.clone(), name.clone()) {
                assert_eq!(previous, name, "collision on {c:?}");
            }
        }
    }

    #[test]
    fn container_prefixes() {
        let p = container_prefix_for_store("tank/stagdb");
        assert!(p.starts_with("stagdb-tank-stagdb-"), "{p}");
        assert_eq!(p.len(), "stagdb-tank-stagdb-".len() + 8);
        assert!(
            container_prefix_for_store("rpool/data:x/pg dbs")
                .starts_with("stagdb-rpool-data-x-pg-dbs-")
        );
        assert!(is_valid_docker_name(&container_prefix_for_store("")));
        // Stores whose names sanitize alike get different prefixes, so
        // `tank/a` + branch `b-main` never meets `tank/a-b` + `main`.
        assert_ne!(
            container_name(&container_prefix_for_store("tank/a"), "b-main"),
            container_name(&container_prefix_for_store("tank/a-b"), "main")
        );
        assert_ne!(
            container_prefix_for_store("a/b"),
            container_prefix_for_store("a-b")
        );
    }

    #[test]
    fn parses_refs() {
        assert_eq!(parse_ref("HEAD"), Ok(Ref::Head));
        assert_eq!(parse_ref("@"), Ok(Ref::Head));
        assert_eq!(parse_ref("main"), Ok(Ref::Branch("main".into())));
        assert_eq!(
            parse_ref("feature/login"),
            Ok(Ref::Branch("feature/login".into()))
        );
        assert_eq!(
            parse_ref("main@before"),
            Ok(Ref::Snapshot {
                branch: Some("main".into()),
                snapshot: "before".into()
            })
        );
        assert_eq!(
            parse_ref("HEAD@2024-01-01T00:00:00"),
            Ok(Ref::Snapshot {
                branch: None,
                snapshot: "2024-01-01T00:00:00".into()
            })
        );
        assert_eq!(
            parse_ref("release/1.2@v1.2"),
            Ok(Ref::Snapshot {
                branch: Some("release/1.2".into()),
                snapshot: "v1.2".into()
            })
        );
    }

    #[test]
    fn ref_errors_say_what_was_expected() {
        for (input, fragment) in [
            ("", "it is empty; expected BRANCH, BRANCH@SNAPSHOT or HEAD"),
            (
                "@snap",
                "the branch before '@' is missing (use HEAD@snap); expected BRANCH, BRANCH@SNAPSHOT or HEAD",
            ),
            (
                "main@",
                "the snapshot after '@' is missing; expected BRANCH, BRANCH@SNAPSHOT or HEAD",
            ),
            (
                "a@b@c",
                "it contains more than one '@'; expected BRANCH, BRANCH@SNAPSHOT or HEAD",
            ),
            (
                "@@",
                "the branch before '@' is missing (use HEAD@@); expected BRANCH, BRANCH@SNAPSHOT or HEAD",
            ),
        ] {
            let e = parse_ref(input).unwrap_err();
            assert_eq!(e.kind(), NameKind::Ref, "{input:?}");
            assert_eq!(e.reason(), fragment, "{input:?}");
        }
        assert_eq!(
            parse_ref("main@").unwrap_err().to_string(),
            "ref 'main@' is not valid: the snapshot after '@' is missing; \
             expected BRANCH, BRANCH@SNAPSHOT or HEAD"
        );
        // Part errors come from the part validators.
        let e = parse_ref("a..b@s").unwrap_err();
        assert_eq!(e.kind(), NameKind::Branch);
        assert_eq!(e.name(), "a..b");
        let e = parse_ref("main@-s").unwrap_err();
        assert_eq!(e.kind(), NameKind::Snapshot);
        let e = parse_ref("a b").unwrap_err();
        assert_eq!(e.reason(), "it contains a space");
        let e = parse_ref("main@a/b").unwrap_err();
        assert_eq!(e.kind(), NameKind::Snapshot);
    }

    #[test]
    fn ref_display_round_trips() {
        let refs = [
            Ref::Head,
            Ref::Branch("main".into()),
            Ref::Branch("feature/login".into()),
            Ref::Branch("功能".into()),
            Ref::Snapshot {
                branch: None,
                snapshot: "s1".into(),
            },
            Ref::Snapshot {
                branch: Some("release/1.2".into()),
                snapshot: "v1.2:final".into(),
            },
        ];
        for r in refs {
            let shown = r.to_string();
            assert_eq!(parse_ref(&shown), Ok(r), "{shown}");
        }
        assert_eq!(parse_ref("@").map(|r| r.to_string()), Ok("HEAD".into()));
        assert_eq!(
            Ref::Snapshot {
                branch: None,
                snapshot: "x".into()
            }
            .to_string(),
            "HEAD@x"
        );
    }

    #[test]
    fn suggestions() {
        let branches = ["main", "feature", "feature/login", "develop", "release/1.2"];
        assert_eq!(did_you_mean("featur", branches), Some("feature"));
        assert_eq!(did_you_mean("mian", branches), Some("main"));
        assert_eq!(
            did_you_mean("feature/logn", branches),
            Some("feature/login")
        );
        assert_eq!(did_you_mean("devlop", branches), Some("develop"));
        assert_eq!(did_you_mean("Main", branches), Some("main"));
        assert_eq!(did_you_mean("release/1.3", branches), Some("release/1.2"));
        assert_eq!(did_you_mean("main", branches), Some("main"));
        assert_eq!(did_you_mean("xyz", ["main"]), None);
        assert_eq!(did_you_mean("xyz", branches), None);
        assert_eq!(did_you_mean("staging", branches), None);
        assert_eq!(did_you_mean("", branches), None);
        assert_eq!(did_you_mean("main", []), None);
        // Works with owned collections too.
        let owned: Vec<String> = vec!["main".into(), "dev".into()];
        assert_eq!(
            did_you_mean("mainn", owned.iter().map(String::as_str)),
            Some("main")
        );
    }
}

/// Property-based tests: proptest generates the inputs, shrinks a failure to
/// a minimal one and stores its seed in `proptest-regressions/` so it is
/// replayed on every later run. `PROPTEST_CASES=100000 cargo test --lib names`
/// searches harder.
#[cfg(test)]
mod property {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use std::process::Command;

    /// Pieces that hit every rule of branch names and refs: ordinary
    /// letters, the separators, each forbidden character, controls (C0, DEL,
    /// C1), non-ASCII, and the multi-character patterns the rules look for.
    const PIECES: &[&str] = &[
        "a", "b", "Z", "0", "9", "_", "-", ".", "/", "@", "{", "}", "~", "^", ":", "?", "*", "[",
        "]", "\\", " ", "\t", "\n", "\u{0}", "\u{1b}", "\u{7f}", "\u{85}", "\u{a0}", "\u{200b}",
        "é", "日", "🚀", "%", "'", "\"", "$", "`", "!", "#", "+", "=", ",", ";", "&", "|", "<",
        ">", "(", ")", "..", "//", ".lock", "lock", "HEAD", "main", "feature/", "@{", "-1", "+0",
    ];

    fn tricky() -> impl Strategy<Value = String> {
        prop::collection::vec(select(PIECES), 0..12).prop_map(|v| v.concat())
    }

    /// Any string at all: arbitrary chars (NUL, controls, any plane),
    /// tricky pieces, and huge inputs (up to 100,000 characters).
    fn arbitrary() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => small_arbitrary(),
            4 => tricky(),
            1 => (any::<char>(), 190..100_000usize).prop_map(|(c, n)| c.to_string().repeat(n)),
            1 => prop::collection::vec(any::<char>(), 1_000..20_000).prop_map(String::from_iter),
        ]
    }

    fn small_arbitrary() -> impl Strategy<Value = String> {
        prop::collection::vec(any::<char>(), 0..64).prop_map(String::from_iter)
    }

    /// One path component of a (likely) valid branch name: any character
    /// but the forbidden ones, not starting with '.'.
    fn component() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}",
            2 => concat!(
                r"[^\x00-\x20\x7f-\x9f@~^:?*\[\\./]",
                r"[^\x00-\x20\x7f-\x9f@~^:?*\[\\/]{0,12}"
            ),
        ]
    }

    /// Valid branch names, ASCII and otherwise, up to the length limit.
    fn valid_branch() -> impl Strategy<Value = String> {
        prop::collection::vec(component(), 1..5)
            .prop_map(|parts| parts.join("/"))
            .prop_filter("not a valid branch name", |n| {
                validate_branch_name(n).is_ok()
            })
    }

    fn valid_snapshot() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_:][A-Za-z0-9_.:-]{0,40}"
    }

    /// stagdb's rules on top of Git's (which `git check-ref-format --branch`
    /// answers for; see `branch_names_follow_git`).
    fn stagdb_only_rules_allow(name: &str) -> bool {
        !name.contains('@') && !name.chars().any(char::is_control) && name.len() <= MAX_NAME_BYTES
    }

    fn git_accepts_branch(name: &str) -> bool {
        let out = Command::new("git")
            .args(["check-ref-format", "--branch", name])
            .current_dir(std::env::temp_dir())
            .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
            .output()
            .expect("git is needed for this test (git check-ref-format)");
        out.status.success()
    }

    fn is_valid_docker_name(s: &str) -> bool {
        // Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+
        s.len() >= 2
            && s.as_bytes()[0].is_ascii_alphanumeric()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    }

    fn no_terminal_controls(msg: &str) -> bool {
        !msg.chars().any(char::is_control)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Nothing in this module panics, whatever the input, and every
        /// error message is printable (no raw controls) and short.
        #[test]
        fn nothing_panics_and_errors_stay_printable(
            s in arbitrary(),
            t in prop_oneof![tricky(), small_arbitrary()],
        ) {
            for e in [
                validate_branch_name(&s).err(),
                validate_snapshot_name(&s).err(),
                parse_ref(&s).err(),
            ]
            .into_iter()
            .flatten()
            {
                let msg = e.to_string();
                prop_assert!(no_terminal_controls(&msg), "{msg:?}");
                prop_assert!(
                    msg.len() <= 1_000,
                    "{} bytes: {:?}",
                    msg.len(),
                    msg.chars().take(200).collect::<String>()
                );
            }
            let c = dataset_component(&s);
            prop_assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b)));
            let _ = branch_from_component(&s);
            let _ = branch_from_component(&c);
            let prefix = container_prefix_for_store(&s);
            prop_assert!(is_valid_docker_name(&prefix), "{:?}", prefix);
            prop_assert!(is_valid_docker_name(&container_name(&prefix, &t)));
            let _ = did_you_mean(&s, [t.as_str(), "main"]);
        }

        /// stagdb accepts exactly the names Git accepts as branch names,
        /// minus those with '@', control characters or over 200 bytes.
        #[test]
        fn branch_names_follow_git(name in tricky()) {
            prop_assume!(!name.contains('\0'), "no NUL in a command-line argument");
            let expected = git_accepts_branch(&name) && stagdb_only_rules_allow(&name);
            prop_assert_eq!(
                validate_branch_name(&name).is_ok(),
                expected,
                "{:?}: {:?}",
                name,
                validate_branch_name(&name)
            );
        }

        #[test]
        fn branch_length_limit_is_exact(c in "[a-zé日🚀]", n in 1..120usize) {
            let name = c.repeat(n);
            prop_assert_eq!(validate_branch_name(&name).is_ok(), name.len() <= MAX_NAME_BYTES);
        }

        /// Snapshot names are exactly `[A-Za-z0-9_:][A-Za-z0-9_.:-]*`, 1-200 bytes.
        #[test]
        fn snapshot_names_are_a_small_alphabet(
            s in prop_oneof![arbitrary(), tricky(), valid_snapshot()],
        ) {
            let b = s.as_bytes();
            let expected = !b.is_empty()
                && b.len() <= MAX_NAME_BYTES
                && (b[0].is_ascii_alphanumeric() || b[0] == b'_' || b[0] == b':')
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || b"_.:-".contains(&x));
            prop_assert_eq!(validate_snapshot_name(&s).is_ok(), expected, "{:?}", s);
        }

        #[test]
        fn generated_snapshot_names_are_valid(s in valid_snapshot()) {
            prop_assert_eq!(validate_snapshot_name(&s), Ok(()));
        }

        /// Valid parts always parse back into the ref they make.
        #[test]
        fn refs_of_valid_parts_parse(b in valid_branch(), s in valid_snapshot()) {
            prop_assert_eq!(parse_ref(&b), Ok(Ref::Branch(b.clone())));
            let r = Ref::Snapshot { branch: Some(b.clone()), snapshot: s.clone() };
            prop_assert_eq!(parse_ref(&format!("{b}@{s}")), Ok(r.clone()));
            prop_assert_eq!(parse_ref(&r.to_string()), Ok(r));
            prop_assert_eq!(
                parse_ref(&format!("HEAD@{s}")),
                Ok(Ref::Snapshot { branch: None, snapshot: s.clone() })
            );
            // Broken forms are errors, never something else.
            for broken in [format!("@{s}"), format!("{b}@"), format!("{b}@{s}@{s}")] {
                let parsed = parse_ref(&broken);
                prop_assert!(parsed.is_err(), "{:?} -> {:?}", broken, parsed);
            }
        }

        /// Whatever parses prints back as itself (`@` alone is HEAD), and
        /// its parts are valid names.
        #[test]
        fn parsed_refs_are_canonical(s in prop_oneof![tricky(), arbitrary()]) {
            match parse_ref(&s) {
                Ok(r) => {
                    if s == "@" {
                        prop_assert_eq!(r.clone(), Ref::Head);
                    } else {
                        prop_assert_eq!(r.to_string(), s.clone());
                    }
                    match &r {
                        Ref::Head => {}
                        Ref::Branch(b) => prop_assert_eq!(validate_branch_name(b), Ok(())),
                        Ref::Snapshot { branch, snapshot } => {
                            prop_assert_eq!(validate_snapshot_name(snapshot), Ok(()));
                            if let Some(b) = branch {
                                prop_assert_eq!(validate_branch_name(b), Ok(()));
                            }
                        }
                    }
                }
                Err(e) => prop_assert!(!e.reason().is_empty()),
            }
        }

        /// Every valid branch name round-trips through its dataset component,
        /// which uses only characters ZFS accepts in a name.
        #[test]
        fn dataset_component_round_trips(b in valid_branch()) {
            let c = dataset_component(&b);
            prop_assert!(!c.is_empty());
            let zfs_safe = c.bytes().all(|x| x.is_ascii_alphanumeric() || b"_.:-".contains(&x));
            prop_assert!(zfs_safe, "{:?}", c);
            prop_assert_eq!(branch_from_component(&c), Some(b));
        }

        #[test]
        fn dataset_components_are_distinct(a in valid_branch(), b in valid_branch()) {
            prop_assume!(a != b);
            prop_assert_ne!(dataset_component(&a), dataset_component(&b));
        }

        /// Decoding accepts only the one canonical encoding: anything it
        /// decodes re-encodes to exactly the same component.
        #[test]
        fn branch_from_component_is_canonical(
            parts in prop::collection::vec(
                prop_oneof![
                    "[A-Za-z0-9_.:-]",
                    ":[0-9A-Fa-f]{2}",
                    select(&[":2F", ":40", ":C3:A9", ":E6:97:A5", "..", ".lock", "HEAD"][..])
                        .prop_map(str::to_owned),
                ],
                0..16,
            )
        ) {
            let c = parts.concat();
            if let Some(b) = branch_from_component(&c) {
                prop_assert_eq!(validate_branch_name(&b), Ok(()));
                prop_assert_eq!(dataset_component(&b), c);
            }
        }

        /// Container names are valid Docker names for every store and branch.
        #[test]
        fn container_names_are_valid_docker_names(
            store in prop_oneof![arbitrary(), "[a-z]{1,8}(/[a-z0-9_.:-]{1,8}){0,3}"],
            b in prop_oneof![valid_branch(), arbitrary()],
        ) {
            let prefix = container_prefix_for_store(&store);
            let name = container_name(&prefix, &b);
            prop_assert!(is_valid_docker_name(&name), "{:?} {:?} -> {:?}", store, b, name);
            let starts_with_prefix = name.starts_with(&format!("{prefix}-"));
            prop_assert!(starts_with_prefix);
            prop_assert_eq!(container_name(&prefix, &b), name);
        }

        #[test]
        fn container_names_are_distinct(a in valid_branch(), b in valid_branch()) {
            prop_assume!(a != b);
            let prefix = container_prefix_for_store("tank/stagdb");
            prop_assert_ne!(container_name(&prefix, &a), container_name(&prefix, &b));
        }

        /// A branch named like another branch's hashed container name (its
        /// sanitized name, '-', 8 hex digits) must not get that container.
        #[test]
        fn container_names_cannot_be_spoofed(b in valid_branch()) {
            let prefix = container_prefix_for_store("tank/stagdb");
            let taken = container_name(&prefix, &b);
            let lookalike = taken[prefix.len() + 1..].to_string();
            if lookalike != b && validate_branch_name(&lookalike).is_ok() {
                prop_assert_ne!(
                    container_name(&prefix, &lookalike),
                    taken,
                    "{:?} vs {:?}",
                    lookalike,
                    b
                );
            }
        }

        #[test]
        fn suggestions_come_from_the_candidates(
            s in tricky(),
            c in prop::collection::vec(tricky(), 0..5),
        ) {
            if let Some(hit) = did_you_mean(&s, c.iter().map(String::as_str)) {
                prop_assert!(c.iter().any(|x| x == hit));
            }
        }
    }
}
