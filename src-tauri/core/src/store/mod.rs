//! The encrypted local store: an SQLCipher file (and the outbox's documents, sealed beside
//! it), its key in the OS credential store (or derived from a passphrase), a recovery key
//! shown once at creation.
//!
//! Files in the data directory:
//! * `kommunepost.db` — SQLite, whole-file encrypted with a 256-bit raw key (SQLCipher 4).
//! * `kommunepost.store.json` — [`StoreMeta`]: where the key comes from; no secret.
//! * `kommunepost.documents/<generation>/` — the outbox's documents, in packs sealed with
//!   keys the database holds (see `documents.rs`).
//!
//! Losing the key is never silent: if the credential store cannot be reached, or has lost the
//! entry, opening fails with an error that says so, and the recovery key opens the store.

pub mod archive;
mod audit;
pub mod credentials;
mod documents;
mod drafts;
pub mod key;
mod mailings;
mod meta;
pub mod migrations;
mod outbox;
mod sends;
mod session;
mod signing;
mod templates;
pub mod worker_lock;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use archive::{
    ArchiveNumbers, ArchivePackage, NewPackage, PackageContents, PackageSource, PackageState,
};
pub use audit::{AuditEntry, AuditError, NewAuditEntry};
pub use credentials::{CredentialError, CredentialStore, MemoryCredentials, OsKeyring};
pub use drafts::{Draft, DraftId, DraftInput, DraftKind, DraftSummary, TRASH_DAYS};
pub use key::{KdfParams, KeyError, RecoveryKey, StoreKey};
pub use mailings::{Mailing, MailingProgress, MailingSource, NewMailing};
pub use meta::{KeySource, StoreMeta};
pub use outbox::{LetterKind, NewLetter, OutboxLetter, OutboxState, SendingMark};
pub use sends::{EarlierSend, NewSend};
pub use session::{StoreSession, StoreState};
pub use signing::{NewOrder, OrderSigner, OrderState, SigningOrder, signer_status_text};
pub use templates::{StoredTemplate, TemplateSummary};

use crate::clock::Clock;
use crate::secret::Secret;

/// The database file's name in the data directory.
pub const DB_FILE: &str = "kommunepost.db";
/// The metadata file's name in the data directory.
pub const META_FILE: &str = "kommunepost.store.json";

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No store in this directory yet.
    #[error("no store in {0}; create one first")]
    NotCreated(PathBuf),
    /// A store exists already; creating would destroy it.
    #[error("a store already exists in {0}; it was left as it is")]
    AlreadyExists(PathBuf),
    /// The key does not open the store. The file is untouched.
    #[error("wrong key: the store could not be decrypted (wrong passphrase or recovery key?)")]
    WrongKey,
    /// The store expects its key from the credential store, which has no entry for it.
    #[error(
        "the store's key is not in the credential store (was the keyring reset, or is this another user or machine?); unlock it with the recovery key"
    )]
    KeyNotInCredentialStore,
    /// A passphrase is required (passphrase store) but none was given, or vice versa.
    #[error("this store is unlocked with {expected}; {given} was given")]
    WrongUnlockMethod {
        /// What the store needs.
        expected: &'static str,
        /// What the caller offered.
        given: &'static str,
    },
    /// The credential store failed or cannot be reached.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// A key could not be made or read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The file is not a store (or is damaged).
    #[error("the store file is damaged or not a Kommunepost store: {0}")]
    Corrupt(String),
    /// A letter's documents are missing from their pack, or do not decrypt.
    #[error("the letter's documents cannot be read: {0}")]
    Documents(String),
    /// The store was written by a newer Kommunepost.
    #[error(
        "the store has schema version {found}, newer than this program knows ({known}); update Kommunepost"
    )]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// The store is locked: it must be unlocked before use.
    #[error("the store is locked; unlock it first")]
    Locked,
    /// A record was not found.
    #[error("{0} not found")]
    NotFound(String),
    /// A template is not valid.
    #[error(transparent)]
    Template(#[from] crate::letters::template::TemplateError),
    /// The worker's claim on a letter expired and another worker may have it: this worker
    /// leaves the letter alone.
    #[error("letter {0} is no longer claimed by this worker; another worker handles it")]
    ClaimLost(String),
    /// A claimed letter whose mailing was paused or cancelled before it was marked `sending`:
    /// it was not sent (a paused one was released, a cancelled one recalled).
    #[error("letter {0} was not sent: its mailing was paused or cancelled after it was claimed")]
    Withheld(String),
    /// The same send (the same preview) was confirmed twice: its letters are in the outbox
    /// already, and nothing more was queued.
    #[error("these letters are already in the outbox; nothing was queued again")]
    AlreadyQueued,
    /// A sent draft is kept as it was sent.
    #[error("the letter was sent on {0} and cannot be changed; make a copy to change it")]
    DraftSent(String),
    /// A stored value is invalid (a damaged row).
    #[error("invalid stored value: {0}")]
    Invalid(String),
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// How to create a store.
#[derive(Debug)]
pub enum CreateWith<'a> {
    /// A random key, kept in this credential store.
    Keyring(&'a dyn CredentialStore),
    /// A key derived from this passphrase (no credential store needed).
    Passphrase(Secret<String>),
}

/// How to open a store.
#[derive(Debug)]
pub enum UnlockWith<'a> {
    /// The key from this credential store (stores created with [`CreateWith::Keyring`]).
    Keyring(&'a dyn CredentialStore),
    /// The passphrase (stores created with [`CreateWith::Passphrase`]).
    Passphrase(Secret<String>),
    /// The recovery key (any store).
    RecoveryKey(Secret<String>),
}

/// What is in a data directory, read without a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreStatus {
    /// No store yet.
    NotCreated,
    /// A store exists.
    Created {
        /// Its metadata, `None` when the metadata file is missing (then only the recovery key
        /// opens it).
        meta: Option<StoreMeta>,
        /// Size of the database file and of the documents beside it, in bytes.
        size_bytes: u64,
    },
}

/// An open store. Cheap to share behind an `Arc`; SQLite calls are serialised by a mutex.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    clock: Arc<dyn Clock>,
    path: Option<PathBuf>,
    /// The key, so the recovery key can be shown again until the user confirms keeping it.
    key: Option<StoreKey>,
    /// Where the outbox's documents are kept (`None` in memory: then in the database).
    documents: Option<documents::DocumentFiles>,
}

/// Paths of a store's two files.
fn files(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join(DB_FILE), dir.join(META_FILE))
}

/// Reads what is in `dir` without a key.
pub fn status(dir: &Path) -> Result<StoreStatus, StoreError> {
    let (db, meta_path) = files(dir);
    match std::fs::metadata(&db) {
        Ok(file) => Ok(StoreStatus::Created {
            meta: StoreMeta::read(&meta_path)
                .map_err(|e| StoreError::Corrupt(format!("{META_FILE}: {e}")))?,
            size_bytes: file.len() + documents::size_beside(&db),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreStatus::NotCreated),
        Err(e) => Err(e.into()),
    }
}

impl Store {
    /// Creates a new store in `dir` and returns it with its recovery key, which the caller must
    /// show the user once. Fails with [`StoreError::AlreadyExists`] rather than touch an existing
    /// store.
    pub fn create(
        dir: &Path,
        with: CreateWith<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, RecoveryKey), StoreError> {
        let (db, meta_path) = files(dir);
        if db.exists() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        std::fs::create_dir_all(dir)?;
        let mut meta = StoreMeta {
            format: 1,
            store_id: uuid::Uuid::new_v4().to_string(),
            key_source: KeySource::Keyring,
            kdf: None,
            created_at: clock.now(),
            recovery_key_confirmed: false,
        };
        let key = match &with {
            CreateWith::Keyring(credentials) => {
                let key = StoreKey::random()?;
                credentials.set(&meta.keyring_account(), &key.to_hex())?;
                key
            }
            CreateWith::Passphrase(passphrase) => {
                if passphrase.expose().chars().count() < key::MIN_PASSPHRASE_CHARS {
                    return Err(KeyError::PassphraseTooShort.into());
                }
                let params = StoreKey::new_kdf_params()?;
                let key = StoreKey::from_passphrase(passphrase.expose(), &params)?;
                meta.key_source = KeySource::Passphrase;
                meta.kdf = Some(params);
                key
            }
        };
        // Build the database under a temporary name and rename it into place last, so a crash
        // never leaves a half-made store that looks real.
        let tmp = dir.join(format!("{DB_FILE}.creating"));
        let _ = std::fs::remove_file(&tmp);
        let result = (|| {
            let conn = open_keyed(&tmp, &key, true)?;
            let store = Self::finish_open(conn, clock.clone(), None, None)?;
            // Everything into the one file before it is renamed: a write-ahead log left
            // beside the temporary name would not follow it, and the store would open
            // without its tables. (The store is in WAL mode again when opened.)
            store
                .conn()
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
            drop(store);
            meta.write(&meta_path)?;
            std::fs::rename(&tmp, &db)?;
            Ok::<_, StoreError>(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            if let CreateWith::Keyring(credentials) = with {
                let _ = credentials.delete(&meta.keyring_account());
            }
            return Err(e);
        }
        tracing::info!(dir = %dir.display(), source = ?meta.key_source, "created store");
        let store = Self::open_with_key(dir, &key, clock)?;
        Ok((store, key.recovery_key()))
    }

    /// Opens the store in `dir`. A wrong key fails with [`StoreError::WrongKey`] and leaves the
    /// file untouched.
    pub fn open(
        dir: &Path,
        with: UnlockWith<'_>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let meta = match status(dir) {
            Ok(StoreStatus::NotCreated) => return Err(StoreError::NotCreated(dir.to_path_buf())),
            Ok(StoreStatus::Created { meta, .. }) => meta,
            // The recovery key needs no metadata: a damaged metadata file must not lock the
            // user out.
            Err(StoreError::Corrupt(_)) if matches!(with, UnlockWith::RecoveryKey(_)) => None,
            Err(e) => return Err(e),
        };
        let key = key_for(meta, with)?;
        Self::open_with_key(dir, &key, clock)
    }

    fn open_with_key(
        dir: &Path,
        key: &StoreKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let (db, _) = files(dir);
        let conn = open_keyed(&db, key, false)?;
        let store = Self::finish_open(conn, clock, Some(db), Some(key.clone()))?;
        store.sweep_documents();
        Ok(store)
    }

    /// After a recovery-key unlock of a keyring store: puts the key back into the credential
    /// store so the next start opens without the recovery key.
    pub fn restore_key_to(
        &self,
        dir: &Path,
        recovery_key: &Secret<String>,
        credentials: &dyn CredentialStore,
    ) -> Result<(), StoreError> {
        let meta_path = files(dir).1;
        let meta = match StoreMeta::read(&meta_path) {
            Ok(Some(meta)) => meta,
            // Missing or damaged: write it anew for a keyring store (the recovery key is the key).
            Ok(None) | Err(_) => {
                let meta = StoreMeta {
                    format: 1,
                    store_id: uuid::Uuid::new_v4().to_string(),
                    key_source: KeySource::Keyring,
                    kdf: None,
                    created_at: self.clock.now(),
                    recovery_key_confirmed: true,
                };
                meta.write(&meta_path)?;
                meta
            }
        };
        let key = StoreKey::from_recovery_key(recovery_key.expose())?;
        credentials.set(&meta.keyring_account(), &key.to_hex())?;
        Ok(())
    }

    /// A store in memory (never on disk, so unencrypted), for tests.
    pub fn open_in_memory(clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        sqlite_ready()?;
        let conn = Connection::open_in_memory()?;
        Self::finish_open(conn, clock, None, None)
    }

    fn finish_open(
        mut conn: Connection,
        clock: Arc<dyn Clock>,
        path: Option<PathBuf>,
        key: Option<StoreKey>,
    ) -> Result<Self, StoreError> {
        let found = migrations::current_version_if_any(&conn)?;
        if found > migrations::latest_version() {
            return Err(StoreError::TooNew {
                found,
                known: migrations::latest_version(),
            });
        }
        migrations::migrate(&mut conn, clock.as_ref())?;
        // Plans do not depend on the values bound: without this, SQLite re-prepares a
        // statement whenever a bound value might change its plan, which for the worker's
        // statements was every time (measured: each of 10 000 document reads re-prepared).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        let documents = match &path {
            Some(db) => Some(documents::DocumentFiles::beside(db, &generation(&conn)?)),
            None => None,
        };
        Ok(Self {
            conn: Mutex::new(conn),
            clock,
            documents,
            path,
            key,
        })
    }

    /// Writes an online backup of the open store to `out`: one SQLCipher file encrypted with
    /// the same key, so it opens with the same credential-store entry, passphrase or recovery
    /// key, and holding the outbox's documents itself (it needs no pack file). Written under a
    /// temporary name and renamed into place when complete.
    pub fn backup_to(&self, out: &Path) -> Result<(), StoreError> {
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| StoreError::Invalid("a store in memory has no backup".into()))?;
        if out.exists() {
            return Err(StoreError::Invalid(format!(
                "{} exists already; choose a new file name",
                out.display()
            )));
        }
        let tmp = out.with_extension("partial");
        let _ = std::fs::remove_file(&tmp);
        let path = tmp
            .to_str()
            .ok_or_else(|| StoreError::Invalid("the backup's path is not valid text".into()))?
            .to_owned();
        let result = (|| {
            // The store's connection may not create files: an empty file is an empty database.
            std::fs::File::create(&tmp)?;
            let conn = self.conn();
            // The key literal is hex only, so formatting it into the statement is safe; the
            // path goes as a parameter.
            conn.execute(
                &format!(
                    "ATTACH DATABASE ?1 AS backup KEY \"{}\"",
                    key.sqlcipher_literal()
                ),
                [&path],
            )?;
            let exported = conn
                .query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(()))
                .map_err(StoreError::from)
                .and_then(|()| match &self.documents {
                    Some(files) => inline_documents(&conn, "backup", files),
                    None => Ok(0),
                });
            let detached = conn.execute_batch("DETACH DATABASE backup");
            let unreadable = exported?;
            detached?;
            if unreadable > 0 {
                tracing::warn!(
                    unreadable,
                    "the backup holds letters whose documents could not be read (they fail when sent)"
                );
            }
            drop(conn);
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, out)?;
            Ok::<_, StoreError>(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// For the benchmarks that print what `synchronous=FULL` costs, and nothing else: commits
    /// of this connection return before they reach the disk (`synchronous=NORMAL`), so a power
    /// cut can lose the last of them. The program never calls this.
    #[doc(hidden)]
    pub fn relax_durability_for_benchmarks(&self) -> Result<(), StoreError> {
        self.conn().pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// A store in `dir` whose database is NOT encrypted, with the same schema, WAL and
    /// `synchronous=FULL`, and the documents in packs as in a real store: the floor the
    /// benchmarks measure SQLCipher against (the same writes to plain SQLite). The program
    /// never calls this.
    #[doc(hidden)]
    pub fn create_unencrypted_for_benchmarks(
        dir: &Path,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        sqlite_ready()?;
        std::fs::create_dir_all(dir)?;
        let db = dir.join("plain-benchmark.sqlite");
        let conn = Connection::open(&db)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut store = Self::finish_open(conn, clock, None, None)?;
        // The documents go to packs as in a real store (sealed the same way).
        let generation = generation(&store.conn())?;
        store.documents = Some(documents::DocumentFiles::beside(&db, &generation));
        Ok(store)
    }

    /// The recovery key of this store (`None` in memory).
    pub fn recovery_key(&self) -> Option<RecoveryKey> {
        self.key.as_ref().map(StoreKey::recovery_key)
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(migrations::current_version(&self.conn())?)
    }

    /// The database file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back on drop), so a poisoned lock is still safe to use.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The key `with` gives for a store with metadata `meta`.
fn key_for(meta: Option<StoreMeta>, with: UnlockWith<'_>) -> Result<StoreKey, StoreError> {
    let key = match with {
        UnlockWith::RecoveryKey(text) => StoreKey::from_recovery_key(text.expose())?,
        UnlockWith::Keyring(credentials) => {
            let meta = meta.ok_or(StoreError::KeyNotInCredentialStore)?;
            if meta.key_source != KeySource::Keyring {
                return Err(StoreError::WrongUnlockMethod {
                    expected: "a passphrase",
                    given: "the credential store",
                });
            }
            let hex = credentials
                .get(&meta.keyring_account())?
                .ok_or(StoreError::KeyNotInCredentialStore)?;
            StoreKey::from_hex(hex.expose()).ok_or_else(|| {
                StoreError::Corrupt("the key in the credential store is not a key".into())
            })?
        }
        UnlockWith::Passphrase(passphrase) => {
            let kdf = meta
                .and_then(|m| m.kdf)
                .ok_or(StoreError::WrongUnlockMethod {
                    expected: "the credential store (or the recovery key)",
                    given: "a passphrase",
                })?;
            StoreKey::from_passphrase(passphrase.expose(), &kdf)?
        }
    };
    Ok(key)
}

/// Puts the bytes of every packed document of the database `schema` (on `conn`) into its row,
/// reading them from `files`, so that database needs no pack file; drops the keys of packs no
/// row needs any more. A document that cannot be read (its pack missing or altered) keeps its
/// pack's reference, and fails as it would have when its letter is sent; returns how many.
/// One transaction; other errors undo it.
fn inline_documents(
    conn: &Connection,
    schema: &str,
    files: &documents::DocumentFiles,
) -> Result<usize, StoreError> {
    type Packed = (
        i64,
        String,
        i64,
        String,
        i64,
        i64,
        zeroize::Zeroizing<Vec<u8>>,
    );
    let packed: Vec<Packed> = conn
        .prepare(&format!(
            "SELECT d.rowid, d.letter_id, d.position, d.pack, d.pack_offset, d.pack_length, p.key
             FROM {schema}.outbox_documents d JOIN {schema}.document_packs p ON p.id = d.pack"
        ))?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(6)?),
            ))
        })?
        .collect::<Result<_, _>>()?;
    conn.execute_batch("BEGIN")?;
    let copied = (|| {
        let mut update = conn.prepare(&format!(
            "UPDATE {schema}.outbox_documents
             SET bytes = ?2, pack = NULL, pack_offset = NULL, pack_length = NULL WHERE rowid = ?1"
        ))?;
        let mut unreadable = 0;
        for (rowid, letter, position, pack, offset, length, key) in packed {
            let placed = documents::Placed::stored(offset, length);
            let position = usize::try_from(position).unwrap_or(usize::MAX);
            match files.open(&pack, &key, placed, &letter, position) {
                Ok(bytes) => {
                    update.execute(rusqlite::params![rowid, bytes])?;
                }
                Err(StoreError::Documents(_)) => unreadable += 1,
                Err(error) => return Err(error),
            }
        }
        conn.execute_batch(&format!(
            "DELETE FROM {schema}.document_packs WHERE id NOT IN
               (SELECT pack FROM {schema}.outbox_documents WHERE pack IS NOT NULL)"
        ))?;
        Ok::<_, StoreError>(unreadable)
    })();
    let committed = copied.and_then(|unreadable| {
        conn.execute_batch("COMMIT")?;
        Ok(unreadable)
    });
    if committed.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    committed
}

/// The generation of the database on `conn` (see `documents.rs`).
fn generation(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("SELECT id FROM document_generation", [], |r| r.get(0))
}

/// Replaces the store in `dir` with the backup `from`, which must open with the key `with`
/// gives (the store's own credential-store entry or passphrase, or the recovery key). The
/// store it replaces is kept beside it (`kommunepost.db.before-restore-<time>`; its documents
/// stay in their generation under `kommunepost.documents/`). Returns that file's path.
///
/// A restored store never sends a letter twice: the backup cannot know what was sent after it
/// was taken, so every letter not known to be accepted (held, queued or being sent) is marked
/// as one whose send outcome is unknown, and the worker looks it up in SvarUt by its reference
/// before any send; signing orders being sent become uncertain. The caller holds the worker
/// lock, so no worker runs meanwhile.
pub fn restore(
    dir: &Path,
    from: &Path,
    with: UnlockWith<'_>,
    clock: Arc<dyn Clock>,
) -> Result<PathBuf, StoreError> {
    let (db, meta_path) = files(dir);
    let meta = match StoreMeta::read(&meta_path) {
        Ok(meta) => meta,
        Err(_) if matches!(with, UnlockWith::RecoveryKey(_)) => None,
        Err(e) => return Err(StoreError::Corrupt(format!("{META_FILE}: {e}"))),
    };
    let key = key_for(meta, with)?;
    std::fs::create_dir_all(dir)?;
    let restoring = dir.join(format!("{DB_FILE}.restoring"));
    let _ = std::fs::remove_file(&restoring);
    std::fs::copy(from, &restoring)?;
    let checked = (|| {
        let conn = open_keyed(&restoring, &key, false)?;
        let store = Store::finish_open(conn, clock.clone(), None, None)?;
        let now = clock.now().to_rfc3339();
        store.conn().execute_batch(&format!(
            "BEGIN IMMEDIATE;
             INSERT INTO outbox_events (letter_id, at, text)
               SELECT id, '{now}', 'Gjenopprettet fra sikkerhetskopi: slås opp i SvarUt før noe sendes'
               FROM outbox WHERE state IN ('held', 'queued', 'sending');
             UPDATE outbox SET state = 'sending', attempts = MAX(attempts, 1), claimed_by = NULL,
               lease_until = NULL WHERE state IN ('held', 'queued', 'sending');
             COMMIT;"
        ))?;
        store.settle_interrupted_signing_orders()?;
        // Self-contained, in a generation of its own: the documents of a backup are in it
        // already; a store file that still refers to packs (one kept aside here by an earlier
        // restore) has them put into it from this directory. The store it replaces keeps its
        // packs in its own generation, untouched.
        let conn = store.conn();
        let files = documents::DocumentFiles::beside(&db, &generation(&conn)?);
        let unreadable = inline_documents(&conn, "main", &files)?;
        if unreadable > 0 {
            tracing::warn!(
                unreadable,
                "the restored store holds letters whose documents could not be read (they fail when sent)"
            );
        }
        conn.execute(
            "UPDATE document_generation SET id = ?1",
            [documents::new_generation()],
        )?;
        drop(conn);
        store
            .conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
        Ok::<_, StoreError>(())
    })();
    if let Err(error) = checked {
        let _ = std::fs::remove_file(&restoring);
        return Err(error);
    }
    let stamp = clock.now().format("%Y%m%dT%H%M%SZ");
    let aside = dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
    if db.exists() {
        std::fs::rename(&db, &aside)?;
        for suffix in ["-wal", "-shm"] {
            let side = dir.join(format!("{DB_FILE}{suffix}"));
            if side.exists() {
                std::fs::rename(
                    &side,
                    dir.join(format!("{DB_FILE}.before-restore-{stamp}{suffix}")),
                )?;
            }
        }
    }
    std::fs::rename(&restoring, &db)?;
    tracing::info!(dir = %dir.display(), "restored the store from a backup");
    Ok(aside)
}

/// Whether the user has confirmed keeping the recovery key of the store in `dir` (true when
/// there is no metadata to say otherwise).
pub fn recovery_key_confirmed(dir: &Path) -> bool {
    StoreMeta::read(&files(dir).1)
        .ok()
        .flatten()
        .is_none_or(|meta| meta.recovery_key_confirmed)
}

/// Records that the user has kept the recovery key: it is not shown again.
pub fn confirm_recovery_key(dir: &Path) -> Result<(), StoreError> {
    let path = files(dir).1;
    let Some(mut meta) = StoreMeta::read(&path)? else {
        return Ok(());
    };
    if !meta.recovery_key_confirmed {
        meta.recovery_key_confirmed = true;
        meta.write(&path)?;
    }
    Ok(())
}

/// Opens (or with `create`, creates) an SQLCipher file with `key`, and proves the key right
/// before anything is written: SQLCipher accepts any key and fails only at the first read.
/// Runs SQLite's and SQLCipher's one-time start-up to its end before the first connection.
///
/// SQLite marks itself initialised before it runs SQLCipher's start-up (`SQLITE_EXTRA_INIT`),
/// so a thread opening a connection while another is still starting SQLCipher gets "An error
/// occurred with PRAGMA key" (about 1 process start in 75 with 8 threads; seen in CI as a new
/// store that needed its recovery key). Every connection the store opens comes here first.
/// Tested by `tests/store_first_open.rs`.
fn sqlite_ready() -> Result<(), StoreError> {
    static READY: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    // The first connection runs the start-up to its end (rusqlite's open initialises SQLite,
    // which runs SQLCipher's); other threads wait here until it has.
    READY
        .get_or_init(|| {
            let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
            conn.query_row("PRAGMA cipher_version", [], |r| r.get::<_, String>(0))
                .map(|_| ())
                .map_err(|e| format!("SQLCipher did not start: {e}"))
        })
        .clone()
        .map_err(StoreError::Invalid)
}

fn open_keyed(path: &Path, key: &StoreKey, create: bool) -> Result<Connection, StoreError> {
    sqlite_ready()?;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // A wrong key makes SQLCipher log "hmac check failed" to stderr; the error is reported
    // to the caller instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    // The literal is hex only, so formatting it into the statement cannot inject anything.
    conn.execute_batch(&format!("PRAGMA key = \"{}\";", key.sqlcipher_literal()))?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(StoreError::WrongKey);
        }
        Err(e) => return Err(e.into()),
    }
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    debug_assert_eq!(mode.to_lowercase(), "wal");
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // FULL: every commit is on disk before it returns. A `sending` mark must survive a power
    // cut after the request left, and so must a signing status confirmed to the service.
    // (The cost is printed by the foundation and pipeline benches.)
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
