//! The outbox's documents, kept beside the database in pack files: one pack for each
//! transaction that queues letters (a chunk of a mass mailing, or one letter), sealed with
//! AES-256-GCM under a random key of its own that only the database holds.
//!
//! Why not in the database: SQLCipher encrypts and authenticates every 4 KiB page
//! (AES-256-CBC and HMAC-SHA512), and SQLite writes each page twice (the write-ahead log, then
//! the checkpoint). A 10 000-letter mailing is 240 MB of PDF: 2.6 s into the store against
//! 0.2 s as packs (measured by the pipeline bench). The database keeps the letters, the pack
//! keys and where each document lies; a pack holds nothing readable without them.
//!
//! Where: `kommunepost.documents/<generation>/<pack id>.kpd`. The generation is the
//! database's own (table `document_generation`): a store restored from a backup starts a new
//! one, so the store it replaced, kept aside, keeps its packs. File names are random ids: no
//! name, number or title of a letter.
//!
//! Crash consistency: a pack is written and synced *before* the transaction that refers to it
//! commits, and its writer holds a lock on it until then. A crash in between leaves a pack
//! no row knows, which [`DocumentFiles::sweep`] removes once it is an hour old and nobody
//! holds its lock (a process that sealed it and slept before committing still holds it). A
//! pack a committed row refers to is never changed.
//!
//! Pack layout: [`MAGIC`], then each document sealed in turn (ciphertext, then the 16-byte
//! tag). A document's nonce is its offset in the pack (unique within the pack, whose key is
//! used for no other pack); its associated data is its letter's id and position, so a
//! document can only be opened as the document it was written as.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use openssl::symm::{Cipher, Crypter, Mode, decrypt_aead};
use rusqlite::params;
use zeroize::Zeroize;

use super::outbox::{NewLetter, insert_letter};
use super::{Store, StoreError};

/// The directory beside the database file.
pub const DOCUMENTS_DIR: &str = "kommunepost.documents";
/// A pack file's first bytes.
const MAGIC: &[u8; 8] = b"KPDOCS1\n";
/// The file name's ending.
const EXTENSION: &str = "kpd";
/// GCM's tag.
const TAG: usize = 16;
/// The largest document a pack takes or gives back (the outbox takes nothing near it; a
/// larger length in a row is damage).
const MAX_DOCUMENT: u64 = 512 * 1024 * 1024;
/// How old a pack no row refers to must be before [`DocumentFiles::sweep`] removes it.
const ORPHAN_AGE: Duration = Duration::from_secs(60 * 60);

/// Where a document lies in its pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Placed {
    /// Offset of its sealed bytes in the pack.
    pub offset: u64,
    /// Length of its sealed bytes (the document and the tag).
    pub length: u64,
}

impl Placed {
    /// As a row holds it; a negative value (damage) becomes a place [`DocumentFiles::open`]
    /// refuses.
    pub fn stored(offset: i64, length: i64) -> Self {
        Self {
            offset: u64::try_from(offset).unwrap_or(0),
            length: u64::try_from(length).unwrap_or(0),
        }
    }
}

/// A pack written and synced, that no committed row refers to yet; its file is locked until
/// [`Self::kept`]. Dropped without it, the file is removed (the transaction that was to refer
/// to it did not commit).
pub(super) struct SealedPack {
    /// Its id (also its file name).
    pub id: String,
    /// Its key, for the database (wiped when dropped).
    pub key: [u8; 32],
    /// For each letter, in order, where each of its documents lies.
    pub letters: Vec<Vec<Placed>>,
    path: PathBuf,
    /// Open and locked while no committed row refers to the pack.
    file: Option<std::fs::File>,
}

impl std::fmt::Debug for SealedPack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedPack")
            .field("id", &self.id)
            .field("letters", &self.letters.len())
            .finish_non_exhaustive()
    }
}

impl SealedPack {
    /// The transaction that refers to it committed (or its commit failed without saying
    /// whether it reached the disk): the file stays, and its lock is let go.
    pub fn kept(mut self) {
        self.file = None;
    }
}

impl Drop for SealedPack {
    fn drop(&mut self) {
        self.key.zeroize();
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The pack files of one store's database.
#[derive(Debug, Clone)]
pub(super) struct DocumentFiles {
    dir: PathBuf,
    /// Set once the directories above the packs are known to be on disk.
    parents_synced: std::sync::OnceLock<()>,
}

/// The associated data of a letter's document: its letter's id and position.
fn associated(letter_id: &str, position: usize) -> Vec<u8> {
    format!("{letter_id}/{position}").into_bytes()
}

/// Seals `document` (nonce from `offset`, associated data `aad`) into `out`: the ciphertext,
/// then the tag. `out` is reused from document to document.
fn seal_one(
    key: &[u8; 32],
    offset: u64,
    aad: &[u8],
    document: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), StoreError> {
    let failed = |e: openssl::error::ErrorStack| {
        StoreError::Invalid(format!("a document could not be sealed: {e}"))
    };
    let mut crypter = Crypter::new(
        Cipher::aes_256_gcm(),
        Mode::Encrypt,
        key,
        Some(&nonce(offset)),
    )
    .map_err(failed)?;
    crypter.aad_update(aad).map_err(failed)?;
    // GCM is a stream: the ciphertext is as long as the document (plus room openssl asks
    // for), then the tag.
    out.clear();
    out.resize(document.len() + Cipher::aes_256_gcm().block_size(), 0);
    let mut length = crypter.update(document, out).map_err(failed)?;
    length += crypter.finalize(&mut out[length..]).map_err(failed)?;
    out.truncate(length);
    let mut tag = [0u8; TAG];
    crypter.get_tag(&mut tag).map_err(failed)?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// A document's nonce: its offset in the pack.
fn nonce(offset: u64) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[4..].copy_from_slice(&offset.to_be_bytes());
    nonce
}

/// A new generation: 32 hex digits.
pub(super) fn new_generation() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl DocumentFiles {
    /// The packs of generation `generation` of the store whose database is `db`.
    pub fn beside(db: &Path, generation: &str) -> Self {
        Self {
            dir: documents_dir(db).join(generation),
            parents_synced: std::sync::OnceLock::new(),
        }
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.{EXTENSION}"))
    }

    /// Seals the documents of `letters` (each: its id and its documents, in order) into a new
    /// pack under a new key, written and synced before this returns, and locked until
    /// [`SealedPack::kept`].
    pub fn seal<'a>(
        &self,
        letters: impl IntoIterator<Item = (&'a str, &'a [Vec<u8>])>,
    ) -> Result<SealedPack, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut key = [0u8; 32];
        openssl::rand::rand_bytes(&mut key)
            .map_err(|e| StoreError::Invalid(format!("no random key for a document pack: {e}")))?;
        std::fs::create_dir_all(&self.dir)?;
        // The directories' entries, durable before any commit refers to a pack in them
        // (whoever made them: another process may have, and not synced them yet).
        self.parents_synced.get_or_init(|| {
            if let Some(parent) = self.dir.parent() {
                sync_dir(parent);
                if let Some(grandparent) = parent.parent() {
                    sync_dir(grandparent);
                }
            }
        });
        let path = self.path_of(&id);
        let file = std::fs::File::create_new(&path)?;
        // Locked before anything is in it, so no sweep takes it while it is written or while
        // its transaction has not committed.
        let mut pack = SealedPack {
            id,
            key,
            letters: Vec::new(),
            path,
            file: Some(file),
        };
        key.zeroize();
        if let Some(file) = &pack.file {
            match file.try_lock() {
                Ok(()) => {}
                // A file system without locks: the pack's age alone protects it (the sweep
                // cannot lock it either, so it leaves it alone).
                Err(std::fs::TryLockError::Error(error)) => {
                    tracing::warn!(%error, "a new document pack could not be locked");
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Invalid(
                        "a new document pack was locked by someone else".into(),
                    ));
                }
            }
        }
        let file = pack.file.as_ref().expect("set above");
        // Written as it is sealed, a document at a time, so no mailing's chunk is held twice.
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
        out.write_all(MAGIC)?;
        let mut offset = MAGIC.len() as u64;
        let mut sealed = Vec::new();
        for (letter_id, documents) in letters {
            let mut places = Vec::with_capacity(documents.len());
            for (position, document) in documents.iter().enumerate() {
                if document.len() as u64 > MAX_DOCUMENT {
                    return Err(StoreError::Invalid(format!(
                        "document {} of a letter is larger than {} MiB",
                        position + 1,
                        MAX_DOCUMENT / 1024 / 1024
                    )));
                }
                seal_one(
                    &pack.key,
                    offset,
                    &associated(letter_id, position),
                    document,
                    &mut sealed,
                )?;
                out.write_all(&sealed)?;
                places.push(Placed {
                    offset,
                    length: sealed.len() as u64,
                });
                offset += sealed.len() as u64;
            }
            pack.letters.push(places);
        }
        out.flush()?;
        drop(out);
        file.sync_all()?;
        sync_dir(&self.dir);
        Ok(pack)
    }

    /// Opens the document of `letter_id` at `position` that lies at `placed` in pack `pack`
    /// (sealed with `key`). A missing, cut or altered pack is [`StoreError::Documents`], which
    /// says which; a failing disk is [`StoreError::Io`] (it may pass).
    pub fn open(
        &self,
        pack: &str,
        key: &[u8],
        placed: Placed,
        letter_id: &str,
        position: usize,
    ) -> Result<Vec<u8>, StoreError> {
        let damaged = |why: &str| {
            StoreError::Documents(format!(
                "document {} of letter {letter_id} ({DOCUMENTS_DIR}/…/{pack}.{EXTENSION}): {why}",
                position.saturating_add(1)
            ))
        };
        let cut = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                damaged("the pack file is cut short")
            } else {
                StoreError::Io(e)
            }
        };
        if placed.length < TAG as u64
            || placed.length > MAX_DOCUMENT + TAG as u64
            || placed.offset < MAGIC.len() as u64
            || key.len() != 32
        {
            return Err(damaged("its place in the pack is not valid"));
        }
        let mut file = match std::fs::File::open(self.path_of(pack)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(damaged("the pack file is missing"));
            }
            Err(e) => return Err(e.into()),
        };
        let mut head = [0u8; 8];
        file.read_exact(&mut head).map_err(cut)?;
        if &head != MAGIC {
            return Err(damaged("the file is not a document pack"));
        }
        file.seek(SeekFrom::Start(placed.offset))?;
        let mut sealed = vec![0u8; placed.length as usize];
        file.read_exact(&mut sealed).map_err(cut)?;
        let (ciphertext, tag) = sealed.split_at(sealed.len() - TAG);
        decrypt_aead(
            Cipher::aes_256_gcm(),
            key,
            Some(&nonce(placed.offset)),
            &associated(letter_id, position),
            ciphertext,
            tag,
        )
        .map_err(|_| damaged("it does not decrypt (the pack was altered or damaged)"))
    }

    /// Removes packs of this generation that no row refers to once they are [`ORPHAN_AGE`]
    /// old and nobody holds their lock: what a crash between writing a pack and committing
    /// its letters left. `known` lists the ids rows refer to (`None` when they could not be
    /// read: then nothing goes); `still_unknown` asks the database again while the pack's
    /// lock is held, since its writer lets go only after its commit (the list may be older).
    /// File ages are the file system's. Returns how many files were removed.
    pub fn sweep(
        &self,
        known: Option<&HashSet<String>>,
        still_unknown: impl Fn(&str) -> bool,
    ) -> usize {
        let Some(known) = known else {
            return 0;
        };
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let now = SystemTime::now();
        let mut removed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(id) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|_| path.extension().and_then(|e| e.to_str()) == Some(EXTENSION))
                .filter(|id| !known.contains(*id))
            else {
                continue;
            };
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| now.duration_since(modified).ok())
                .is_some_and(|age| age >= ORPHAN_AGE);
            if !old {
                continue;
            }
            // A pack whose writer still holds it is left alone, however old; one whose
            // writer has committed since the list was read is known now.
            let Ok(file) = std::fs::File::open(&path) else {
                continue;
            };
            if file.try_lock().is_err() || !still_unknown(id) {
                continue;
            }
            drop(file);
            if std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                "removed document packs left by an interrupted queueing"
            );
        }
        removed
    }
}

/// `kommunepost.documents` beside `db`.
fn documents_dir(db: &Path) -> PathBuf {
    db.parent()
        .map_or_else(|| PathBuf::from(DOCUMENTS_DIR), |p| p.join(DOCUMENTS_DIR))
}

/// Bytes in the pack files beside `db`, of every generation.
pub(super) fn size_beside(db: &Path) -> u64 {
    let Ok(generations) = std::fs::read_dir(documents_dir(db)) else {
        return 0;
    };
    generations
        .flatten()
        .filter_map(|generation| std::fs::read_dir(generation.path()).ok())
        .flat_map(|packs| packs.flatten())
        .filter_map(|pack| pack.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Makes new entries in `dir` durable (on Unix; Windows has no directory handle to sync, and
/// NTFS journals its directories). A failure is logged, not fatal, as SQLite treats it:
/// some file systems cannot sync a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(error) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(%error, "a directory of document packs could not be synced");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Letters about to be inserted: their new ids and, in a store on disk, the pack their
/// documents were sealed into (see the module's notes).
pub(super) struct Sealed {
    /// Each letter's id, in order.
    pub ids: Vec<String>,
    /// Their documents' pack; dropped without [`SealedPack::kept`], its file goes.
    pub pack: Option<SealedPack>,
}

impl Sealed {
    /// Records the pack in `tx`, then inserts `letters` (in the order they were sealed).
    pub fn insert(
        &self,
        tx: &rusqlite::Transaction<'_>,
        letters: impl IntoIterator<Item = NewLetter>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if let Some(pack) = &self.pack {
            tx.prepare_cached(
                "INSERT INTO document_packs (id, key, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![pack.id, &pack.key[..], now.to_rfc3339()])?;
        }
        for (index, letter) in letters.into_iter().enumerate() {
            let id = self
                .ids
                .get(index)
                .ok_or_else(|| StoreError::Invalid("more letters than were sealed".into()))?;
            let packed = self
                .pack
                .as_ref()
                .and_then(|p| Some((p.id.as_str(), p.letters.get(index)?.as_slice())));
            insert_letter(tx, id, letter, packed, now)?;
        }
        Ok(())
    }

    /// The transaction committed, or its commit failed without saying whether it reached the
    /// disk: the pack stays (if no letter refers to it, the sweep removes it later).
    pub fn kept(self) -> Vec<String> {
        if let Some(pack) = self.pack {
            pack.kept();
        }
        self.ids
    }
}

impl Store {
    /// New ids for `letters` and, in a store on disk, their documents sealed into a new pack,
    /// written and synced before the transaction that inserts them (so a committed letter
    /// never lacks its documents). Done without the database's lock.
    pub(super) fn seal_documents(&self, letters: &[NewLetter]) -> Result<Sealed, StoreError> {
        // Time-ordered (UUIDv7, ordered within the process), so a chunk's letters go in at
        // the end of every index keyed by the letter's id, not into pages all over it: each
        // commit rewrites (and SQLCipher encrypts) a few pages rather than most of them.
        let ids: Vec<String> = letters
            .iter()
            .map(|_| uuid::Uuid::now_v7().to_string())
            .collect();
        let pack = match &self.documents {
            Some(files) if letters.iter().any(|l| !l.documents.is_empty()) => Some(
                files.seal(
                    ids.iter()
                        .map(String::as_str)
                        .zip(letters.iter().map(|l| l.documents.as_slice())),
                )?,
            ),
            _ => None,
        };
        Ok(Sealed { ids, pack })
    }

    /// Removes pack files a crash left without their letters (see
    /// [`DocumentFiles::sweep`]).
    pub(super) fn sweep_documents(&self) {
        let Some(files) = &self.documents else {
            return;
        };
        let known = (|| {
            let conn = self.conn();
            let mut statement = conn.prepare("SELECT id FROM document_packs")?;
            let ids = statement.query_map([], |r| r.get::<_, String>(0))?;
            ids.collect::<rusqlite::Result<HashSet<_>>>()
        })();
        if let Err(error) = &known {
            tracing::warn!(%error, "the document packs were not swept");
        }
        files.sweep(known.ok().as_ref(), |id| {
            self.conn()
                .query_row(
                    "SELECT NOT EXISTS (SELECT 1 FROM document_packs WHERE id = ?1)",
                    [id],
                    |r| r.get(0),
                )
                .unwrap_or(false)
        });
    }
}

impl Store {
    /// The letter's documents, in order. Packed ones are read after the database's lock is
    /// let go.
    pub fn letter_documents(&self, id: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        type Row = (
            i64,
            Vec<u8>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<zeroize::Zeroizing<Vec<u8>>>,
        );
        let rows: Vec<Row> = {
            let conn = self.conn();
            let mut statement = conn.prepare_cached(
                "SELECT d.position, d.bytes, d.pack, d.pack_offset, d.pack_length, p.key
                 FROM outbox_documents d LEFT JOIN document_packs p ON p.id = d.pack
                 WHERE d.letter_id = ?1 ORDER BY d.position",
            )?;
            let rows = statement.query_map([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?.map(zeroize::Zeroizing::new),
                ))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        rows.into_iter()
            .map(|(position, bytes, pack, offset, length, key)| {
                let position = usize::try_from(position).unwrap_or(usize::MAX);
                let Some(pack) = pack else {
                    return Ok(bytes);
                };
                let (Some(files), Some(offset), Some(length), Some(key)) =
                    (&self.documents, offset, length, key)
                else {
                    return Err(StoreError::Documents(format!(
                        "document {} of letter {id}: its pack is not recorded",
                        position.saturating_add(1)
                    )));
                };
                let placed = Placed::stored(offset, length);
                files.open(&pack, &key, placed, id, position)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> (tempfile::TempDir, DocumentFiles) {
        let dir = tempfile::tempdir().unwrap();
        let files = DocumentFiles::beside(&dir.path().join("kommunepost.db"), &new_generation());
        (dir, files)
    }

    fn sealed_two(files: &DocumentFiles) -> SealedPack {
        let a = vec![b"%PDF-1.7 first letter".to_vec()];
        let b = vec![b"%PDF-1.7 second".to_vec(), b"%PDF-1.7 attachment".to_vec()];
        files
            .seal([("letter-a", a.as_slice()), ("letter-b", b.as_slice())])
            .unwrap()
    }

    fn age(path: &Path) {
        let hours_ago = SystemTime::now() - Duration::from_secs(2 * 60 * 60);
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(hours_ago)
            .unwrap();
    }

    #[test]
    fn documents_come_back_as_they_were_sealed_and_the_file_shows_none_of_them() {
        let (dir, files) = files();
        let pack = sealed_two(&files);
        let bytes = std::fs::read(files.path_of(&pack.id)).unwrap();
        assert!(bytes.starts_with(MAGIC));
        assert!(
            !bytes.windows(8).any(|w| w == b"%PDF-1.7"),
            "plaintext in the pack"
        );
        let open = |letter: usize, position: usize, id: &str| {
            files.open(
                &pack.id,
                &pack.key,
                pack.letters[letter][position],
                id,
                position,
            )
        };
        assert_eq!(open(0, 0, "letter-a").unwrap(), b"%PDF-1.7 first letter");
        assert_eq!(open(1, 0, "letter-b").unwrap(), b"%PDF-1.7 second");
        assert_eq!(open(1, 1, "letter-b").unwrap(), b"%PDF-1.7 attachment");
        assert_eq!(
            size_beside(&dir.path().join("kommunepost.db")),
            bytes.len() as u64
        );
        assert!(
            !format!("{pack:?}").contains("key"),
            "the key in a debug print"
        );
        pack.kept();
    }

    #[test]
    fn a_document_opens_only_as_itself_and_damage_is_named() {
        let (_dir, files) = files();
        let pack = sealed_two(&files);
        let first = pack.letters[0][0];
        // Another letter's id, another position, another key: refused.
        for (key, id, position) in [
            (pack.key, "letter-b", 0),
            (pack.key, "letter-a", 1),
            ([9u8; 32], "letter-a", 0),
        ] {
            let error = files.open(&pack.id, &key, first, id, position).unwrap_err();
            assert!(error.to_string().contains("does not decrypt"), "{error}");
        }
        // A flipped byte.
        let path = files.path_of(&pack.id);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[first.offset as usize + 3] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let error = files
            .open(&pack.id, &pack.key, first, "letter-a", 0)
            .unwrap_err();
        assert!(error.to_string().contains("does not decrypt"), "{error}");
        // Cut short.
        std::fs::write(&path, &bytes[..first.offset as usize + 4]).unwrap();
        let error = files
            .open(&pack.id, &pack.key, first, "letter-a", 0)
            .unwrap_err();
        assert!(matches!(error, StoreError::Documents(_)), "{error:?}");
        assert!(error.to_string().contains("cut short"), "{error}");
        // Not a pack; a place outside any pack; gone.
        std::fs::write(&path, b"GIF89a and more bytes than a header").unwrap();
        let error = files
            .open(&pack.id, &pack.key, first, "letter-a", 0)
            .unwrap_err();
        assert!(error.to_string().contains("not a document pack"), "{error}");
        let outside = Placed {
            offset: 0,
            length: u64::MAX,
        };
        let error = files
            .open(&pack.id, &pack.key, outside, "letter-a", 0)
            .unwrap_err();
        assert!(error.to_string().contains("not valid"), "{error}");
        // A damaged row's negative numbers.
        let error = files
            .open(&pack.id, &pack.key, Placed::stored(-5, 40), "letter-a", 0)
            .unwrap_err();
        assert!(error.to_string().contains("not valid"), "{error}");
        drop(pack);
        let error = files
            .open("no-such-pack", &[0; 32], first, "letter-a", 0)
            .unwrap_err();
        assert!(error.to_string().contains("missing"), "{error}");
        assert!(error.to_string().contains("document 1 of letter letter-a"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever a pack file holds and wherever a row says a document lies, reading gives
        /// an error that names the letter (or, on a failing disk, an I/O error), never a
        /// panic, and never someone's document.
        #[test]
        fn any_file_and_any_place_give_an_error_not_a_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            magic in proptest::prelude::any::<bool>(),
            offset in 0u64..5000,
            length in 0u64..5000,
        ) {
            let (_dir, files) = files();
            let pack = sealed_two(&files);
            let path = files.path_of(&pack.id);
            let mut content = if magic { MAGIC.to_vec() } else { Vec::new() };
            content.extend_from_slice(&bytes);
            std::fs::write(&path, &content).unwrap();
            let placed = Placed { offset, length };
            match files.open(&pack.id, &pack.key, placed, "letter-a", 0) {
                Err(StoreError::Documents(why)) => proptest::prop_assert!(why.contains("letter-a")),
                Err(StoreError::Io(_)) => {}
                other => proptest::prop_assert!(false, "{other:?}"),
            }
        }
    }

    #[test]
    fn a_pack_whose_transaction_failed_is_removed_and_a_kept_one_stays() {
        let (_dir, files) = files();
        let dropped = sealed_two(&files);
        let path = files.path_of(&dropped.id);
        assert!(path.exists());
        drop(dropped);
        assert!(!path.exists());
        let kept = sealed_two(&files);
        let path = files.path_of(&kept.id);
        kept.kept();
        assert!(path.exists());
    }

    #[test]
    fn the_sweep_removes_only_old_unlocked_packs_no_row_knows() {
        let (_dir, files) = files();
        let known = sealed_two(&files);
        let orphan = sealed_two(&files);
        let young = sealed_two(&files);
        // Sealed long ago by a process that has not committed yet (asleep): still locked.
        let pending = sealed_two(&files);
        let other = files.dir.join("notes.txt");
        std::fs::write(&other, b"not ours").unwrap();
        for path in [
            files.path_of(&known.id),
            files.path_of(&orphan.id),
            files.path_of(&pending.id),
            other.clone(),
        ] {
            age(&path);
        }
        let ids = [&known, &orphan, &young, &pending].map(|p| p.id.clone());
        let [known_id, orphan_id, young_id, pending_id] = ids;
        for pack in [known, orphan, young] {
            pack.kept();
        }
        let rows: HashSet<String> = [known_id.clone()].into();
        // A store that cannot say which packs its rows refer to keeps them all.
        assert_eq!(files.sweep(None, |_| true), 0);
        // One whose writer committed after the list was read is known when asked again.
        assert_eq!(files.sweep(Some(&HashSet::new()), |_| false), 0);
        assert!(files.path_of(&orphan_id).exists());
        assert_eq!(files.sweep(Some(&rows), |id| !rows.contains(id)), 1);
        assert!(files.path_of(&known_id).exists());
        assert!(!files.path_of(&orphan_id).exists());
        assert!(
            files.path_of(&young_id).exists(),
            "a young pack may be another process's"
        );
        assert!(
            files.path_of(&pending_id).exists(),
            "a locked pack is its writer's"
        );
        assert!(other.exists());
        // Its writer gone (dropped without commit), it is removed by the writer itself.
        drop(pending);
        assert!(!files.path_of(&pending_id).exists());
    }
}
