//! File imports: upload, see the row report, then commit.

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use chaindock_engine::import::{ImportReport, SourceFile, import_files};
use chaindock_model::Role;
use chaindock_store::NewAudit;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Query;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    // The JSON body limit does not apply here: the handler counts the upload's bytes as they arrive and
    // stops at the configured size.
    OpenApiRouter::new().routes(routes!(import)).layer(DefaultBodyLimit::disable())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `false` (default): validate and report only. `true`: write, all or nothing.
    pub commit: Option<bool>,
}

/// The form: one or more parts named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportForm {
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!("the upload is too large: {}", e.body_text()))
    } else {
        ApiError::bad_request(format!("the upload is not a valid multipart form: {}", e.body_text()))
    }
}

/// Import CSV, XLSX or JSON files (told by their names). Without `commit=true` nothing is written and
/// the report says what would be; with it, a file with any row error is refused whole (422, the report
/// in `report`).
#[utoipa::path(post, path = "/api/import", tag = "import", params(ImportParams,
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = Object, description = "The row report (`files`, `errors`, `warnings`, `written`, `dry_run`)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ImportParams>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<axum::Json<ImportReport>> {
    caller.require(&[Role::Admin, Role::Analyst], "importing")?;
    let mut form = form.map_err(|r| {
        ApiError::bad_request(format!("send the files as multipart/form-data parts named `file`: {}", r.body_text()))
    })?;
    let max = state.config().max_upload_bytes;
    let mut files = Vec::new();
    let mut total = 0usize;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            let name = field.name().unwrap_or("").to_string();
            return Err(ApiError::bad_request(format!("unexpected form field {name:?}; send the files as `file`"))
                .with_field(name));
        }
        let name = field.file_name().map(str::to_string).filter(|n| !n.is_empty());
        let Some(name) = name else {
            return Err(
                ApiError::bad_request("a `file` part has no file name (the name tells the format)").with_field("file")
            );
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            total += chunk.len();
            if total > max {
                return Err(ApiError::too_large(format!("the upload is larger than {} MiB", max / (1024 * 1024)))
                    .with_field("file"));
            }
            bytes.extend_from_slice(&chunk);
        }
        files.push(SourceFile { name, bytes });
    }
    if files.is_empty() {
        return Err(ApiError::bad_request("no file: send one or more parts named `file`").with_field("file"));
    }
    let commit = p.commit.unwrap_or(false);
    let report = import_files(state.store(), &files, !commit).await?;
    if commit && !report.ok() {
        let mut err = ApiError::invalid(
            "file",
            format!("{} row error(s); nothing was written. The first: {}", report.errors.len(), report.errors[0]),
        );
        err.body.field = None;
        err.body.report = serde_json::to_value(&report).ok();
        return Err(err);
    }
    if let Some(written) = report.written.filter(|_| commit) {
        state.changed();
        chaindock_engine::search::rebuild(state.store(), state.search()).await?;
        state
            .store()
            .append_audit(&NewAudit {
                username: Some(caller.user.username.clone()),
                action: "import".into(),
                target: files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "),
                detail: serde_json::to_value(written).unwrap_or_default(),
            })
            .await?;
    }
    Ok(axum::Json(report))
}
