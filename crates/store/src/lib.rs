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
//!
//! Supply–demand docking keeps [`Demand`]s, [`Offer`]s, the [`AllocationRequest`]s a plan is sent as and
//! the [`Delivery`]s recorded against them. A demand's status is never set by hand (except cancelling): every
//! write that changes its requests or deliveries recomputes it with [`chaindock_model::demand_status`] in
//! the same transaction. `Invalid` errors of these writes begin with the field at fault (`"unit: …"`), which
//! [`StoreError::field`] reads back.
//!
//! A producer may carry [`RiskParameters`] (issue 6: inventory, demand, time to recover, weight, whether it
//! makes a finished product), each optional: what is not stored takes the default `chaindock_engine::risk`
//! documents. [`Store::set_risk_parameters`] writes a batch with its audit entry; an import may carry them too
//! ([`Dataset::risk`]). A row replaces what was stored for its producer; parameters follow their producer
//! through a merge.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chaindock_model::{
    AllocationRequest, Chain, ChainId, ChainSnapshot, CreditCode, Dataset, Delivery, Demand, DemandStatus, Enterprise,
    IndustryCode, LinkId, Offer, RegionCode, RequestStatus, RiskParameters, Role, Unit,
};
use chrono::NaiveDate;

#[cfg(feature = "contract")]
pub mod contract;

pub mod archive;

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

    /// `Invalid` naming the field at fault: the message is `"{field}: {message}"`.
    pub fn invalid_field(field: &str, message: impl std::fmt::Display) -> Self {
        StoreError::Invalid(format!("{field}: {message}"))
    }

    /// The field an `Invalid` error made by [`StoreError::invalid_field`] names: the message's first word
    /// when it is a field name (lower-case ASCII letters, digits and `_`) followed by `": "`.
    pub fn field(&self) -> Option<&str> {
        let StoreError::Invalid(m) = self else { return None };
        let (head, _) = m.split_once(": ")?;
        let is_name = !head.is_empty()
            && head.starts_with(|c: char| c.is_ascii_lowercase())
            && head.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        is_name.then_some(head)
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

/// Why `params` cannot be stored as they are, short of what only the database knows (whether each names
/// a stored producer): a number that is negative or not finite (the field is the parameter: `f`, `d`, `s`,
/// `ttr`), or a producer named twice (`producer`). Backends call this in [`Store::set_risk_parameters`] and
/// for [`Dataset::risk`] in [`Store::import`].
pub fn check_risk_parameters(params: &[RiskParameters]) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for (i, p) in params.iter().enumerate() {
        if let Some((field, value)) = p.bad_number() {
            return Err(StoreError::invalid_field(
                field,
                format!(
                    "risk parameters {} ({} making {} of chain {}): {field} is {value}, it must be a finite number ≥ 0",
                    i + 1,
                    p.enterprise,
                    p.link,
                    p.chain
                ),
            ));
        }
        if !seen.insert((&p.chain, &p.link, &p.enterprise)) {
            return Err(StoreError::invalid_field(
                "producer",
                format!(
                    "risk parameters {}: {} making {} of chain {} is named twice",
                    i + 1,
                    p.enterprise,
                    p.link,
                    p.chain
                ),
            ));
        }
    }
    Ok(())
}

/// Filters for listing demands; all optional, combined with AND. The default lists every demand.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemandQuery {
    pub status: Option<DemandStatus>,
    pub buyer: Option<CreditCode>,
    /// Only these demands (ids not stored are left out, not an error).
    pub ids: Option<Vec<i64>>,
}

/// Filters for listing allocation requests; all optional, combined with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestQuery {
    pub demand: Option<i64>,
    pub supplier: Option<CreditCode>,
    pub status: Option<RequestStatus>,
}

/// One part of a plan to send to a supplier; see [`Store::send_requests`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub supplier: CreditCode,
    pub quantity: u64,
    /// Yuan per unit the plan counted (price + transport).
    pub unit_cost: f64,
}

/// A supplier's record over all its requests, for ranking ("delivery record").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SupplierRecord {
    /// Requests it accepted.
    pub accepted: u64,
    /// Requests it declined.
    pub declined: u64,
    /// Units asked of it: the quantities of its requests that were not withdrawn (pending, accepted or
    /// declined; a request cancelled by a re-plan says nothing of the supplier).
    pub requested_units: u64,
    /// Units delivered against its requests.
    pub delivered_units: u64,
}

/// Why `day` cannot be stored, if it cannot: its year is not one of 1 to 9999 (stores keep dates as
/// `YYYY-MM-DD`, which sort as text only with four-digit years).
pub fn check_date(field: &str, day: NaiveDate) -> Result<(), StoreError> {
    use chrono::Datelike;
    if (1..=9999).contains(&day.year()) {
        Ok(())
    } else {
        Err(StoreError::invalid_field(field, format!("{day} is not a date between the years 1 and 9999")))
    }
}

/// Why `d` cannot be posted as it is, short of what only the database knows (whether the buyer, the link
/// and the excluded suppliers are stored, the link's unit): [`Demand::validate`], each failure naming its
/// field. Backends call this in [`Store::create_demand`].
pub fn check_demand(d: &Demand) -> Result<(), StoreError> {
    if d.quantity == 0 {
        return Err(StoreError::invalid_field("quantity", "the quantity must be at least 1"));
    }
    if d.quantity > i64::MAX as u64 {
        return Err(StoreError::invalid_field("quantity", format!("{} is more than can be stored", d.quantity)));
    }
    if !(1..=5).contains(&d.priority) {
        return Err(StoreError::invalid_field(
            "priority",
            format!("priority {} is not between 1 (most urgent) and 5", d.priority),
        ));
    }
    if d.due < d.created {
        return Err(StoreError::invalid_field(
            "due",
            format!("due date {} is before the demand was posted ({})", d.due, d.created),
        ));
    }
    check_date("due", d.due)?;
    check_date("created", d.created)?;
    if let Some(c) = d.certifications.iter().find(|c| c.trim().is_empty()) {
        return Err(StoreError::invalid_field("certifications", format!("a certification is blank ({c:?})")));
    }
    // Whatever else the model refuses, named as the demand.
    d.validate().map_err(|e| StoreError::invalid_field("demand", e))
}

/// Why `o` cannot be stored as it is, short of what only the database knows: [`Offer::validate`], each
/// failure naming its field. Backends call this in [`Store::create_offer`].
pub fn check_offer(o: &Offer) -> Result<(), StoreError> {
    if o.quantity == 0 {
        return Err(StoreError::invalid_field("quantity", "the quantity must be at least 1"));
    }
    if o.quantity > i64::MAX as u64 {
        return Err(StoreError::invalid_field("quantity", format!("{} is more than can be stored", o.quantity)));
    }
    check_date("available_from", o.available_from)?;
    check_date("available_until", o.available_until)?;
    if o.available_until < o.available_from {
        return Err(StoreError::invalid_field(
            "available_until",
            format!("available until {} is before {}", o.available_until, o.available_from),
        ));
    }
    if !o.unit_price.is_finite() || o.unit_price < 0.0 {
        return Err(StoreError::invalid_field(
            "unit_price",
            format!("unit price {} is not a non-negative amount", o.unit_price),
        ));
    }
    if o.lead_time_days > 365 {
        return Err(StoreError::invalid_field(
            "lead_time_days",
            format!("a lead time of {} days is more than a year", o.lead_time_days),
        ));
    }
    o.validate().map_err(|e| StoreError::invalid_field("offer", e))
}

/// Why the parts of a plan cannot be sent as they are, short of what only the database knows: a quantity
/// of 0 or a unit cost that is not a non-negative amount. Backends call this in [`Store::send_requests`].
pub fn check_new_requests(requests: &[NewRequest]) -> Result<(), StoreError> {
    for (i, r) in requests.iter().enumerate() {
        if r.quantity == 0 {
            return Err(StoreError::invalid_field(
                "quantity",
                format!("request {} (to {}) asks for 0 units", i + 1, r.supplier),
            ));
        }
        if r.quantity > i64::MAX as u64 {
            return Err(StoreError::invalid_field(
                "quantity",
                format!("request {} (to {}): {} is more than can be stored", i + 1, r.supplier, r.quantity),
            ));
        }
        if !r.unit_cost.is_finite() || r.unit_cost < 0.0 {
            return Err(StoreError::invalid_field(
                "unit_cost",
                format!(
                    "request {} (to {}): unit cost {} is not a non-negative amount",
                    i + 1,
                    r.supplier,
                    r.unit_cost
                ),
            ));
        }
    }
    Ok(())
}

/// `current` with each of `regions` added that it does not already cover (a region equal to or inside one
/// listed), in the order given: what [`Store::exclude_regions`] stores. Backends call this so that they all
/// keep the same list.
pub fn add_excluded_regions(current: &[RegionCode], regions: &[RegionCode]) -> Vec<RegionCode> {
    let mut out = current.to_vec();
    for r in regions {
        if !out.iter().any(|x| x.contains(*r)) {
            out.push(*r);
        }
    }
    out
}

/// Writes committed to a store by any process, as a backend shared by several processes reports them, so
/// that a server can drop what it derived from the data (cached analyses, sessions, the search index). See
/// [`Store::change_feed`].
#[async_trait]
pub trait ChangeFeed: Send {
    /// Wait for the next committed write and say what it touched: `Some(Changed)`, or `None` when the feed
    /// lost its connection and may have missed writes (the caller should assume everything changed).
    async fn next(&mut self) -> Result<Option<Changed>, StoreError>;
}

/// What a committed write touched, as a [`ChangeFeed`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The registry: enterprises, chains, links, producers, merges (what the search index is built from).
    Registry,
    /// Sessions (a logout, an expiry).
    Sessions,
    /// Anything else a cached body may depend on: supply relations, accounts, docking, risk parameters.
    Data,
    /// The audit log only.
    Audit,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// A feed of the writes every process commits to this store, own writes included, delivered after
    /// their commit; `None` when no other process writes to it (the default: SQLite is served by one
    /// process, which knows its own writes). A backend that several servers share returns one per call.
    async fn change_feed(&self) -> Result<Option<Box<dyn ChangeFeed>>, StoreError> {
        Ok(None)
    }

    /// Write everything in `data` in one transaction, upserting by natural keys. Producers and supply
    /// relations may refer to enterprises and chains already stored or in `data`. On any error nothing is
    /// written.
    ///
    /// An enterprise of `data` replaces the stored one field by field, description and contacts included:
    /// a field `data` leaves empty is emptied (an import says what the record is, it does not patch it).
    /// Its version grows by one when anything changed, and stays when the row was written as it was.
    ///
    /// Risk parameters (`data.risk`) are written last, as [`Store::set_risk_parameters`] writes them, for
    /// producers of `data` or already stored; `Invalid` as there.
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
    /// a relation of `keep` with itself disappears), its name and aliases become aliases of `keep`, its
    /// accounts, demands, offers and requests become `keep`'s, demands that excluded it exclude `keep`, the
    /// merge is recorded, and `remove` is deleted. Risk parameters move with the producers (where both made
    /// the link, `keep`'s stay and `remove`'s are dropped).
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

    /// Post a demand: it gets a new id (`d.id` is ignored) and status [`DemandStatus::Open`]; `audit` is
    /// written in the same transaction. A blank `product` becomes the link's name. `Invalid`, naming the
    /// field, when [`check_demand`] refuses it, the buyer is not stored (`buyer`), the chain or its link does
    /// not exist (`chain`, `link`), `d.unit` is not the link's unit (`unit`: "the link steel is measured in
    /// 吨, not 件"), or an excluded supplier is not stored (`excluded_suppliers`); then nothing is written.
    async fn create_demand(&self, d: &Demand, audit: &NewAudit) -> Result<Demand, StoreError>;

    /// `NotFound` when there is no such demand.
    async fn demand(&self, id: i64) -> Result<Demand, StoreError>;

    /// The demands `q` selects, most urgent first: by priority, then due date, then id.
    async fn demands(&self, q: &DemandQuery) -> Result<Vec<Demand>, StoreError>;

    /// Cancel a demand: its status becomes [`DemandStatus::Cancelled`] and its pending requests cancelled
    /// (accepted ones stay, as do their deliveries); `audit` in the same transaction. `NotFound` when there is
    /// no such demand; `Conflict` when it is cancelled or delivered already.
    async fn cancel_demand(&self, id: i64, audit: &NewAudit) -> Result<Demand, StoreError>;

    /// Store an offer under a new id (`o.id` is ignored); `audit` in the same transaction. `Invalid`, naming
    /// the field, when [`check_offer`] refuses it, the supplier is not stored (`supplier`), the chain or link
    /// does not exist (`chain`, `link`) or `o.unit` is not the link's unit (`unit`).
    async fn create_offer(&self, o: &Offer, audit: &NewAudit) -> Result<Offer, StoreError>;

    /// The offers for a chain, or for one link of it (`link` counts only with `chain`), or all; by id.
    async fn offers(&self, chain: Option<&ChainId>, link: Option<&LinkId>) -> Result<Vec<Offer>, StoreError>;

    /// Send a plan's parts for `demand`, in one transaction: the demand's pending requests become
    /// cancelled, `requests` are inserted pending, the demand's status is recomputed with
    /// [`chaindock_model::demand_status`] and stored, and `audit` written. Returns the new requests in the
    /// order given. `NotFound` when there is no such demand; `Invalid`, naming the field, when the demand
    /// is cancelled or delivered (`demand`), [`check_new_requests`] refuses a part (`quantity`,
    /// `unit_cost`), a supplier is not stored or the demand does not admit it ([`Demand::admits`]: the buyer
    /// itself, an excluded supplier, a supplier in an excluded region) (`supplier`), or the new quantities
    /// and those already accepted add up to more than the demand's quantity (`quantity`).
    async fn send_requests(
        &self,
        demand: i64,
        requests: &[NewRequest],
        audit: &NewAudit,
    ) -> Result<Vec<AllocationRequest>, StoreError>;

    /// Add parts for `demand` beside its pending requests, in one transaction: the re-plan of a shortfall
    /// after a supplier declined. Unlike [`Store::send_requests`] the pending requests stay as they are (same
    /// ids, still pending); `requests` are inserted pending, the demand's status is recomputed and stored,
    /// and `audit` written. Returns the new requests in the order given. The same refusals as
    /// [`Store::send_requests`] (`demand`, `quantity`, `unit_cost`, `supplier`), except that the quantity
    /// refused (`quantity`) is new + pending + accepted past the demand's quantity; then nothing is
    /// written, the audit entry neither. An empty `requests` writes the audit entry only.
    async fn add_requests(
        &self,
        demand: i64,
        requests: &[NewRequest],
        audit: &NewAudit,
    ) -> Result<Vec<AllocationRequest>, StoreError>;

    /// Add `regions` to the demand's excluded regions (the lockdown a plan was sent under, so that a later
    /// re-plan keeps to it too) and write `audit`, in one transaction. A region the demand excludes already,
    /// itself or inside one it excludes, is not added again; requests already sent stay as they are.
    /// Returns the demand as it now is. `NotFound` when there is no such demand; `Invalid` (`demand`) when
    /// it is cancelled or delivered; then nothing is written.
    async fn exclude_regions(
        &self,
        demand: i64,
        regions: &[RegionCode],
        audit: &NewAudit,
    ) -> Result<Demand, StoreError>;

    /// The requests `q` selects, each with `delivered` summed from its deliveries; by id.
    async fn requests(&self, q: &RequestQuery) -> Result<Vec<AllocationRequest>, StoreError>;

    /// A supplier's answer to a pending request: accepted or declined (with `reason`, required for a
    /// decline, kept when given with an acceptance); sets `responded_at`, recomputes the demand's status and
    /// writes `audit`, in one transaction. `NotFound` when there is no such request; `Conflict` when it is
    /// not pending ("request 7 was already accepted"); `Invalid` (`reason`) for a decline without a reason.
    async fn respond_request(
        &self,
        id: i64,
        accept: bool,
        reason: Option<&str>,
        audit: &NewAudit,
    ) -> Result<AllocationRequest, StoreError>;

    /// Record `quantity` units delivered on `on` against an accepted request, recompute the demand's status
    /// and write `audit`, in one transaction. `NotFound` when there is no such request; `Invalid` when it is
    /// not accepted (`request`), `quantity` is 0 or would take the delivered units past the request's
    /// quantity (`quantity`).
    async fn record_delivery(
        &self,
        request: i64,
        quantity: u64,
        on: NaiveDate,
        audit: &NewAudit,
    ) -> Result<Delivery, StoreError>;

    /// Every supplier that has had a request, with its record.
    async fn supplier_records(&self) -> Result<HashMap<CreditCode, SupplierRecord>, StoreError>;

    /// The risk parameters stored for producers of `chain` (only producers with at least one set), ordered
    /// by the link's position in the chain, then by credit code. `NotFound` when the chain is not stored.
    ///
    /// The default stores nothing (every parameter takes its default): a backend that keeps risk
    /// parameters overrides this and [`Store::set_risk_parameters`], writes [`Dataset::risk`] in
    /// [`Store::import`], and runs the stories of `risk_contract_tests!`.
    async fn risk_parameters(&self, chain: &ChainId) -> Result<Vec<RiskParameters>, StoreError> {
        self.chain(chain).await?;
        Ok(Vec::new())
    }

    /// Store `params` and write `audit`, in one transaction. Each row replaces what was stored for its
    /// producer (chain, link, enterprise): a parameter it leaves `None` goes back to its default, and a row
    /// with nothing set removes the producer's stored parameters. `Invalid`, naming the field, when
    /// [`check_risk_parameters`] refuses a row (`f`, `d`, `s`, `ttr`, `producer`) or a row names no stored
    /// producer (`producer`: the chain, link or enterprise is not stored, or the enterprise does not make
    /// the link); then nothing is written, the audit entry neither. The default refuses every write (see
    /// [`Store::risk_parameters`]).
    async fn set_risk_parameters(&self, params: &[RiskParameters], audit: &NewAudit) -> Result<(), StoreError> {
        let _ = (params, audit);
        Err(StoreError::Other { message: "this backend does not store risk parameters yet".into(), source: None })
    }

    // --- Whole-database archives (issue 7): see the `archive` module. ---

    /// Write every table but sessions to `out` as an archive (see [`archive`]), read in one consistent
    /// snapshot and streamed row by row through an [`archive::ArchiveWriter`]; returns its header (the rows
    /// per table). Writes to the database go on meanwhile and are not in the archive.
    async fn export_archive(&self, out: &mut (dyn std::io::Write + Send)) -> Result<archive::Header, StoreError>;

    /// Restore an archive into this database, which must be empty (no row in any table, sessions
    /// included; `Conflict` otherwise), in one transaction: every row with its id, version, password hash
    /// and times, and the id sequences set to continue above the archive's largest ids. `Invalid` for
    /// what [`archive::ArchiveReader`] refuses (a bad line named by number and table, a truncated file);
    /// on any error nothing is written. Returns the header.
    async fn restore_archive(&self, input: &mut (dyn std::io::BufRead + Send)) -> Result<archive::Header, StoreError>;
}
