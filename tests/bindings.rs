//! The TypeScript bindings in `ui/src/lib/bindings.ts` are generated from the Rust commands and
//! committed. This test fails when they are stale. To regenerate:
//! `KOMMUNEPOST_WRITE_BINDINGS=1 cargo test --test bindings`.

use std::path::Path;

use kommunepost_app::bindings::{BINDINGS_PATH, typescript};

#[test]
fn committed_typescript_bindings_match_the_rust_commands() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
    let generated = typescript();
    if std::env::var_os("KOMMUNEPOST_WRITE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write bindings");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{BINDINGS_PATH} is stale: run `KOMMUNEPOST_WRITE_BINDINGS=1 cargo test --test bindings` and commit it"
    );
}

#[test]
fn the_bindings_name_every_command_the_app_registers() {
    let generated = typescript();
    for command in [
        "app_info",
        "set_environment",
        "check_identifiers",
        "store_state",
        "take_recovery_key",
        "create_store_with_passphrase",
        "unlock_store",
        "unlock_store_with_recovery_key",
        "retry_store_unlock",
    ] {
        assert!(
            generated.contains(&format!("\"{command}\"")),
            "{command} missing from the bindings"
        );
    }
}
