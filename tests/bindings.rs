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
fn every_command_in_the_bindings_is_granted_to_the_main_window() {
    // A command the UI can call but the capability does not grant fails only at run time;
    // this catches it at test time.
    let generated = typescript();
    let capability = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities/main.json"),
    )
    .expect("read the capability");
    let commands: Vec<&str> = generated
        .split("TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(commands.len() >= 9, "found {commands:?}");
    for command in commands {
        let permission = format!("\"allow-{}\"", command.replace('_', "-"));
        assert!(
            capability.contains(&permission),
            "{command} is not granted: add {permission} to main.json"
        );
    }
}
