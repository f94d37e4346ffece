//! The one error shape of the API: `{ "code", "message", "field" }` with the matching status.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chaindock_engine::EngineError;
use chaindock_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// One of `bad_request`, `invalid`, `unauthorized`, `forbidden`, `csrf`, `not_found`, `conflict`,
    /// `too_large`, `rate_limited`, `internal`.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
    /// The row report of an import refused for its errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, body: ErrorBody { code, message: message.into(), field: None, report: None }, retry_after: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).with_field(field)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "missing or wrong X-CSRF-Token header: state-changing requests must carry the token from /api/me",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed logins; try again in {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(message = %self.body.message, "request failed");
        }
        let mut resp = (self.status, Json(self.body)).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::Invalid(ref m) => {
                let field = e.field().map(str::to_string);
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.clone());
                err.body.field = field;
                err
            }
            StoreError::Other { .. } => ApiError::internal(e.to_string()),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(s) => s.into(),
            EngineError::Model(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.to_string()),
            EngineError::Invalid(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            // Well-formed JSON of the wrong shape: name the field serde stopped at.
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let field = serde_field(&text);
                let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", text);
                err.body.field = field;
                err
            }
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "bad_request", "send the body as application/json")
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::too_large(e.body_text())
            }
            other => ApiError::bad_request(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        let mut err = ApiError::bad_request(text.clone());
        err.body.field = serde_field(&text);
        err
    }
}

/// The field serde names in a message such as "…: name: invalid type: …" or "missing field `name`".
fn serde_field(text: &str) -> Option<String> {
    if let Some(rest) = text.split("missing field `").nth(1) {
        return rest.split('`').next().map(str::to_string);
    }
    if let Some(rest) = text.split("unknown field `").nth(1) {
        return rest.split('`').next().map(str::to_string);
    }
    // axum puts the serde path between its own prefix and serde's message:
    // "Failed to deserialize the JSON body into the target type: leading: invalid type: …".
    let parts: Vec<&str> = text.split(": ").collect();
    parts[1..parts.len().saturating_sub(1).max(1)]
        .iter()
        .find(|p| !p.is_empty() && !p.contains(char::is_whitespace))
        .map(|p| p.to_string())
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::serde_field;

    #[test]
    fn names_the_field_serde_stopped_at() {
        assert_eq!(
            serde_field("Failed to deserialize the JSON body into the target type: leading: invalid type: string \"x\", expected a boolean at line 1 column 15").as_deref(),
            Some("leading")
        );
        assert_eq!(
            serde_field(
                "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2"
            )
            .as_deref(),
            Some("name")
        );
        assert_eq!(
            serde_field("Failed to deserialize query string: limit: invalid digit found in string").as_deref(),
            Some("limit")
        );
    }
}
