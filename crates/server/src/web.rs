//! The web UI: the embedded Vite build (or a directory, for UI work), with `index.html` for every path
//! that is not a file, so that the UI's own routes load it. Unknown `/api/…` paths get a JSON 404.

use std::path::PathBuf;

use axum::Router;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(path: &str, bytes: Vec<u8>) -> Response {
    // Vite names built assets by content hash, so they never change; index.html must always be fresh.
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

fn lookup(dir: Option<&PathBuf>, path: &str) -> Option<Vec<u8>> {
    match dir {
        Some(d) => {
            if path.split('/').any(|seg| seg == "..") {
                return None;
            }
            std::fs::read(d.join(path)).ok()
        }
        None => ASSETS.iter().find(|(p, _)| *p == path).map(|(_, b)| b.to_vec()),
    }
}

pub fn router(dir: Option<PathBuf>) -> Router {
    Router::new().fallback(move |uri: Uri| {
        let dir = dir.clone();
        async move {
            let path = uri.path().trim_start_matches('/');
            if path == "api" || path.starts_with("api/") {
                return ApiError::not_found(format!("no API endpoint {}; see /api/docs", uri.path())).into_response();
            }
            if let Some(bytes) = lookup(dir.as_ref(), path).filter(|_| !path.is_empty()) {
                return respond(path, bytes);
            }
            match lookup(dir.as_ref(), "index.html") {
                Some(index) => respond("index.html", index),
                None => ApiError::not_found("the web UI is not built").into_response(),
            }
        }
    })
}
