//! `chaindock serve`, the serving half of `chaindock demo`, and `chaindock user`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use chaindock_model::{CreditCode, Role};
use chaindock_server::Config;
use chaindock_store::{NewUser, Store};
use clap::Subcommand;

/// The demo's accounts: user name, role, the enterprise an enterprise user acts for. Each password is
/// `chaindock-` and the user name; they exist only in demo databases.
pub const DEMO_ACCOUNTS: &[(&str, Role, Option<&str>)] = &[
    ("admin", Role::Admin, None),
    ("analyst", Role::Analyst, None),
    ("expert", Role::Expert, None),
    // 长城汽车股份有限公司 (Baoding) and 京东方科技集团股份有限公司 (Beijing).
    ("gwm", Role::Enterprise, Some("91130606120551720G")),
    ("boe", Role::Enterprise, Some("91110105634657709B")),
];

pub fn demo_password(username: &str) -> String {
    format!("chaindock-{username}")
}

async fn add_user(
    store: &dyn Store,
    username: &str,
    role: Role,
    enterprise: Option<CreditCode>,
    password: String,
) -> anyhow::Result<()> {
    chaindock_server::auth::check_password_rules(&password).map_err(anyhow::Error::msg)?;
    let hash = tokio::task::spawn_blocking(move || chaindock_server::hash_password(&password))
        .await?
        .map_err(|e| anyhow::anyhow!(e.body.message))?;
    store.create_user(&NewUser { username: username.to_string(), role, enterprise, password_hash: hash }).await?;
    Ok(())
}

/// Create the demo accounts that are missing; returns those created.
pub async fn ensure_demo_accounts(store: &dyn Store) -> anyhow::Result<Vec<&'static str>> {
    let mut created = Vec::new();
    for (name, role, enterprise) in DEMO_ACCOUNTS {
        if store.user_by_name(name).await?.is_some() {
            continue;
        }
        let enterprise = enterprise.map(CreditCode::parse).transpose()?;
        add_user(store, name, *role, enterprise, demo_password(name)).await?;
        created.push(*name);
    }
    Ok(created)
}

pub fn print_demo_accounts() {
    println!("Demo accounts (user / password):");
    for (name, role, enterprise) in DEMO_ACCOUNTS {
        let of = enterprise.map(|c| format!(" of {c}")).unwrap_or_default();
        println!("  {name:<8} / {:<20} {}{of}", demo_password(name), role.as_str());
    }
}

/// Serve `store` on `listen` until Ctrl-C.
pub async fn serve(
    store: Arc<dyn Store>,
    listen: &str,
    web_dir: Option<PathBuf>,
    secure: bool,
    search_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let config = Config { web_dir, secure_cookies: secure, search_dir, ..Config::default() };
    let app = chaindock_server::router(store, config).await.context("preparing the server")?;
    println!("chaindock is serving on http://{addr}/  (API explorer: http://{addr}/api/docs; Ctrl-C stops)");
    chaindock_server::serve(listener, app).await.context("serving")?;
    Ok(())
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from CHAINDOCK_PASSWORD, or asked for on the terminal, or
    /// read from the first line of standard input.
    Add {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        username: String,
        /// admin, analyst, enterprise (needs --enterprise) or expert.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The credit code of the enterprise an enterprise user acts for.
        #[arg(long)]
        enterprise: Option<String>,
    },
    /// List the accounts.
    List {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).map_err(|e| e.to_string())
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CHAINDOCK_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (shown as typed; set CHAINDOCK_PASSWORD to avoid this): ");
    }
    let mut line = String::new();
    stdin.read_line(&mut line).context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        bail!("no password given: set CHAINDOCK_PASSWORD or pass it on standard input");
    }
    Ok(p)
}

pub async fn user(store: &dyn Store, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { username, role, enterprise, .. } => {
            let enterprise = enterprise
                .as_deref()
                .map(CreditCode::parse)
                .transpose()
                .context("--enterprise must be a unified social credit code")?;
            let password = read_password()?;
            add_user(store, &username, role, enterprise, password).await?;
            println!("created user {username} ({})", role.as_str());
        }
        UserCommand::List { .. } => {
            for u in store.users().await? {
                let of = u.enterprise.map(|c| format!(" of {c}")).unwrap_or_default();
                println!("{:<20} {:<10}{of}  created {}", u.username, u.role.as_str(), u.created_at);
            }
        }
    }
    Ok(())
}
