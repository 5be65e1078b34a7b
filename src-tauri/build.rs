//! Tauri's build step: embeds tauri.conf.json, resolves the capabilities in
//! src-tauri/capabilities, and generates allow-/deny- permissions for each app command so that
//! a window can call only the commands its capability lists.

/// Every `#[tauri::command]` of the app. A command missing here cannot be called at all.
const COMMANDS: &[&str] = &[
    "app_info",
    "check_identifiers",
    "split_identifiers",
    "store_state",
    "recovery_key_to_show",
    "confirm_recovery_key",
    "create_store_with_passphrase",
    "unlock_store",
    "unlock_store_with_recovery_key",
    "retry_store_unlock",
    "set_environment",
    "lookup_identifiers",
    "cancel_lookup",
    "save_maskinporten_client",
    "maskinporten_client",
    "test_connection",
    "list_drafts",
    "list_trash",
    "get_draft",
    "save_draft",
    "delete_draft",
    "restore_draft",
    "duplicate_draft",
    "list_templates",
    "import_template",
    "add_example_template",
    "duplicate_template",
    "delete_template",
    "export_template",
    "import_recipients",
    "recipient_headers",
    "preview_letter",
    "letter_geometry",
    "check_attachment",
    "draft_fields",
    "dispatch_preview",
    "send_draft",
    "outbox_letters",
    "letter_detail",
    "recall_letter",
    "retry_letter",
    "mark_letter_handled",
    "exceptions",
    "unread_reminders",
    "mailings",
    "pause_mailing",
    "cancel_mailing",
    "dispatch_dashboard",
    "office_print_batch",
    "export_print_batch",
    "mark_printed",
    "dispatch_settings",
    "save_dispatch_settings",
    "svarut_setup",
    "save_svarut_setup",
    "signing_summary",
    "create_signing_order",
    "signing_orders",
    "signing_detail",
    "cancel_signing_order",
    "fetch_signed_documents",
    "signer_link",
    "signing_document",
    "signed_document",
    "export_signed_documents",
    "signing_setup",
    "save_signing_setup",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build step failed");
}
