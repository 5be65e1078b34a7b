//! Embedded, timestamped SQL migrations (`core/migrations/<yyyymmddhhmmss>_<name>.sql`).
//! Each runs once, in its own transaction, in timestamp order; `schema_migrations` records it.

use rusqlite::{Connection, params};

use crate::clock::Clock;

/// One migration: its timestamp version, name and SQL.
#[derive(Debug)]
pub struct Migration {
    /// `yyyymmddhhmmss`.
    pub version: i64,
    /// What it does.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

/// All migrations, oldest first. Add new ones at the end with a later timestamp.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 20261129120000,
        name: "init",
        sql: include_str!("../../migrations/20261129120000_init.sql"),
    },
    Migration {
        version: 20261129130000,
        name: "audit_log",
        sql: include_str!("../../migrations/20261129130000_audit_log.sql"),
    },
    Migration {
        version: 20261129140000,
        name: "templates",
        sql: include_str!("../../migrations/20261129140000_templates.sql"),
    },
    Migration {
        version: 20261201120000,
        name: "draft_letter",
        sql: include_str!("../../migrations/20261201120000_draft_letter.sql"),
    },
    Migration {
        version: 20261201130000,
        name: "outbox",
        sql: include_str!("../../migrations/20261201130000_outbox.sql"),
    },
    Migration {
        version: 20261201140000,
        name: "mailings",
        sql: include_str!("../../migrations/20261201140000_mailings.sql"),
    },
    Migration {
        version: 20261202090000,
        name: "outbox_tracking",
        sql: include_str!("../../migrations/20261202090000_outbox_tracking.sql"),
    },
    Migration {
        version: 20261202120000,
        name: "signing",
        sql: include_str!("../../migrations/20261202120000_signing.sql"),
    },
    Migration {
        version: 20261206120000,
        name: "worker_claims",
        sql: include_str!("../../migrations/20261206120000_worker_claims.sql"),
    },
    Migration {
        version: 20261207090000,
        name: "seen_route",
        sql: include_str!("../../migrations/20261207090000_seen_route.sql"),
    },
    Migration {
        version: 20261207100000,
        name: "sends",
        sql: include_str!("../../migrations/20261207100000_sends.sql"),
    },
    Migration {
        version: 20261207120000,
        name: "archive",
        sql: include_str!("../../migrations/20261207120000_archive.sql"),
    },
    Migration {
        version: 20261208090000,
        name: "problems",
        sql: include_str!("../../migrations/20261208090000_problems.sql"),
    },
    Migration {
        version: 20261209090000,
        name: "document_packs",
        sql: include_str!("../../migrations/20261209090000_document_packs.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies every migration not yet applied. Returns how many ran.
pub fn migrate(conn: &mut Connection, clock: &dyn Clock) -> rusqlite::Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY NOT NULL,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         ) STRICT;",
    )?;
    let applied = current_version(conn)?;
    let mut ran = 0;
    for migration in MIGRATIONS.iter().filter(|m| m.version > applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![migration.version, migration.name, clock.now().to_rfc3339()],
        )?;
        tx.commit()?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        ran += 1;
    }
    Ok(ran)
}

/// Like [`current_version`], but 0 when the migrations table does not exist yet.
pub fn current_version_if_any(conn: &Connection) -> rusqlite::Result<i64> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |row| row.get(0),
    )?;
    if exists { current_version(conn) } else { Ok(0) }
}

/// The newest applied version, 0 for a new store.
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[test]
    fn migrations_are_in_strictly_increasing_timestamp_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(
                pair[0].version < pair[1].version,
                "{} before {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert!(MIGRATIONS.iter().all(|m| m.version.to_string().len() == 14));
    }

    #[test]
    fn migrating_twice_applies_each_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn, &SystemClock).unwrap(), MIGRATIONS.len());
        assert_eq!(migrate(&mut conn, &SystemClock).unwrap(), 0);
        assert_eq!(current_version(&conn).unwrap(), latest_version());
    }
}
