//! Golden files: a test's deterministic output compared byte for byte
//! with `tests/golden/<file>`, rewritten instead when `RACELAB_BLESS` is
//! set. Included by path (`#[path = "common/golden.rs"] mod golden;`) by
//! the golden tests, which need nothing else of `tests/common`.

use std::path::PathBuf;

/// Compares `actual` with `tests/golden/<file>`, or writes it when
/// `RACELAB_BLESS` is set.
pub fn golden(file: &str, actual: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "golden", file]
        .iter()
        .collect();
    if std::env::var_os("RACELAB_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create tests/golden");
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with RACELAB_BLESS=1 cargo test --test {}",
            path.display(),
            env!("CARGO_CRATE_NAME")
        )
    });
    assert!(
        actual == expected,
        "{} differs from this output (bless with RACELAB_BLESS=1 if intended):\n{actual}",
        path.display()
    );
}
