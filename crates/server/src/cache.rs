//! Response bodies that are costly to compute and change only when data changes: a chain's analysis per
//! (chain, scope, viewer), the dashboard per (scope, viewer), and a chain's risk exposure per (chain,
//! viewer) — the programmes run once per chain (the staff body), other viewers' bodies are it redacted. Every write through the server clears
//! the cache ([`crate::AppState::changed`]); a bound on entries keeps a burst of distinct keys from
//! growing it without limit.
//!
//! A write in the same instant as a computation could otherwise store a body computed from the old
//! data after the clear; the generation counter prevents that: a body is stored only if no clear
//! happened since its computation began.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// At most this many bodies are kept; beyond it the cache starts over.
const MAX_ENTRIES: usize = 2048;

#[derive(Default)]
pub struct Cache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    bodies: HashMap<String, Bytes>,
}

impl Cache {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.inner.lock().expect("cache lock").bodies.get(key).cloned()
    }

    /// The generation to hand back to [`Cache::put`] for a body about to be computed.
    pub fn generation(&self) -> u64 {
        self.inner.lock().expect("cache lock").generation
    }

    pub fn put(&self, key: String, body: Bytes, generation: u64) {
        let mut inner = self.inner.lock().expect("cache lock");
        if inner.generation != generation {
            return;
        }
        if inner.bodies.len() >= MAX_ENTRIES {
            inner.bodies.clear();
        }
        inner.bodies.insert(key, body);
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock().expect("cache lock");
        inner.generation += 1;
        inner.bodies.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_computed_before_a_clear_is_not_stored() {
        let c = Cache::default();
        let g = c.generation();
        c.put("a".into(), Bytes::from_static(b"1"), g);
        assert_eq!(c.get("a").as_deref(), Some(&b"1"[..]));
        let stale = c.generation();
        c.clear();
        c.put("a".into(), Bytes::from_static(b"old"), stale);
        assert!(c.get("a").is_none());
    }
}
