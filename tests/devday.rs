//! Fitting the developer's day: `env` formats and `env --write`.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;

use common::TestStore;

/// `NAME="value"` lines, unescaped the way docker compose reads them.
fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').expect("NAME=value");
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .expect("quoted");
            let mut out = String::new();
            let mut chars = v.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some('n') => out.push('\n'),
                        Some(o) => out.push(o),
                        None => {}
                    }
                } else {
                    out.push(c);
                }
            }
            (k.to_string(), out)
        })
        .collect()
}

#[test]
fn env_formats_and_dotenv_file() {
    let s = TestStore::new("devday", 44320);
    s.init(17);
    let json = s.json(&["env"]);
    let expected: BTreeMap<String, String> = json
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(expected.len(), 6, "{json}");
    let dotenv = s.ok(&["env", "--format", "dotenv"]);
    assert_eq!(parse_dotenv(&dotenv), expected);
    let as_json: serde_json::Value =
        serde_json::from_str(&s.ok(&["env", "--format", "json"])).unwrap();
    assert_eq!(as_json, json);

    let dir = std::env::temp_dir().join(format!("stagdb-devday-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(".env");
    std::fs::write(&file, "OLD=1\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A file stagdb did not write is replaced only with --force.
    let refused = s.run(&["env", "--write", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let out = s.run(&["env", "--write", file.to_str().unwrap(), "--force"]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "--write prints nothing on stdout");
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        parse_dotenv(&std::fs::read_to_string(&file).unwrap()),
        expected
    );
    // Nothing but the file is left in its directory.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [".env"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
