//! Passwords, sessions, CSRF and the login rate limit.
//!
//! - Passwords are hashed with argon2id (the crate's default parameters) into PHC strings.
//! - A session is a random 256-bit token in the `chaindock_session` cookie (HttpOnly, SameSite=Strict,
//!   Secure when configured). The store keeps only its SHA-256, so a leaked database holds no live
//!   session. Each session has its own random CSRF token, which every state-changing request must echo in
//!   `X-CSRF-Token`; SameSite=Strict already keeps other sites' forms out, the token also covers
//!   same-site subdomains and older browsers.
//! - Failed logins are counted per user name and per client address; after `max_failures` within
//!   `window` the next attempts are refused with 429 until the oldest failure leaves the window.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use base64::Engine as _;
use chaindock_model::{CreditCode, Role};
use chaindock_store::{Session, User};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "chaindock_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Hash a password into an argon2id PHC string. Slow on purpose (tens of milliseconds): call it off the
/// async threads.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string `hash`. A malformed stored hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// What a password must be: 8 to 128 characters.
pub fn check_password_rules(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < 8 {
        return Err(format!("the password has {n} characters; it needs at least 8"));
    }
    if n > 128 {
        return Err("the password is longer than 128 characters".into());
    }
    Ok(())
}

/// A fresh random token: 32 bytes from the operating system, base64url without padding.
pub fn random_token() -> Result<String, ApiError> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// The session key the store keeps: hex SHA-256 of the cookie's token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal in time independent of where the strings differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The `Set-Cookie` value that opens a session, or (with `None`) ends it.
pub fn session_cookie(token: Option<&str>, max_age: Duration, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(t) => {
            format!("{SESSION_COOKIE}={t}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}", max_age.as_secs())
        }
        None => format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"),
    }
}

fn cookie_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// The logged-in user of a request. Extracting it refuses requests without a live session (401) and
/// state-changing requests without the session's CSRF token (403).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub session: Session,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Refuse unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!(
                "{what} is for {}; you are logged in as {} ({})",
                allowed.join(", "),
                self.user.username,
                self.user.role.as_str()
            )))
        }
    }

    /// Whether the caller may see `code`'s private fields (contacts, capacities): analysts, administrators
    /// and the enterprise's own users.
    pub fn sees_private_of(&self, code: &CreditCode) -> bool {
        match self.user.role {
            Role::Admin | Role::Analyst => true,
            Role::Enterprise => self.user.enterprise.as_ref() == Some(code),
            Role::Expert => false,
        }
    }

    /// Whether the caller sees every enterprise's private fields.
    pub fn sees_all_private(&self) -> bool {
        matches!(self.user.role, Role::Admin | Role::Analyst)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = cookie_token(parts).ok_or_else(|| ApiError::unauthorized("log in first: no session cookie"))?;
        let hash = token_hash(token);
        let now = now_unix();
        let (session, user) = match state.sessions().get(&hash, now) {
            Some(found) => found,
            None => {
                let found = state
                    .store()
                    .session(&hash, now)
                    .await?
                    .ok_or_else(|| ApiError::unauthorized("the session has expired or was closed; log in again"))?;
                state.sessions().put(hash, found.clone(), now);
                found
            }
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                return Err(ApiError::csrf());
            }
        }
        Ok(Caller { user, session })
    }
}

/// Sessions recently read from the store, so that a burst of requests does not query the database for
/// each. An entry lives at most [`SessionCache::TTL_SECS`] and never past the session's expiry; logging
/// out removes it here at once. A session closed through another server process is forgotten here when the
/// store's change feed reports it ([`crate::AppState::new`]), and without a feed stays usable for at most
/// the TTL.
#[derive(Default)]
pub struct SessionCache {
    entries: std::sync::Mutex<HashMap<String, (i64, Session, User)>>,
}

impl SessionCache {
    pub const TTL_SECS: i64 = 10;
    const MAX_ENTRIES: usize = 10_000;

    pub fn get(&self, hash: &str, now: i64) -> Option<(Session, User)> {
        let entries = self.entries.lock().expect("session cache lock");
        let (until, s, u) = entries.get(hash)?;
        (now < *until && now < s.expires_at).then(|| (s.clone(), u.clone()))
    }

    pub fn put(&self, hash: String, (session, user): (Session, User), now: i64) {
        let mut entries = self.entries.lock().expect("session cache lock");
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (until, _, _)| now < *until);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(hash, (now + Self::TTL_SECS, session, user));
    }

    pub fn remove(&self, hash: &str) {
        self.entries.lock().expect("session cache lock").remove(hash);
    }

    /// Forget every session (another server ended some): each is read from the store again.
    pub fn clear(&self) {
        self.entries.lock().expect("session cache lock").clear();
    }
}

/// Failed logins per key within a sliding window.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: HashMap<String, VecDeque<Instant>>,
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self { max_failures, window, failures: HashMap::new() }
    }

    fn prune(&mut self, now: Instant) {
        let window = self.window;
        self.failures.retain(|_, q| {
            while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
                q.pop_front();
            }
            !q.is_empty()
        });
    }

    /// `Err(seconds to wait)` when any of `keys` has used up its failures.
    pub fn check(&mut self, keys: &[String], now: Instant) -> Result<(), u64> {
        self.prune(now);
        let wait = keys
            .iter()
            .filter_map(|k| self.failures.get(k))
            .filter(|q| q.len() >= self.max_failures)
            .filter_map(|q| q.front())
            .map(|first| (self.window - now.duration_since(*first)).as_secs().max(1))
            .max();
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&mut self, keys: &[String], now: Instant) {
        for k in keys {
            self.failures.entry(k.clone()).or_default().push_back(now);
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        // Salted: the same password hashes differently each time.
        assert_ne!(h, hash_password("correct horse").unwrap());
    }

    #[test]
    fn limiter_refuses_after_the_limit_and_forgives_after_the_window() {
        let mut l = LoginLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let keys = vec!["user:a".to_string(), "ip:1".to_string()];
        for i in 0..3 {
            assert!(l.check(&keys, t0 + Duration::from_secs(i)).is_ok());
            l.record_failure(&keys, t0 + Duration::from_secs(i));
        }
        let wait = l.check(&keys, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        // Another user from another address is not affected.
        assert!(l.check(&["user:b".into(), "ip:2".into()], t0 + Duration::from_secs(10)).is_ok());
        assert!(l.check(&keys, t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn cached_sessions_live_ten_seconds_and_never_past_their_expiry() {
        let user = User {
            id: 1,
            username: "u".into(),
            role: Role::Expert,
            enterprise: None,
            password_hash: String::new(),
            created_at: String::new(),
        };
        let session = |expires_at| Session {
            token_hash: "h".into(),
            user_id: 1,
            csrf_token: "c".into(),
            created_at: 0,
            expires_at,
        };
        let c = SessionCache::default();
        c.put("a".into(), (session(1000), user.clone()), 100);
        assert!(c.get("a", 109).is_some());
        assert!(c.get("a", 110).is_none(), "older than the TTL: ask the store again");
        c.put("b".into(), (session(105), user), 100);
        assert!(c.get("b", 104).is_some());
        assert!(c.get("b", 105).is_none(), "expired");
        c.remove("a");
        assert!(c.get("a", 101).is_none());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
