//! The committed man pages and completions are exactly what the code
//! generates. Regenerate with: UPDATE_GENERATED=1 cargo test --test generated

use std::path::Path;

#[test]
fn man_pages_and_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (rel, content) in stagdb::docs::generated_files().unwrap() {
        let path = root.join(&rel);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
            continue;
        }
        match std::fs::read(&path) {
            Ok(existing) if existing == content => {}
            _ => stale.push(rel.display().to_string()),
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nregenerate them with: UPDATE_GENERATED=1 cargo test --test generated"
    );
}
