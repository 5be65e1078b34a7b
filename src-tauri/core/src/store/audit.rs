//! The audit log: who looked up how many persons, when, in which environment, and why.
//! Each entry's hash covers the entry and the previous entry's hash (SHA-256), so changing or
//! removing any entry breaks the chain from there on; [`Store::verify_audit`] finds where.

use chrono::{DateTime, Utc};
use openssl::sha::Sha256;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// The OS user.
    pub actor: String,
    /// What was done, e.g. `krr_lookup`.
    pub action: String,
    /// `sandbox`, `test` or `prod`.
    pub environment: String,
    /// How many identifiers.
    pub count: u32,
    /// Why, as the clerk wrote it.
    pub purpose: Option<String>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: u32,
    /// When (RFC 3339).
    pub at: String,
    /// The OS user.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The environment.
    pub environment: String,
    /// How many identifiers.
    pub count: u32,
    /// Why.
    pub purpose: Option<String>,
    /// This entry's hash (hex).
    pub hash: String,
}

/// The chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// An entry does not match its hash, or does not follow the one before.
    #[error("the audit log has been altered at entry {seq}: {what}")]
    Broken {
        /// The first entry that does not verify.
        seq: u32,
        /// What does not match.
        what: &'static str,
    },
}

fn entry_hash(prev: &str, seq: u32, at: &str, entry: &NewAuditEntry) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        &entry.actor,
        &entry.action,
        &entry.environment,
        &entry.count.to_string(),
        entry.purpose.as_deref().unwrap_or(""),
    ] {
        // Length-prefixed, so no two different entries hash the same bytes.
        hasher.update(&(part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finish().iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Appends an entry to the chain in one transaction.
    pub fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let at = self.clock.now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let last: Option<(u32, String)> = tx
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_owned()));
        let seq = prev_seq + 1;
        let at_text = at.to_rfc3339();
        let hash = entry_hash(&prev_hash, seq, &at_text, entry);
        tx.execute(
            "INSERT INTO audit_log (seq, at, actor, action, environment, count, purpose, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![seq, at_text, entry.actor, entry.action, entry.environment, entry.count, entry.purpose, prev_hash, hash],
        )?;
        tx.commit()?;
        Ok(AuditEntry {
            seq,
            at: at_text,
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            environment: entry.environment.clone(),
            count: entry.count,
            purpose: entry.purpose.clone(),
            hash,
        })
    }

    /// The newest entries first.
    pub fn list_audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT seq, at, actor, action, environment, count, purpose, hash FROM audit_log ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = statement.query_map([limit], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                environment: r.get(4)?,
                count: r.get(5)?,
                purpose: r.get(6)?,
                hash: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Checks the whole chain. `Ok(n)`: all `n` entries verify.
    pub fn verify_audit(&self) -> Result<Result<u32, AuditError>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT seq, at, actor, action, environment, count, purpose, prev_hash, hash FROM audit_log ORDER BY seq",
        )?;
        let mut rows = statement.query([])?;
        let (mut expected_seq, mut prev) = (1u32, GENESIS.to_owned());
        while let Some(row) = rows.next()? {
            let seq: u32 = row.get(0)?;
            let at: String = row.get(1)?;
            let entry = NewAuditEntry {
                actor: row.get(2)?,
                action: row.get(3)?,
                environment: row.get(4)?,
                count: row.get(5)?,
                purpose: row.get(6)?,
            };
            let (prev_hash, hash): (String, String) = (row.get(7)?, row.get(8)?);
            if seq != expected_seq {
                return Ok(Err(AuditError::Broken {
                    seq: expected_seq,
                    what: "an entry is missing",
                }));
            }
            if prev_hash != prev {
                return Ok(Err(AuditError::Broken {
                    seq,
                    what: "it does not follow the entry before",
                }));
            }
            if entry_hash(&prev, seq, &at, &entry) != hash {
                return Ok(Err(AuditError::Broken {
                    seq,
                    what: "its contents do not match its hash",
                }));
            }
            prev = hash;
            expected_seq += 1;
        }
        Ok(Ok(expected_seq - 1))
    }

    /// When the last entry was written, if any.
    pub fn last_audit_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = self
            .conn()
            .query_row(
                "SELECT at FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(at
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::SystemClock;

    fn entry(count: u32) -> NewAuditEntry {
        NewAuditEntry {
            actor: "saksbehandler".into(),
            action: "krr_lookup".into(),
            environment: "sandbox".into(),
            count,
            purpose: (count > 10).then(|| "Vedtak om skoleskyss".into()),
        }
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        for count in [1, 12, 3] {
            store.append_audit(&entry(count)).unwrap();
        }
        assert_eq!(store.verify_audit().unwrap(), Ok(3));
        assert_eq!(store.list_audit(10).unwrap()[0].count, 3, "newest first");
    }

    #[test]
    fn changing_an_entry_is_detected_at_that_entry() {
        let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        for count in [1, 2, 3] {
            store.append_audit(&entry(count)).unwrap();
        }
        store
            .conn()
            .execute("UPDATE audit_log SET count = 200 WHERE seq = 2", [])
            .unwrap();
        assert_eq!(
            store.verify_audit().unwrap(),
            Err(AuditError::Broken {
                seq: 2,
                what: "its contents do not match its hash"
            })
        );
    }

    #[test]
    fn deleting_an_entry_is_detected() {
        let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        for count in [1, 2, 3] {
            store.append_audit(&entry(count)).unwrap();
        }
        store
            .conn()
            .execute("DELETE FROM audit_log WHERE seq = 2", [])
            .unwrap();
        assert!(matches!(
            store.verify_audit().unwrap(),
            Err(AuditError::Broken { seq: 2, .. })
        ));
    }

    #[test]
    fn rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link() {
        let store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        for count in [1, 2] {
            store.append_audit(&entry(count)).unwrap();
        }
        let first = store.list_audit(10).unwrap().pop().unwrap();
        let forged = NewAuditEntry {
            count: 99,
            ..entry(1)
        };
        let hash = entry_hash(GENESIS, 1, &first.at, &forged);
        store
            .conn()
            .execute(
                "UPDATE audit_log SET count = 99, hash = ?1 WHERE seq = 1",
                [hash],
            )
            .unwrap();
        assert!(matches!(
            store.verify_audit().unwrap(),
            Err(AuditError::Broken { seq: 2, .. })
        ));
    }
}
