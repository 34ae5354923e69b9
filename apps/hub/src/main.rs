//! `pcref-hub`: the PCREF Alliance Hub server and its administration commands.

mod config;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use config::{Config, LogFormat, SettingsArgs};
use pcref_api::BoundServer;
use pcref_app::App;
use pcref_domain::{DisplayName, Email, Name, TokenName};
use pcref_store::Db;

// See `mimalloc` in the workspace manifest: measured, not assumed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// PCREF Alliance Hub: private PCREF workspaces for the providers of an alliance, with
/// publishing, VCSE partners and board reporting.
///
/// Without a command, serves the API (like `pcref-hub serve`). Every setting below can also be
/// given as its PCREF_* environment variable or in the TOML file named by --config.
#[derive(Debug, Parser)]
#[command(name = "pcref-hub", version)]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Administration from the server's command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document (the copy kept in openapi/ is made with this).
    Openapi,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an alliance and its first alliance admin, and print that admin's personal access
    /// token, alone on the last line of standard output. Refuses, changing nothing, if the
    /// alliance exists.
    Bootstrap {
        /// The alliance's name, such as "East Midlands PCREF Alliance".
        #[arg(long, value_name = "NAME")]
        alliance: String,
        /// The first alliance admin's email address.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// The first alliance admin's name, as shown to others.
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Revoke every personal access token of an account and print one new token, alone on the
    /// last line of standard output, to hand to the account's owner: for someone who lost
    /// their tokens, or whose invitation someone else accepted first.
    ResetTokens {
        /// The account's email address.
        #[arg(long, value_name = "EMAIL")]
        email: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        println!("{}", pcref_api::openapi_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(&cli.settings) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("pcref-hub: {error:#}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("pcref-hub: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pcref-hub: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = open_database(&config).await?;
            let applied = migrate(&db).await?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!(
                    "Applied {} migration(s): {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Bootstrap {
                    alliance,
                    email,
                    name,
                },
        } => bootstrap(config, &alliance, &email, &name).await,
        Command::Admin {
            command: AdminCommand::ResetTokens { email },
        } => reset_tokens(config, &email).await,
        Command::Openapi => Ok(()),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    migrate(&db).await?;
    let server = BoundServer::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(
        address = %server.local_addr(),
        database = %db.url().display(),
        "serving PCREF Alliance Hub; API documentation at http://{}/docs",
        server.local_addr()
    );
    let api_settings = config.api_settings();
    if api_settings.rate_limit_per_minute == 0 {
        tracing::warn!("rate limiting is off (PCREF_RATE_LIMIT_PER_MINUTE=0)");
    }
    let app = App::new(db, config.app_settings());
    server.serve(app, api_settings, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn bootstrap(config: Config, alliance: &str, email: &str, name: &str) -> anyhow::Result<()> {
    let alliance =
        Name::parse(alliance).map_err(|e| anyhow::anyhow!("--alliance {}", e.message))?;
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email {}", e.message))?;
    let name = DisplayName::parse(name).map_err(|e| anyhow::anyhow!("--name {}", e.message))?;
    let db = open_database(&config).await?;
    migrate(&db).await?;
    let app = App::new(db, config.app_settings());
    let done = app
        .bootstrap_alliance(alliance, email, name)
        .await
        .map_err(|e| match e {
            pcref_app::AppError::Conflict(why) => anyhow::anyhow!("refused: {why}"),
            other => anyhow::anyhow!(other),
        })?;
    let user = &done.membership.user;
    println!(
        "Created alliance {:?} (id {}).",
        done.alliance.name, done.alliance.id
    );
    println!(
        "Alliance admin: {} <{}>. Personal access token below, shown once; it expires {}.",
        user.display_name,
        user.email,
        done.token.token.expires_at.format("%Y-%m-%d")
    );
    println!("{}", done.token.secret);
    Ok(())
}

async fn reset_tokens(config: Config, email: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email {}", e.message))?;
    let db = open_database(&config).await?;
    migrate(&db).await?;
    let app = App::new(db, config.app_settings());
    let token_name = TokenName::parse("reset by an operator")?;
    let (user, token, revoked) =
        app.reset_tokens(email, token_name)
            .await
            .map_err(|e| match e {
                pcref_app::AppError::NotFound(_) => anyhow::anyhow!("no account has this email"),
                other => anyhow::anyhow!(other),
            })?;
    println!(
        "Revoked {revoked} token(s) of {} <{}>. New personal access token below, shown once; it expires {}.",
        user.display_name,
        user.email,
        token.token.expires_at.format("%Y-%m-%d")
    );
    println!("{}", token.secret);
    Ok(())
}

async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let settings = config.db_settings()?;
    // The store's errors already name the database and the real reason.
    Ok(tokio::task::spawn_blocking(move || Db::open(&settings))
        .await
        .context("the database task failed")??)
}

async fn migrate(db: &Db) -> anyhow::Result<Vec<String>> {
    let db = db.clone();
    let applied = tokio::task::spawn_blocking(move || db.migrate())
        .await
        .context("the migration task failed")??;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied database migrations");
    }
    Ok(applied)
}

fn init_tracing(config: &Config) {
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // Logs go to standard error: standard output carries command results (the bootstrap token).
    match config.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
