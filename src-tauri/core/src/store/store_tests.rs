use std::sync::Arc;

use chrono::{TimeZone, Utc};

use super::*;
use crate::clock::FixedClock;
use crate::ident::Fnr;

const FNR: &str = "20914695016";
const NAME: &str = "Åse Kristiansen Bjørnstad";

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
    ))
}

fn passphrase(text: &str) -> Secret<String> {
    Secret::new(text.to_owned())
}

fn letter_to(fnr: &str, name: &str) -> DraftInput {
    DraftInput {
        id: None,
        kind: DraftKind::Letter,
        title: "Vedtak om barnehageplass".into(),
        recipient_fnr: Some(Fnr::parse(fnr).unwrap()),
        recipient_name: Some(name.into()),
        body: "Du har fått plass i Solsikken barnehage.".into(),
        letter: Default::default(),
    }
}

/// Every byte of every file in the directory, to search for plaintext.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn the_store_files_hold_no_plaintext_of_a_saved_fodselsnummer_or_name() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    // While the store is open the data may sit in the WAL file: check it too.
    let open_bytes = all_bytes(dir.path());
    drop(store);
    let closed_bytes = all_bytes(dir.path());

    for bytes in [&open_bytes, &closed_bytes] {
        assert!(!contains(bytes, FNR), "fødselsnummer in plaintext");
        assert!(!contains(bytes, "Kristiansen"), "name in plaintext");
        assert!(!contains(bytes, "barnehage"), "body in plaintext");
        assert!(
            !contains(bytes, "SQLite format 3"),
            "an unencrypted SQLite header"
        );
        assert!(!contains(bytes, "CREATE TABLE"), "readable schema");
    }
    // The test would be meaningless if the data never reached the disk.
    assert!(closed_bytes.len() > 4096);
}

#[test]
fn a_keyring_store_reopens_with_its_key_and_gives_back_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let saved = store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    drop(store);

    let store = Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
    let read = store.get_draft(&saved.id).unwrap();
    assert_eq!(read, saved);
    assert_eq!(read.recipient_fnr.unwrap().expose(), FNR);
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
}

#[test]
fn a_wrong_passphrase_fails_cleanly_and_leaves_the_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::create(
        dir.path(),
        CreateWith::Passphrase(passphrase("riktig passord 2026")),
        clock(),
    )
    .unwrap();
    store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    drop(store);
    let before = all_bytes(dir.path());

    let error = Store::open(
        dir.path(),
        UnlockWith::Passphrase(passphrase("galt passord 2026")),
        clock(),
    )
    .unwrap_err();

    assert!(matches!(error, StoreError::WrongKey), "{error:?}");
    assert_eq!(
        all_bytes(dir.path()),
        before,
        "a failed unlock changed the files"
    );
    let store = Store::open(
        dir.path(),
        UnlockWith::Passphrase(passphrase("riktig passord 2026")),
        clock(),
    )
    .unwrap();
    assert_eq!(
        store.list_drafts().unwrap().len(),
        1,
        "the data survived the failed attempt"
    );
}

#[test]
fn the_recovery_key_opens_a_store_whose_keyring_entry_is_lost_and_restores_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, recovery) =
        Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let saved = store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    drop(store);

    let reset_keyring = MemoryCredentials::new();
    let error = Store::open(dir.path(), UnlockWith::Keyring(&reset_keyring), clock()).unwrap_err();
    assert!(
        matches!(error, StoreError::KeyNotInCredentialStore),
        "{error:?}"
    );

    let recovery = Secret::new(recovery.expose().to_owned());
    let store = Store::open(
        dir.path(),
        UnlockWith::RecoveryKey(recovery.clone()),
        clock(),
    )
    .unwrap();
    assert_eq!(
        store
            .get_draft(&saved.id)
            .unwrap()
            .recipient_name
            .as_deref(),
        Some(NAME)
    );
    store
        .restore_key_to(dir.path(), &recovery, &reset_keyring)
        .unwrap();
    drop(store);
    Store::open(dir.path(), UnlockWith::Keyring(&reset_keyring), clock()).unwrap();
}

#[test]
fn the_recovery_key_also_opens_a_passphrase_store() {
    let dir = tempfile::tempdir().unwrap();
    let (store, recovery) = Store::create(
        dir.path(),
        CreateWith::Passphrase(passphrase("glemt passord igjen")),
        clock(),
    )
    .unwrap();
    drop(store);
    let recovery = Secret::new(recovery.expose().to_owned());
    Store::open(dir.path(), UnlockWith::RecoveryKey(recovery), clock()).unwrap();
}

#[test]
fn another_stores_recovery_key_is_a_wrong_key() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let credentials = MemoryCredentials::new();
    Store::create(a.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let (_, other) = Store::create(b.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let error = Store::open(
        a.path(),
        UnlockWith::RecoveryKey(Secret::new(other.expose().to_owned())),
        clock(),
    )
    .unwrap_err();
    assert!(matches!(error, StoreError::WrongKey), "{error:?}");
}

#[test]
fn without_a_reachable_credential_store_creation_fails_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::create(
        dir.path(),
        CreateWith::Keyring(&MemoryCredentials::unavailable()),
        clock(),
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Credentials(CredentialError::Unavailable(_))
        ),
        "{error:?}"
    );
    assert_eq!(status(dir.path()).unwrap(), StoreStatus::NotCreated);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn creating_over_an_existing_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let error = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap_err();
    assert!(matches!(error, StoreError::AlreadyExists(_)), "{error:?}");
}

#[test]
fn a_short_passphrase_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::create(
        dir.path(),
        CreateWith::Passphrase(passphrase("kort")),
        clock(),
    )
    .unwrap_err();
    assert!(
        matches!(error, StoreError::Key(KeyError::PassphraseTooShort)),
        "{error:?}"
    );
    assert_eq!(status(dir.path()).unwrap(), StoreStatus::NotCreated);
}

#[test]
fn opening_with_the_wrong_method_says_which_method_the_store_needs() {
    let dir = tempfile::tempdir().unwrap();
    Store::create(
        dir.path(),
        CreateWith::Passphrase(passphrase("et langt passord")),
        clock(),
    )
    .unwrap();
    let error = Store::open(
        dir.path(),
        UnlockWith::Keyring(&MemoryCredentials::new()),
        clock(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("unlocked with a passphrase"),
        "{error}"
    );
}

#[test]
fn status_reads_the_key_source_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(status(dir.path()).unwrap(), StoreStatus::NotCreated);
    Store::create(
        dir.path(),
        CreateWith::Passphrase(passphrase("et langt passord")),
        clock(),
    )
    .unwrap();
    let StoreStatus::Created {
        meta: Some(meta),
        size_bytes,
    } = status(dir.path()).unwrap()
    else {
        panic!("expected a created store with metadata");
    };
    assert_eq!(meta.key_source, KeySource::Passphrase);
    assert!(size_bytes > 0);
}

#[test]
fn opening_a_missing_store_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::open(
        dir.path(),
        UnlockWith::Keyring(&MemoryCredentials::new()),
        clock(),
    )
    .unwrap_err();
    assert!(matches!(error, StoreError::NotCreated(_)), "{error:?}");
}

#[test]
fn a_file_that_is_not_a_store_is_reported_as_a_wrong_key_and_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(DB_FILE),
        b"this is a text file, not a database at all....",
    )
    .unwrap();
    let recovery = StoreKey::random().unwrap().recovery_key();
    let error = Store::open(
        dir.path(),
        UnlockWith::RecoveryKey(Secret::new(recovery.expose().to_owned())),
        clock(),
    )
    .unwrap_err();
    assert!(matches!(error, StoreError::WrongKey), "{error:?}");
    assert_eq!(
        std::fs::read(dir.path().join(DB_FILE)).unwrap(),
        b"this is a text file, not a database at all...."
    );
}

#[test]
fn drafts_are_listed_newest_first_with_masked_recipients_and_deleted_ones_go_to_the_trash() {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
    ));
    let store = Store::open_in_memory(clock.clone()).unwrap();
    let first = store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    clock.advance(chrono::Duration::minutes(1));
    let second = store
        .upsert_draft(letter_to("01813048589", "Ola Nordmann"))
        .unwrap();

    let list = store.list_drafts().unwrap();
    assert_eq!(
        list.iter().map(|d| &d.id).collect::<Vec<_>>(),
        [&second.id, &first.id]
    );
    assert_eq!(list[1].recipient_masked.as_deref(), Some("209146 *****"));

    store.delete_draft(&first.id).unwrap();
    assert_eq!(store.list_drafts().unwrap().len(), 1);
    store.restore_draft(&first.id).unwrap();
    assert_eq!(store.list_drafts().unwrap().len(), 2);
    assert!(matches!(
        store.delete_draft("no-such-id"),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn saving_an_existing_draft_updates_it_and_keeps_its_creation_time() {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
    ));
    let store = Store::open_in_memory(clock.clone()).unwrap();
    let first = store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    clock.advance(chrono::Duration::minutes(5));
    let mut edit = letter_to(FNR, NAME);
    edit.id = Some(first.id.clone());
    edit.title = "Endret tittel".into();
    let second = store.upsert_draft(edit).unwrap();
    assert_eq!(second.created_at, first.created_at);
    assert_eq!(
        second.updated_at,
        first.updated_at + chrono::Duration::minutes(5)
    );
    assert_eq!(second.title, "Endret tittel");
}

#[test]
fn the_recovery_key_opens_a_store_whose_metadata_file_is_damaged_and_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, recovery) =
        Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let saved = store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    drop(store);
    std::fs::write(dir.path().join(META_FILE), b"{ not json").unwrap();

    let keyring_error =
        Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap_err();
    assert!(
        matches!(keyring_error, StoreError::Corrupt(_)),
        "{keyring_error:?}"
    );
    let recovery = Secret::new(recovery.expose().to_owned());
    let store = Store::open(
        dir.path(),
        UnlockWith::RecoveryKey(recovery.clone()),
        clock(),
    )
    .unwrap();
    assert_eq!(store.get_draft(&saved.id).unwrap().title, saved.title);
    store
        .restore_key_to(dir.path(), &recovery, &credentials)
        .unwrap();
    drop(store);
    Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
}

#[test]
fn the_trash_keeps_drafts_for_thirty_days_then_purges_them() {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
    ));
    let store = Store::open_in_memory(clock.clone()).unwrap();
    let old = store.upsert_draft(letter_to(FNR, NAME)).unwrap();
    let copy = store.duplicate_draft(&old.id).unwrap();
    assert_eq!(copy.title, format!("{} (kopi)", old.title));
    store.delete_draft(&old.id).unwrap();
    clock.advance(chrono::Duration::days(20));
    store.delete_draft(&copy.id).unwrap();
    assert_eq!(store.list_trash().unwrap().len(), 2);

    clock.advance(chrono::Duration::days(11)); // old: 31 days in the trash, copy: 11
    assert_eq!(store.purge_trash().unwrap(), 1);
    let trash = store.list_trash().unwrap();
    assert_eq!(
        trash.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [copy.id.as_str()]
    );
    store.restore_draft(&copy.id).unwrap();
    assert_eq!(store.list_drafts().unwrap().len(), 1);
}
