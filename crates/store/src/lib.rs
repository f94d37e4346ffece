//! The one storage trait.
//!
//! [`Store`] is everything the engine asks of a database: write a [`Dataset`] whole or not at all, list
//! and read enterprises and chains, and hand out a chain's compact [`ChainSnapshot`] for analysis. Each
//! backend (SQLite now, PostgreSQL later) lives in its own crate with its own SQL and migrations, and
//! passes the same contract suite (`contract` feature, [`contract_tests!`]).
//!
//! The one idea to know: **an import is one transaction keyed by natural keys.** Enterprises are keyed by
//! credit code, chains by id, links by (chain, link), producers by (chain, link, enterprise) and supply
//! relations by (chain, link, supplier, buyer); writing the same dataset twice leaves the database as it
//! was after the first time.
//!
//! Beside the registry a store keeps the platform's accounts ([`User`], with a [`Role`]), their login
//! [`Session`]s and an audit log ([`AuditEntry`]). Enterprises edited by hand carry a version for
//! optimistic locking: [`Store::update_enterprise`] takes the version the editor read and refuses the write
//! with [`StoreError::Conflict`] when someone changed the record in between. Every write that changes an
//! enterprise row (an import that changes it, a merge into it, an edit) bumps its version, and a hand edit
//! writes its audit entry in the same transaction as the change.

use std::collections::HashSet;

use async_trait::async_trait;
use chaindock_model::{
    Chain, ChainId, ChainSnapshot, CreditCode, Dataset, Enterprise, IndustryCode, LinkId, RegionCode, Role, Unit,
};

#[cfg(feature = "contract")]
pub mod contract;

/// What can go wrong in a store. `NotFound`, `Conflict` and `Invalid` are the caller's doing and carry a
/// message fit for a user; `Other` is ours (a broken connection, a full disk) and keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("storage failure: {message}")]
    Other {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    pub fn other(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Other { message: message.into(), source: Some(Box::new(source)) }
    }
}

/// How many rows of each kind an import wrote (inserted or updated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub enterprises: u64,
    pub chains: u64,
    pub producers: u64,
    pub supply: u64,
}

/// A chain as listed: its id and name with a few counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainInfo {
    pub id: ChainId,
    pub name: String,
    pub links: u64,
    pub producers: u64,
    pub enterprises: u64,
}

/// Filters for listing enterprises; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseQuery {
    /// Enterprises inside this division.
    pub region: Option<RegionCode>,
    /// Enterprises that make a link of this chain.
    pub chain: Option<ChainId>,
    /// Substring of the name or of one of the aliases.
    pub name_contains: Option<String>,
    /// Enterprises whose industry code is this one or lies under it ([`IndustryCode::covers`]): a division
    /// (`36`) matches its groups and classes (`3670`), a section (`C`) its divisions and everything below.
    pub industry: Option<IndustryCode>,
    pub leading: Option<bool>,
    pub specialised: Option<bool>,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Counts for the overview: rows per kind and enterprises per province-level division.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub enterprises: u64,
    pub chains: u64,
    pub producers: u64,
    pub supply: u64,
    pub enterprises_by_province: Vec<(RegionCode, u64)>,
}

/// One enterprise merged into another: the names it brought and why.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeRecord {
    pub removed_code: CreditCode,
    pub removed_name: String,
    pub removed_aliases: Vec<String>,
    pub reason: String,
    pub merged_at: String,
}

/// An account of the platform. `enterprise` is the enterprise an account of role [`Role::Enterprise`]
/// speaks for, and `None` for every other role.
#[derive(Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub enterprise: Option<CreditCode>,
    /// The password as the server hashed it (the store never sees a password).
    pub password_hash: String,
    /// When the account was created, RFC 3339 in UTC (`2025-03-01T08:00:00Z`).
    pub created_at: String,
}

/// Debug without the password hash, so that an account logged by mistake does not leak it.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("enterprise", &self.enterprise)
            .field("password_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// An account to create; see [`Store::create_user`] for what is refused.
#[derive(Clone, PartialEq)]
pub struct NewUser {
    pub username: String,
    pub role: Role,
    pub enterprise: Option<CreditCode>,
    pub password_hash: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("enterprise", &self.enterprise)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// A login session. The store keeps only a hash of the token the browser holds, so that a copy of the
/// database does not let anyone in; times are unix seconds, given by the caller (the store reads no clock
/// for sessions).
#[derive(Clone, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    /// The token a form must echo (double-submit protection against cross-site requests).
    pub csrf_token: String,
    pub created_at: i64,
    /// The first second at which the session is no longer valid.
    pub expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token_hash", &self.token_hash)
            .field("user_id", &self.user_id)
            .field("csrf_token", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// One line of the audit log: who did what to which record, and the particulars.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// When it was written, RFC 3339 in UTC with milliseconds (`2025-03-01T08:00:00.123Z`).
    pub at: String,
    /// The account that acted; `None` for the system (a command-line import, a start-up task).
    pub username: Option<String>,
    /// What was done, a short stable name such as `enterprise.update` or `user.create`.
    pub action: String,
    /// What it was done to, such as a credit code or a username.
    pub target: String,
    /// The particulars (changed fields, a reason), as the caller chose to record them.
    pub detail: serde_json::Value,
}

/// An audit entry to write; the store gives it its id and time.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub username: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

/// One link an enterprise produces, with its capacity (private) in the link's unit per day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnterpriseLink {
    pub chain: ChainId,
    pub chain_name: String,
    pub link: LinkId,
    pub link_name: String,
    pub capacity: f64,
    pub unit: Unit,
}

/// An enterprise as the API shows it: the record, its optimistic-lock version and the links it makes
/// (ordered by chain id, then by the link's position in its chain).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnterpriseRecord {
    pub enterprise: Enterprise,
    /// Starts at 1 and grows by one with every write that changes the record.
    pub version: i64,
    pub links: Vec<EnterpriseLink>,
}

/// The longest username [`Store::create_user`] accepts, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Why `username` cannot name an account, if it cannot: it is empty, longer than [`MAX_USERNAME_CHARS`]
/// characters, has spaces at either end or holds a control character. Backends call this in
/// [`Store::create_user`] so that they all refuse the same names.
pub fn check_username(username: &str) -> Result<(), StoreError> {
    let n = username.chars().count();
    let reason = if username.trim().is_empty() {
        "must not be empty"
    } else if n > MAX_USERNAME_CHARS {
        "is longer than 64 characters"
    } else if username.trim() != username {
        "must not begin or end with a space"
    } else if username.chars().any(char::is_control) {
        "must not contain control characters"
    } else {
        return Ok(());
    };
    Err(StoreError::Invalid(format!("username {username:?} {reason}")))
}

/// Why `user` cannot be created as it is, if it cannot, short of what only the database knows (whether the
/// name is taken, whether the enterprise is stored): [`check_username`], and an enterprise exactly when the
/// role is [`Role::Enterprise`].
pub fn check_new_user(user: &NewUser) -> Result<(), StoreError> {
    check_username(&user.username)?;
    match (user.role, &user.enterprise) {
        (Role::Enterprise, None) => Err(StoreError::Invalid(format!(
            "user {}: an account of role enterprise must name the enterprise it speaks for",
            user.username
        ))),
        (role, Some(code)) if role != Role::Enterprise => Err(StoreError::Invalid(format!(
            "user {}: only an account of role enterprise speaks for an enterprise, not one of role {role} (given {code})",
            user.username
        ))),
        _ => Ok(()),
    }
}

/// Why `e` cannot be written by hand as it is, if it cannot: its name is empty. (Everything else an
/// [`Enterprise`] holds is valid by construction.)
pub fn check_enterprise(e: &Enterprise) -> Result<(), StoreError> {
    if e.name.trim().is_empty() {
        return Err(StoreError::Invalid(format!("enterprise {}: the name must not be empty", e.credit_code)));
    }
    Ok(())
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Write everything in `data` in one transaction, upserting by natural keys. Producers and supply
    /// relations may refer to enterprises and chains already stored or in `data`. On any error nothing is
    /// written.
    ///
    /// An enterprise of `data` replaces the stored one field by field, description and contacts included:
    /// a field `data` leaves empty is emptied (an import says what the record is, it does not patch it).
    /// Its version grows by one when anything changed, and stays when the row was written as it was.
    async fn import(&self, data: &Dataset) -> Result<ImportCounts, StoreError>;

    async fn chains(&self) -> Result<Vec<ChainInfo>, StoreError>;

    async fn chain(&self, id: &ChainId) -> Result<Chain, StoreError>;

    /// The chain with all its producers and supply relations, indexed for analysis.
    async fn chain_snapshot(&self, id: &ChainId) -> Result<ChainSnapshot, StoreError>;

    async fn enterprise(&self, code: &CreditCode) -> Result<Enterprise, StoreError>;

    async fn enterprises(&self, query: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError>;

    /// Which of `codes` are stored.
    async fn existing_enterprises(&self, codes: &[CreditCode]) -> Result<HashSet<CreditCode>, StoreError>;

    async fn stats(&self) -> Result<Stats, StoreError>;

    /// Merge the enterprise `remove` into `keep` in one transaction: its producers and supply relations
    /// move to `keep` (capacities of a link both make add up; shares of one relation add up to at most 1;
    /// a relation of `keep` with itself disappears), its name and aliases become aliases of `keep`, the
    /// merge is recorded, and `remove` is deleted.
    async fn merge_enterprises(&self, keep: &CreditCode, remove: &CreditCode, reason: &str) -> Result<(), StoreError>;

    /// The enterprises merged into `code`, oldest first.
    async fn merges(&self, code: &CreditCode) -> Result<Vec<MergeRecord>, StoreError>;

    /// Create an account. `Conflict` when the username is taken (names are compared exactly); `Invalid`
    /// when [`check_new_user`] refuses it or its enterprise is not stored.
    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError>;

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Every account, ordered by username.
    async fn users(&self) -> Result<Vec<User>, StoreError>;

    /// Replace an account's password hash; `NotFound` when there is no such account. Its sessions stay.
    async fn set_password(&self, username: &str, password_hash: &str) -> Result<(), StoreError>;

    /// Store a new session; `Invalid` when its user does not exist, `Conflict` when its token hash is
    /// already used. Sessions that expired by `session.created_at` are deleted on the way.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    /// The session with this token hash and its account, if it exists and has not expired by `now` (unix
    /// seconds; expired when `expires_at <= now`). An expired session is deleted.
    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Session, User)>, StoreError>;

    /// Delete a session (log out); deleting one that does not exist is not an error.
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    async fn append_audit(&self, entry: &NewAudit) -> Result<(), StoreError>;

    /// The last `limit` audit entries, newest first.
    async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>, StoreError>;

    /// The enterprise with its version and the links it makes; `NotFound` when it is not stored.
    async fn enterprise_record(&self, code: &CreditCode) -> Result<EnterpriseRecord, StoreError>;

    /// Add an enterprise by hand, at version 1, and write `audit` in the same transaction. `Conflict` when
    /// its credit code is stored already; `Invalid` when [`check_enterprise`] refuses it.
    async fn create_enterprise(&self, e: &Enterprise, audit: &NewAudit) -> Result<EnterpriseRecord, StoreError>;

    /// Replace the stored enterprise with `e` (every field but the credit code, which names it), if its
    /// version is still `expected_version`, and write `audit` in the same transaction; the version grows
    /// by one. `NotFound` when it is not stored; `Conflict` when its version is another, and then nothing
    /// is written, the audit entry neither; `Invalid` when [`check_enterprise`] refuses it.
    async fn update_enterprise(
        &self,
        e: &Enterprise,
        expected_version: i64,
        audit: &NewAudit,
    ) -> Result<EnterpriseRecord, StoreError>;
}
