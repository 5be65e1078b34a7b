//! The command list, and the TypeScript bindings generated from it (`ui/src/lib/bindings.ts`).
//! `cargo test` fails when the committed bindings are stale; `KOMMUNEPOST_WRITE_BINDINGS=1
//! cargo test --test bindings` rewrites them.

use tauri::Runtime;
use tauri_specta::Builder;

use crate::commands;

/// Where the generated bindings live, relative to the workspace root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// Every command of the app, listed once: `app_commands!(path::to::macro)` expands to
/// `path::to::macro![…every command…]`. The builder (bindings, tests) and the app's invoke
/// handler both expand it, so they cannot list different commands.
macro_rules! app_commands {
    ($($list:tt)+) => {
        $($list)+![
        commands::app::app_info,
        commands::app::start_sandbox,
        commands::app::set_environment,
        commands::ident::check_identifiers,
        commands::ident::split_identifiers,
        commands::store::store_state,
        commands::store::recovery_key_to_show,
        commands::store::confirm_recovery_key,
        commands::store::create_store_with_passphrase,
        commands::store::unlock_store,
        commands::store::unlock_store_with_recovery_key,
        commands::store::retry_store_unlock,
        commands::store::backup_store,
        commands::krr::lookup_identifiers,
        commands::krr::cancel_lookup,
        commands::settings::save_maskinporten_client,
        commands::settings::maskinporten_client,
        commands::settings::test_connection,
        commands::letters::list_drafts,
        commands::letters::list_trash,
        commands::letters::get_draft,
        commands::letters::save_draft,
        commands::letters::delete_draft,
        commands::letters::restore_draft,
        commands::letters::duplicate_draft,
        commands::letters::list_templates,
        commands::letters::import_template,
        commands::letters::add_example_template,
        commands::letters::duplicate_template,
        commands::letters::delete_template,
        commands::letters::export_template,
        commands::letters::import_recipients,
        commands::letters::recipient_headers,
        commands::letter_preview::preview_letter,
        commands::letter_preview::letter_geometry,
        commands::letter_preview::check_attachment,
        commands::letter_preview::draft_fields,
        commands::dispatch::dispatch_preview,
        commands::dispatch::send_draft,
        commands::dispatch::outbox_letters,
        commands::dispatch::letter_detail,
        commands::dispatch::recall_letter,
        commands::dispatch::send_letter_now,
        commands::dispatch::send_mailing_now,
        commands::dispatch::retry_letter,
        commands::dispatch::mark_letter_handled,
        commands::dispatch::exceptions,
        commands::dispatch::unread_reminders,
        commands::dispatch::mailings,
        commands::dispatch::pause_mailing,
        commands::dispatch::cancel_mailing,
        commands::dispatch::dispatch_dashboard,
        commands::dispatch::office_print_batch,
        commands::dispatch::export_print_batch,
        commands::dispatch::mark_printed,
        commands::dispatch::dispatch_settings,
        commands::dispatch::save_dispatch_settings,
        commands::dispatch::svarut_setup,
        commands::dispatch::save_svarut_setup,
        commands::signing::signing_summary,
        commands::signing::create_signing_order,
        commands::signing::signing_orders,
        commands::signing::signing_detail,
        commands::signing::cancel_signing_order,
        commands::signing::fetch_signed_documents,
        commands::signing::signer_link,
        commands::signing::signing_document,
        commands::signing::signed_document,
        commands::signing::export_signed_documents,
        commands::signing::signing_setup,
        commands::signing::save_signing_setup,
        commands::archive::archive_packages,
        commands::archive::retry_archive_package,
        commands::archive::archive_export_folder,
        commands::archive::export_archive,
        commands::archive::import_archive_receipt,
        commands::archive::public_journal,
        commands::archive::export_public_journal,
        commands::archive::archive_settings,
        commands::archive::save_archive_settings,
        ]
    };
}

/// The specta builder with every command, for the TypeScript bindings. Making it builds every
/// command's argument and result types.
pub fn builder<R: Runtime>() -> Builder<R> {
    Builder::<R>::new().commands(app_commands!(tauri_specta::collect_commands))
}

/// The app's invoke handler: the same commands as [`builder`], without building their types,
/// which the running app never needs (it built them at every start, for nothing).
pub fn invoke_handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    app_commands!(tauri::generate_handler)
}

/// The bindings as TypeScript source.
pub fn typescript() -> String {
    builder::<tauri::Wry>()
        .export_str(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust commands by src-tauri/src/bindings.rs. Do not edit.\n")
                .bigint(specta_typescript::BigIntExportBehavior::Number),
        )
        .expect("the command types export to TypeScript")
        // tauri-specta rc.21 also emits a placeholder type for `Channel`, which clashes with
        // the real `Channel` it imports under the same name; drop the placeholder.
        .replace("export type TAURI_CHANNEL<TSend> = null\n", "")
}
