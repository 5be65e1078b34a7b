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

/// Every byte of every file in the directory and below, to search for plaintext.
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_file() {
            bytes.extend(std::fs::read(path).unwrap());
        } else if path.is_dir() {
            bytes.extend(all_bytes(&path));
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

/// A letter for the outbox whose one document is `document`.
fn queued(document: &str) -> NewLetter {
    NewLetter {
        mailing_id: None,
        recipient_name: NAME.into(),
        recipient_id: Some(crate::ident::Identifier::parse(FNR).unwrap()),
        forsendelse: crate::svarut::model::Forsendelse {
            tittel: "Vedtak".into(),
            ..Default::default()
        },
        documents: vec![document.as_bytes().to_vec()],
        hold: chrono::Duration::zero(),
        kind: LetterKind::Ordinary,
        pages: 1,
        environment: "sandbox".into(),
        case: None,
        title: None,
    }
}

/// The pack files beside the store in `dir`, of every generation.
fn packs(dir: &Path) -> Vec<PathBuf> {
    let Ok(generations) = std::fs::read_dir(dir.join(documents::DOCUMENTS_DIR)) else {
        return Vec::new();
    };
    let mut packs: Vec<_> = generations
        .flat_map(|g| std::fs::read_dir(g.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    packs.sort();
    packs
}

const DOCUMENT: &str = "%PDF-1.7 Vedtak om barnehageplass til Kristiansen";

#[test]
fn queued_documents_are_sealed_in_a_pack_beside_the_database_and_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let (_, ids) = store
        .enqueue_letters(None, vec![queued(DOCUMENT), queued("%PDF-1.7 the second")])
        .unwrap();
    let one = store.enqueue_letter(queued("%PDF-1.7 alone")).unwrap();
    // One pack for each transaction.
    assert_eq!(packs(dir.path()).len(), 2);
    assert_eq!(
        store.letter_documents(&ids[0]).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
    assert_eq!(
        store.letter_documents(&ids[1]).unwrap(),
        vec![b"%PDF-1.7 the second".to_vec()]
    );
    assert_eq!(
        store.letter_documents(&one.id).unwrap(),
        vec![b"%PDF-1.7 alone".to_vec()]
    );
    drop(store);
    let bytes = all_bytes(dir.path());
    assert!(
        !contains(&bytes, "barnehageplass"),
        "a document in plaintext"
    );
    assert!(!contains(&bytes, "%PDF"), "a document in plaintext");
    // Reopened, they still come back.
    let store = Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
    assert_eq!(
        store.letter_documents(&ids[0]).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
}

#[test]
fn a_letter_queued_before_packs_keeps_its_documents_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let letter = store.enqueue_letter(queued("%PDF-1.7 new")).unwrap();
    // As an earlier version wrote it: the bytes in the row, no pack.
    store
        .conn()
        .execute(
            "UPDATE outbox_documents SET bytes = ?2, pack = NULL, pack_offset = NULL,
             pack_length = NULL, size = NULL WHERE letter_id = ?1",
            rusqlite::params![letter.id, DOCUMENT.as_bytes()],
        )
        .unwrap();
    assert_eq!(
        store.letter_documents(&letter.id).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
}

#[test]
fn a_missing_or_altered_pack_is_an_error_that_names_the_letter() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let letter = store.enqueue_letter(queued(DOCUMENT)).unwrap();
    let pack = packs(dir.path()).remove(0);
    let mut bytes = std::fs::read(&pack).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&pack, &bytes).unwrap();
    let error = store.letter_documents(&letter.id).unwrap_err();
    assert!(matches!(error, StoreError::Documents(_)), "{error:?}");
    assert!(error.to_string().contains(&letter.id), "{error}");
    std::fs::remove_file(&pack).unwrap();
    let error = store.letter_documents(&letter.id).unwrap_err();
    assert!(error.to_string().contains("missing"), "{error}");
    assert!(!error.to_string().contains(FNR));
}

#[test]
fn a_transaction_that_queues_nothing_leaves_no_pack() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let send = NewSend {
        key: "preview-1".into(),
        fingerprint: "f".into(),
        list_fingerprint: None,
        draft_id: None,
        title: "Vedtak".into(),
        environment: "sandbox".into(),
    };
    store
        .enqueue_send(Some(&send), None, vec![queued(DOCUMENT)])
        .unwrap();
    assert_eq!(packs(dir.path()).len(), 1);
    // The same preview confirmed again: nothing is queued, and its pack goes.
    let error = store
        .enqueue_send(Some(&send), None, vec![queued(DOCUMENT)])
        .unwrap_err();
    assert!(matches!(error, StoreError::AlreadyQueued), "{error:?}");
    assert_eq!(packs(dir.path()).len(), 1);
}

#[test]
fn a_pack_a_crash_left_without_letters_is_removed_at_open_once_an_hour_old() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let letter = store.enqueue_letter(queued(DOCUMENT)).unwrap();
    // Written and synced, then the process died before the transaction committed.
    let sealed = store
        .seal_documents(&[queued("%PDF-1.7 never queued")])
        .unwrap();
    sealed.kept();
    drop(store);
    let all = packs(dir.path());
    assert_eq!(all.len(), 2);
    let hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for path in &all {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
    }
    let store = Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
    assert_eq!(
        packs(dir.path()).len(),
        1,
        "the orphan went, the letter's pack stayed"
    );
    assert_eq!(
        store.letter_documents(&letter.id).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
}

#[test]
fn a_backup_holds_the_documents_and_a_restore_brings_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let letter = store.enqueue_letter(queued(DOCUMENT)).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let backup = elsewhere.path().join("kopi.db");
    store.backup_to(&backup).unwrap();
    // The backup is one file: its documents do not need the packs, and it holds none in
    // plaintext.
    assert!(!contains(
        &std::fs::read(&backup).unwrap(),
        "barnehageplass"
    ));
    let before = packs(dir.path());
    assert_eq!(before.len(), 1);
    drop(store);
    let aside = restore(
        dir.path(),
        &backup,
        UnlockWith::Keyring(&credentials),
        clock(),
    )
    .unwrap();
    assert!(aside.exists());
    // The replaced store's pack stays where it was, for the store kept aside.
    assert_eq!(packs(dir.path()), before);
    let store = Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
    assert_eq!(
        store.letter_documents(&letter.id).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
    // What is queued after the restore goes to packs of the restored store's own.
    let after = store.enqueue_letter(queued("%PDF-1.7 after")).unwrap();
    assert_eq!(
        store.letter_documents(&after.id).unwrap(),
        vec![b"%PDF-1.7 after".to_vec()]
    );
    let now = packs(dir.path());
    assert_eq!(now.len(), 2);
    assert_ne!(now[0].parent(), now[1].parent(), "two generations");
    drop(store);

    // The store kept aside, restored in turn, still has its documents (read from its packs
    // here), and the restored one keeps its own.
    let elsewhere_copy = elsewhere.path().join("aside.db");
    std::fs::copy(&aside, &elsewhere_copy).unwrap();
    restore(
        dir.path(),
        &elsewhere_copy,
        UnlockWith::Keyring(&credentials),
        clock(),
    )
    .unwrap();
    let store = Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
    assert_eq!(
        store.letter_documents(&letter.id).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
    assert_eq!(packs(dir.path()).len(), 2);
}

#[test]
fn a_damaged_pack_does_not_stop_a_backup_and_its_letter_fails_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (store, _) = Store::create(dir.path(), CreateWith::Keyring(&credentials), clock()).unwrap();
    let lost = store.enqueue_letter(queued("%PDF-1.7 lost")).unwrap();
    std::fs::remove_file(packs(dir.path()).remove(0)).unwrap();
    let kept = store.enqueue_letter(queued(DOCUMENT)).unwrap();
    let backup = dir.path().join("kopi.db");
    store.backup_to(&backup).unwrap();
    drop(store);
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join(META_FILE), restored.path().join(META_FILE)).unwrap();
    restore(
        restored.path(),
        &backup,
        UnlockWith::Keyring(&credentials),
        clock(),
    )
    .unwrap();
    let store = Store::open(restored.path(), UnlockWith::Keyring(&credentials), clock()).unwrap();
    assert_eq!(
        store.letter_documents(&kept.id).unwrap(),
        vec![DOCUMENT.as_bytes().to_vec()]
    );
    let error = store.letter_documents(&lost.id).unwrap_err();
    assert!(matches!(error, StoreError::Documents(_)), "{error:?}");
}
