//! Which backend a `--db` value names: `postgres://…` and `postgresql://…` open the PostgreSQL store, an
//! `sqlite:` URL or anything else a SQLite file. Every command works on `Arc<dyn Store>` and never learns
//! which one it got.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use chaindock_store::Store;
use chaindock_store_postgres::PgStore;
use chaindock_store_sqlite::SqliteStore;

/// Where the search index of a PostgreSQL database lives, when it should not be in memory.
pub const SEARCH_DIR_ENV: &str = "CHAINDOCK_SEARCH_DIR";

/// Whether `db` names a PostgreSQL database.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Open (creating or migrating as needed) the store a `--db` value names.
pub async fn open_store(db: &str) -> anyhow::Result<Arc<dyn Store>> {
    if db.trim().is_empty() {
        bail!("--db is empty; give an SQLite file path or a postgres:// URL");
    }
    if is_postgres(db) {
        let store = PgStore::connect(db)
            .await
            .with_context(|| format!("cannot open the PostgreSQL database {}", chaindock_store_postgres::redact(db)))?;
        return Ok(Arc::new(store));
    }
    if db.contains("://") && !db.starts_with("sqlite:") {
        bail!(
            "--db {db:?}: unknown kind of database URL; give an SQLite file path, an sqlite: URL or a postgres:// URL"
        );
    }
    let store = if db.starts_with("sqlite:") {
        SqliteStore::open_url(db).await
    } else {
        SqliteStore::open(Path::new(db)).await
    };
    Ok(Arc::new(store.with_context(|| format!("cannot open database {db}"))?))
}

/// Open an existing database; a missing SQLite file is an error (a typo should not create an empty
/// database). A PostgreSQL database must exist already (the server refuses to connect otherwise); its
/// schema is created on first use.
pub async fn open_existing(db: &str) -> anyhow::Result<Arc<dyn Store>> {
    if !is_postgres(db) && !db.starts_with("sqlite:") && !Path::new(db).exists() {
        bail!("database {db} does not exist; create it with `chaindock init --db {db} [--demo]`");
    }
    open_store(db).await
}

/// Whether `db` is an SQLite file that does not exist yet (PostgreSQL databases are never new here: an
/// empty one is recognised by its counts).
pub fn is_new_file(db: &str) -> bool {
    !is_postgres(db) && !db.starts_with("sqlite:") && !Path::new(db).exists()
}

/// The search index: `explicit` (an option or [`SEARCH_DIR_ENV`]) when given; beside an SQLite file
/// (`chaindock.db.search/`); otherwise in memory (a PostgreSQL database: the index is rebuilt from the
/// store at start).
pub fn search_dir(db: &str, explicit: Option<PathBuf>) -> Option<PathBuf> {
    if explicit.is_some() {
        return explicit;
    }
    if is_postgres(db) {
        return None;
    }
    let path = db.strip_prefix("sqlite:").unwrap_or(db);
    (!path.contains("://") && !path.contains(":memory:")).then(|| PathBuf::from(format!("{path}.search")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_picks_the_backend_and_the_index() {
        assert!(is_postgres("postgres://u@h/db") && is_postgres("postgresql://h/db"));
        assert!(!is_postgres("chaindock.db") && !is_postgres("sqlite:x.db"));
        assert_eq!(search_dir("x.db", None), Some(PathBuf::from("x.db.search")));
        assert_eq!(search_dir("sqlite:x.db", None), Some(PathBuf::from("x.db.search")));
        assert_eq!(search_dir("postgres://h/db", None), None);
        assert_eq!(search_dir("postgres://h/db", Some("/srv/idx".into())), Some(PathBuf::from("/srv/idx")));
    }

    #[tokio::test]
    async fn unknown_urls_and_empty_values_are_refused_by_name() {
        let e = open_store("mysql://h/db").await.err().unwrap().to_string();
        assert!(e.contains("--db") && e.contains("mysql://h/db"), "{e}");
        let e = open_store("").await.err().unwrap().to_string();
        assert!(e.contains("--db"), "{e}");
    }
}
