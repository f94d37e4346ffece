//! Accounts, sessions, the audit log and enterprises edited by hand (with their optimistic version).

use chaindock_model::{ChainId, CreditCode, Enterprise, LinkId, Role, Unit};
use chaindock_store::{
    AuditEntry, EnterpriseLink, EnterpriseRecord, NewAudit, NewUser, Session, StoreError, User, check_enterprise,
    check_new_user,
};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnection, PgPool, PgRow};

use crate::registry::{ENTERPRISE_COLUMNS, decode_enterprise};
use crate::{col, db_err, invalid, utc_seconds};

/// `SELECT … FROM app_user u LEFT JOIN enterprise e` with the columns [`decode_user`] reads.
fn user_select() -> String {
    format!(
        "SELECT u.id, u.username, u.role, e.credit_code, u.password_hash, {}
         FROM app_user u LEFT JOIN enterprise e ON e.id = u.enterprise_id",
        utc_seconds("u.created_at")
    )
}

fn decode_user(r: &PgRow) -> Result<User, StoreError> {
    let (role, code): (String, Option<String>) = (col(r, 2)?, col(r, 3)?);
    Ok(User {
        id: col(r, 0)?,
        username: col(r, 1)?,
        role: Role::parse(&role).map_err(invalid)?,
        enterprise: code.as_deref().map(CreditCode::parse).transpose().map_err(invalid)?,
        password_hash: col(r, 4)?,
        created_at: col(r, 5)?,
    })
}

async fn user_by_id(conn: &mut PgConnection, id: i64) -> Result<Option<User>, StoreError> {
    sqlx::query(AssertSqlSafe(format!("{} WHERE u.id = $1", user_select())))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(db_err("cannot read an account"))?
        .as_ref()
        .map(decode_user)
        .transpose()
}

pub(crate) async fn user_by_name(conn: &mut PgConnection, username: &str) -> Result<Option<User>, StoreError> {
    sqlx::query(AssertSqlSafe(format!("{} WHERE u.username = $1", user_select())))
        .bind(username)
        .fetch_optional(conn)
        .await
        .map_err(db_err("cannot read an account"))?
        .as_ref()
        .map(decode_user)
        .transpose()
}

pub(crate) async fn users(pool: &PgPool) -> Result<Vec<User>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{} ORDER BY u.username", user_select())))
        .fetch_all(pool)
        .await
        .map_err(db_err("cannot list accounts"))?;
    rows.iter().map(decode_user).collect()
}

pub(crate) async fn create_user(pool: &PgPool, user: &NewUser) -> Result<User, StoreError> {
    check_new_user(user)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot add an account"))?;
    let enterprise_id: Option<i64> = match &user.enterprise {
        None => None,
        Some(code) => Some(
            sqlx::query_scalar("SELECT id FROM enterprise WHERE credit_code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err("cannot look an enterprise up"))?
                .ok_or_else(|| {
                    StoreError::Invalid(format!("user {}: enterprise {code} is not in the registry", user.username))
                })?,
        ),
    };
    // ON CONFLICT rather than a look-up first: two servers creating the same name at once both come here.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO app_user (username, role, enterprise_id, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (username) DO NOTHING RETURNING id",
    )
    .bind(&user.username)
    .bind(user.role.as_str())
    .bind(enterprise_id)
    .bind(&user.password_hash)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err("cannot add an account"))?;
    let id = id.ok_or_else(|| StoreError::Conflict(format!("there is already an account named {}", user.username)))?;
    // The row was inserted just above, in this transaction.
    let created = user_by_id(&mut tx, id)
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("account {} vanished while it was created", user.username)))?;
    tx.commit().await.map_err(db_err("cannot commit an account"))?;
    Ok(created)
}

pub(crate) async fn set_password(pool: &PgPool, username: &str, password_hash: &str) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE app_user SET password_hash = $1 WHERE username = $2")
        .bind(password_hash)
        .bind(username)
        .execute(pool)
        .await
        .map_err(db_err("cannot set a password"))?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound { what: "user", key: username.to_string() });
    }
    Ok(())
}

pub(crate) async fn create_session(pool: &PgPool, session: &Session) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("cannot add a session"))?;
    sqlx::query("DELETE FROM session WHERE expires_at <= $1")
        .bind(session.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db_err("cannot delete expired sessions"))?;
    let user: Option<i32> = sqlx::query_scalar("SELECT 1 FROM app_user WHERE id = $1")
        .bind(session.user_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err("cannot look an account up"))?;
    if user.is_none() {
        return Err(StoreError::Invalid(format!("session for account id {}, which does not exist", session.user_id)));
    }
    let inserted = sqlx::query(
        "INSERT INTO session (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(&session.token_hash)
    .bind(session.user_id)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.expires_at)
    .execute(&mut *tx)
    .await
    .map_err(db_err("cannot add a session"))?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Conflict("a session with this token exists already".into()));
    }
    tx.commit().await.map_err(db_err("cannot commit a session"))
}

pub(crate) async fn session(pool: &PgPool, token_hash: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
    let mut c = pool.acquire().await.map_err(db_err("cannot reach the database"))?;
    let found = sqlx::query(
        "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM session WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err("cannot read a session"))?;
    let Some(r) = found else { return Ok(None) };
    let session = Session {
        token_hash: col(&r, 0)?,
        user_id: col(&r, 1)?,
        csrf_token: col(&r, 2)?,
        created_at: col(&r, 3)?,
        expires_at: col(&r, 4)?,
    };
    if session.expires_at <= now {
        // Only if it is still expired: a session written anew under the same hash in between stays.
        sqlx::query("DELETE FROM session WHERE token_hash = $1 AND expires_at <= $2")
            .bind(token_hash)
            .bind(now)
            .execute(&mut *c)
            .await
            .map_err(db_err("cannot delete an expired session"))?;
        return Ok(None);
    }
    // The account cannot be missing while the session exists (ON DELETE CASCADE), short of a race with its
    // deletion, in which case the session is as good as gone.
    Ok(user_by_id(&mut c, session.user_id).await?.map(|user| (session, user)))
}

pub(crate) async fn delete_session(pool: &PgPool, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM session WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await
        .map_err(db_err("cannot delete a session"))?;
    Ok(())
}

pub(crate) async fn append_audit(conn: &mut PgConnection, entry: &NewAudit) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (username, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)")
        .bind(&entry.username)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(entry.detail.to_string())
        .execute(conn)
        .await
        .map_err(db_err("cannot write the audit log"))?;
    Ok(())
}

pub(crate) async fn audit(pool: &PgPool, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), username, action, target,
                detail::text
         FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit.min(i64::MAX as u64) as i64)
    .fetch_all(pool)
    .await
    .map_err(db_err("cannot read the audit log"))?;
    rows.iter()
        .map(|r| {
            let id: i64 = col(r, 0)?;
            let detail: String = col(r, 5)?;
            Ok(AuditEntry {
                id,
                at: col(r, 1)?,
                username: col(r, 2)?,
                action: col(r, 3)?,
                target: col(r, 4)?,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| StoreError::Invalid(format!("stored audit entry {id}: {e}")))?,
            })
        })
        .collect()
}

/// The enterprise `code` with its version and the links it makes.
async fn read_record(conn: &mut PgConnection, code: &CreditCode) -> Result<EnterpriseRecord, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {ENTERPRISE_COLUMNS}, e.id, e.version FROM enterprise e WHERE e.credit_code = $1"
    )))
    .bind(code.as_str())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err("cannot read an enterprise"))?
    .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    let enterprise = decode_enterprise(&row)?;
    let (id, version): (i64, i64) = (col(&row, 14)?, col(&row, 15)?);
    let rows = sqlx::query(
        "SELECT c.id, c.name, l.link_id, l.name, p.capacity, l.unit
         FROM producer p JOIN chain_link l ON l.id = p.link JOIN chain c ON c.id = l.chain_id
         WHERE p.enterprise_id = $1 ORDER BY c.id, l.position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err("cannot read an enterprise's links"))?;
    let links = rows
        .iter()
        .map(|r| {
            let (chain, link, unit): (String, String, String) = (col(r, 0)?, col(r, 2)?, col(r, 5)?);
            Ok(EnterpriseLink {
                chain: ChainId::parse(&chain).map_err(invalid)?,
                chain_name: col(r, 1)?,
                link: LinkId::parse(&link).map_err(invalid)?,
                link_name: col(r, 3)?,
                capacity: col(r, 4)?,
                unit: Unit::parse(&unit).map_err(invalid)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(EnterpriseRecord { enterprise, version, links })
}

pub(crate) async fn enterprise_record(pool: &PgPool, code: &CreditCode) -> Result<EnterpriseRecord, StoreError> {
    // One snapshot, so that the record and its links are of the same moment.
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(db_err("cannot begin a read"))?;
    let record = read_record(&mut tx, code).await?;
    tx.commit().await.map_err(db_err("cannot end a read"))?;
    Ok(record)
}

/// Bind `e`'s fields as `$1`…`$14` in the column order of the enterprise table (credit code first).
fn bind_enterprise<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    e: &'q Enterprise,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    q.bind(e.credit_code.as_str())
        .bind(&e.name)
        .bind(&e.aliases)
        .bind(crate::region_int(e.region))
        .bind(e.location.map(|p| p.lng))
        .bind(e.location.map(|p| p.lat))
        .bind(e.industry.as_ref().map(|i| i.as_str()))
        .bind(e.above_scale)
        .bind(e.leading)
        .bind(e.specialised)
        .bind(e.illustrative)
        .bind(&e.description)
        .bind(&e.contact_person)
        .bind(&e.contact_phone)
}

pub(crate) async fn create_enterprise(
    pool: &PgPool,
    e: &Enterprise,
    audit: &NewAudit,
) -> Result<EnterpriseRecord, StoreError> {
    check_enterprise(e)?;
    let mut tx = pool.begin().await.map_err(db_err("cannot add an enterprise"))?;
    let inserted = bind_enterprise(
        sqlx::query(
            "INSERT INTO enterprise (credit_code, name, aliases, region, lng, lat, industry, above_scale, is_leading,
               specialised, illustrative, description, contact_person, contact_phone)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (credit_code) DO NOTHING",
        ),
        e,
    )
    .execute(&mut *tx)
    .await
    .map_err(db_err("cannot write an enterprise"))?
    .rows_affected();
    if inserted == 0 {
        return Err(StoreError::Conflict(format!("enterprise {} is already in the registry", e.credit_code)));
    }
    append_audit(&mut tx, audit).await?;
    let record = read_record(&mut tx, &e.credit_code).await?;
    tx.commit().await.map_err(db_err("cannot commit an enterprise"))?;
    Ok(record)
}

pub(crate) async fn update_enterprise(
    pool: &PgPool,
    e: &Enterprise,
    expected_version: i64,
    audit: &NewAudit,
) -> Result<EnterpriseRecord, StoreError> {
    check_enterprise(e)?;
    let code = &e.credit_code;
    let mut tx = pool.begin().await.map_err(db_err("cannot update an enterprise"))?;
    // The row lock makes the version check and the write one step for every other writer.
    let stored: i64 = sqlx::query_scalar("SELECT version FROM enterprise WHERE credit_code = $1 FOR UPDATE")
        .bind(code.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err("cannot read an enterprise's version"))?
        .ok_or_else(|| StoreError::NotFound { what: "enterprise", key: code.to_string() })?;
    if stored != expected_version {
        return Err(StoreError::Conflict(format!(
            "enterprise {code} was changed by someone else (version {stored}, you had {expected_version})"
        )));
    }
    bind_enterprise(
        sqlx::query(
            "UPDATE enterprise SET name = $2, aliases = $3, region = $4, lng = $5, lat = $6, industry = $7,
               above_scale = $8, is_leading = $9, specialised = $10, illustrative = $11, description = $12,
               contact_person = $13, contact_phone = $14, version = version + 1
             WHERE credit_code = $1",
        ),
        e,
    )
    .execute(&mut *tx)
    .await
    .map_err(db_err("cannot update an enterprise"))?;
    append_audit(&mut tx, audit).await?;
    let record = read_record(&mut tx, code).await?;
    tx.commit().await.map_err(db_err("cannot commit an enterprise update"))?;
    Ok(record)
}
