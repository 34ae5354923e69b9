//! `pcref-partner`: a VCSE partner's (or a provider's) command line for the hub's API, acting
//! as an API client of its organisation. It exchanges the client's id and secret for an access
//! token (OAuth2 client credentials), then submits feedback from a CSV file, lists feedback and
//! searches the alliance's library.

mod api;
mod feedback;
mod feedback_csv;
mod library;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::api::{Api, Connection};

#[derive(Debug, Parser)]
#[command(
    name = "pcref-partner",
    version,
    about = "Submit and read feedback and search the library of a PCREF Alliance Hub, as an API client of your organisation",
    long_about = "Submit and read feedback and search the library of a PCREF Alliance Hub, as an API \
client of your organisation. An admin of the organisation creates the client (POST \
/api/v1/organisations/{organisation_id}/api-clients) and hands over its client id and secret; \
give them in PCREF_CLIENT_ID and PCREF_CLIENT_SECRET (the secret is never printed)."
)]
struct Cli {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct ConnectionArgs {
    /// The hub's address.
    #[arg(
        long,
        env = "PCREF_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    url: String,
    /// The API client's id.
    #[arg(long, env = "PCREF_CLIENT_ID", global = true)]
    client_id: Option<String>,
    /// The API client's secret. Prefer the environment variable to the flag, which other users
    /// of the machine can read in the process list.
    #[arg(
        long,
        env = "PCREF_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    client_secret: Option<String>,
    /// The alliance to work in.
    #[arg(long, env = "PCREF_ALLIANCE_ID", global = true)]
    alliance_id: Option<String>,
    /// A scope to ask for (repeatable, or space-separated); by default the scopes the command
    /// needs.
    #[arg(
        long = "scope",
        env = "PCREF_SCOPE",
        global = true,
        value_delimiter = ' '
    )]
    scopes: Vec<String>,
    /// How many times to retry a request that failed for a passing reason (no connection,
    /// 429, 502–504), waiting longer each time or as long as `Retry-After` says.
    #[arg(long, env = "PCREF_RETRIES", default_value_t = 5, global = true)]
    retries: u32,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Feedback items ("you said, we did").
    #[command(subcommand)]
    Feedback(FeedbackCommand),
    /// The alliance's library of published plans and learning.
    #[command(subcommand)]
    Library(LibraryCommand),
}

#[derive(Debug, Subcommand)]
enum FeedbackCommand {
    /// Submit the feedback items of a CSV file, one row per item.
    ///
    /// Columns (header row first): theme, ethnic_categories (NHS codes separated by `;`),
    /// channel, summary, received_on (YYYY-MM-DD), and optionally about_organisation_id (empty:
    /// the alliance as a whole). Every row is checked first; a row with an error is reported by
    /// its line in the file and not sent. Each row is sent once with an Idempotency-Key derived
    /// from its content, so running the same file again files nothing twice.
    Submit(SubmitArgs),
    /// List the feedback items you may see, newest first.
    List(ListArgs),
}

#[derive(Debug, Args)]
struct SubmitArgs {
    /// The CSV file.
    file: PathBuf,
    /// Check the file only; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only items in this status: received, acknowledged, responded or closed.
    #[arg(long)]
    status: Option<String>,
    /// Only items about this provider (an organisation id).
    #[arg(long)]
    about: Option<String>,
    /// At most this many items (pages are followed up to it).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    /// Print the items as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum LibraryCommand {
    /// Search the library: published plans, or learning items with `--kind learning`.
    Search(SearchArgs),
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// Words to look for.
    words: Vec<String>,
    /// `plans` (published action plans) or `learning` (good-practice case studies).
    #[arg(long, value_enum, default_value_t = library::Kind::Plans)]
    kind: library::Kind,
    /// An NHS ethnic category code such as H.
    #[arg(long)]
    ethnic_category: Option<String>,
    /// A broad group such as `black` or `asian`.
    #[arg(long)]
    broad_group: Option<String>,
    /// A cultural competency such as `co_production`.
    #[arg(long)]
    competency: Option<String>,
    /// A PCREF pillar such as `data` (plans only).
    #[arg(long)]
    pillar: Option<String>,
    /// At most this many results.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 done; 1 some rows failed (or a row was invalid); 2 nothing could be done
/// (configuration, credentials, the file, the hub).
const EXIT_ROWS_FAILED: u8 = 1;
const EXIT_FAILURE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("pcref-partner: cannot start: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pcref-partner: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let c = cli.connection;
    match cli.command {
        Command::Feedback(FeedbackCommand::Submit(args)) => {
            let file = feedback_csv::read_file(&args.file)?;
            if args.dry_run {
                return Ok(feedback::dry_run(&file, args.json));
            }
            let api = connect(c, &["feedback:write"]).await?;
            let outcome = feedback::submit(&api, &file).await;
            Ok(feedback::report(&file, &outcome, args.json))
        }
        Command::Feedback(FeedbackCommand::List(args)) => {
            let api = connect(c, &["feedback:read"]).await?;
            feedback::list(&api, args.status, args.about, args.limit, args.json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Library(LibraryCommand::Search(args)) => {
            let api = connect(c, &["library:read"]).await?;
            let query = library::Query {
                kind: args.kind,
                words: args.words.join(" "),
                ethnic_category: args.ethnic_category,
                broad_group: args.broad_group,
                competency: args.competency,
                pillar: args.pillar,
            };
            library::search(&api, &query, args.limit, args.json).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Checks the configuration and gets an access token with `needed` (or the scopes asked for).
async fn connect(c: ConnectionArgs, needed: &[&str]) -> anyhow::Result<Api> {
    let missing = |what: &str, var: &str| anyhow::anyhow!("{what} is missing: set {var}");
    let client_id = c
        .client_id
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing("the API client's id", "PCREF_CLIENT_ID (or --client-id)"))?;
    let client_secret = c
        .client_secret
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing("the API client's secret", "PCREF_CLIENT_SECRET"))?;
    let alliance_id = c
        .alliance_id
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing("the alliance", "PCREF_ALLIANCE_ID (or --alliance-id)"))?;
    let alliance_id = uuid::Uuid::parse_str(alliance_id.trim())
        .map_err(|_| anyhow::anyhow!("PCREF_ALLIANCE_ID is not an id: {alliance_id}"))?;
    let scopes: Vec<String> = if c.scopes.iter().any(|s| !s.trim().is_empty()) {
        c.scopes
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect()
    } else {
        needed.iter().map(|s| (*s).to_owned()).collect()
    };
    Api::connect(Connection {
        url: c.url,
        client_id,
        client_secret,
        alliance_id,
        scopes,
        retries: c.retries,
    })
    .await
}
