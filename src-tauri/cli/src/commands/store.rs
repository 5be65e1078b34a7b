//! `kommunepost store init|status`.

use std::process::ExitCode;
use std::sync::Arc;

use kommunepost_core::clock::SystemClock;
use kommunepost_core::paths::build_identifier;
use kommunepost_core::store::{
    self, CreateWith, CredentialError, KeySource, OsKeyring, Store, StoreError, StoreStatus,
};
use serde_json::json;

use crate::cli::StoreCommand;
use crate::context::Context;
use crate::error::CliError;

pub fn run(command: StoreCommand, context: &Context) -> Result<ExitCode, CliError> {
    match command {
        StoreCommand::Init => init(context),
        StoreCommand::Status { json } => status(context, json),
        StoreCommand::Backup { out } => {
            let store = context.open_store(None)?;
            store.backup_to(&out)?;
            eprintln!(
                "Backup written to {} (encrypted; it opens with the store's key or the recovery key)",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Restore {
            file,
            recovery_key_file,
        } => restore(context, &file, recovery_key_file.as_deref()),
    }
}

fn restore(
    context: &Context,
    file: &std::path::Path,
    recovery_key_file: Option<&std::path::Path>,
) -> Result<ExitCode, CliError> {
    use kommunepost_core::secret::Secret;
    use kommunepost_core::store::UnlockWith;
    let dir = &context.paths.data_dir;
    // No worker may run while the store is replaced.
    let _lock = kommunepost_core::store::worker_lock::WorkerLock::acquire(
        dir,
        "kommunepost store restore",
        chrono::Utc::now(),
    )
    .map_err(|e| CliError::Busy(e.to_string()))?;
    let recovery = match recovery_key_file {
        Some(path) => Some(super::credentials::first_line_or_env(
            Some(path),
            "KOMMUNEPOST_RECOVERY_KEY",
            "the recovery key",
            "--recovery-key-file",
        )?),
        None => std::env::var("KOMMUNEPOST_RECOVERY_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
    };
    let keyring;
    let with = match (recovery, &context.passphrase) {
        (Some(key), _) => UnlockWith::RecoveryKey(Secret::new(key)),
        (None, Some(passphrase)) => UnlockWith::Passphrase(passphrase.clone()),
        (None, None) => {
            keyring = OsKeyring::new(build_identifier()).map_err(no_keyring)?;
            UnlockWith::Keyring(&keyring)
        }
    };
    let aside = store::restore(dir, file, with, Arc::new(SystemClock))?;
    eprintln!(
        "Restored the store from {}; the store it replaced is kept as {}. Letters not known to \
         be accepted will be looked up in SvarUt before anything is sent.",
        file.display(),
        aside.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn init(context: &Context) -> Result<ExitCode, CliError> {
    let dir = &context.paths.data_dir;
    let keyring;
    let with = match &context.passphrase {
        Some(passphrase) => CreateWith::Passphrase(passphrase.clone()),
        None => {
            keyring = OsKeyring::new(build_identifier()).map_err(no_keyring)?;
            CreateWith::Keyring(&keyring)
        }
    };
    let (store, recovery) =
        Store::create(dir, with, Arc::new(SystemClock)).map_err(|e| match e {
            StoreError::Credentials(c @ CredentialError::Unavailable(_)) => no_keyring(c),
            other => other.into(),
        })?;
    drop(store);
    println!("Created the encrypted store in {}", dir.display());
    println!();
    println!("Recovery key (shown only now; keep it on paper, away from this computer):");
    println!();
    println!("    {}", recovery.expose());
    println!();
    println!("It opens the store if the credential store or the passphrase is lost.");
    // Printed: the app will not show it again.
    store::confirm_recovery_key(dir)?;
    Ok(ExitCode::SUCCESS)
}

fn no_keyring(error: CredentialError) -> CliError {
    CliError::Usage(format!(
        "{error}. Without a desktop credential store, create a passphrase store: set \
         KOMMUNEPOST_PASSPHRASE or use --passphrase-file"
    ))
}

fn status(context: &Context, as_json: bool) -> Result<ExitCode, CliError> {
    let dir = &context.paths.data_dir;
    let (meta, size_bytes) = match store::status(dir)? {
        StoreStatus::NotCreated => {
            if as_json {
                println!("{}", json!({ "data_dir": dir, "created": false }));
            } else {
                println!("data dir: {}", dir.display());
                println!("store:    not created (run `kommunepost store init`)");
            }
            return Ok(ExitCode::from(1));
        }
        StoreStatus::Created { meta, size_bytes } => (meta, size_bytes),
    };
    let key_source = meta.as_ref().map(|m| m.key_source);
    let unlocked = context.open_store(key_source);
    let (schema, drafts, problem) = match &unlocked {
        Ok(store) => (
            Some(store.schema_version()?),
            Some(store.list_drafts()?.len()),
            None,
        ),
        Err(error) => (None, None, Some(error.to_string())),
    };
    let source = match key_source {
        Some(KeySource::Keyring) => "OS credential store",
        Some(KeySource::Passphrase) => "passphrase (Argon2id)",
        None => "unknown (metadata missing; only the recovery key opens it)",
    };
    if as_json {
        println!(
            "{}",
            json!({
                "data_dir": dir,
                "created": true,
                "key_source": key_source,
                "size_bytes": size_bytes,
                "created_at": meta.as_ref().map(|m| m.created_at),
                "unlocked": unlocked.is_ok(),
                "schema_version": schema,
                "drafts": drafts,
                "error": problem,
            })
        );
    } else {
        println!("data dir:   {}", dir.display());
        println!("store:      {size_bytes} bytes, encrypted");
        println!("key:        {source}");
        match (schema, drafts, &problem) {
            (Some(schema), Some(drafts), _) => {
                println!("unlocked:   yes (schema {schema}, {drafts} drafts)");
            }
            (_, _, Some(problem)) => println!("unlocked:   no: {problem}"),
            _ => {}
        }
    }
    Ok(if unlocked.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
