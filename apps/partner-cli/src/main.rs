//! `pcref-partner`: a VCSE partner's (or a provider's) command line for the hub's API, acting
//! as an API client of its organisation. It exchanges the client's id and secret for an access
//! token (OAuth2 client credentials), then submits feedback from a CSV file, lists feedback,
//! searches the alliance's library, lists joint projects and posts updates on them.

mod api;
mod feedback;
mod feedback_csv;
mod library;
mod projects;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::api::{Api, Connection};

#[derive(Debug, Parser)]
#[command(
    name = "pcref-partner",
    version,
    about = "Submit and read feedback, search the library and post joint-project updates on a PCREF Alliance Hub, as an API client of your organisation",
    long_about = "Submit and read feedback, search the library and post joint-project updates on a \
PCREF Alliance Hub, as an API client of your organisation. An admin of the organisation creates the client (POST \
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
    /// The alliance's joint projects, and your organisation's updates on them.
    #[command(subcommand)]
    Projects(ProjectsCommand),
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

#[derive(Debug, Subcommand)]
enum ProjectsCommand {
    /// List the alliance's joint projects, newest first, with their phase, RAG and
    /// participants.
    List(ProjectListArgs),
    /// Post your organisation's update on a joint project it takes part in (accepted
    /// participants only): a RAG rating, a narrative and, optionally, the phase the project
    /// moves to.
    ///
    /// The narrative is redacted by the hub before it is stored (names, emails, phone numbers,
    /// NHS numbers, postcodes); the stored text is printed. The request carries an
    /// Idempotency-Key derived from the project, the day and the content, so running the same
    /// command again the same day posts nothing twice; an update the hub refused (before your
    /// organisation accepted the invitation, say) is sent again. Exit status 0 when the hub
    /// holds the update, 1 when it refused it (its reasons on standard error), 2 when nothing
    /// could be done.
    Update(ProjectUpdateArgs),
}

#[derive(Debug, Args)]
struct ProjectListArgs {
    /// Only projects in this phase.
    #[arg(long, value_enum)]
    phase: Option<projects::Phase>,
    /// Only projects whose latest update has this RAG rating.
    #[arg(long, value_enum)]
    rag: Option<projects::Rag>,
    /// Only projects this organisation (an id) takes part in, as lead or accepted participant.
    #[arg(long, value_parser = parse_id)]
    participant: Option<uuid::Uuid>,
    /// Only projects about this NHS ethnic category code, such as M.
    #[arg(long)]
    ethnic_category: Option<String>,
    /// Only projects tied to this cultural competency, such as `co_production`.
    #[arg(long)]
    competency: Option<String>,
    /// Only projects that are (true) or are not (false) stale: started, and no update in the
    /// current quarter.
    #[arg(long)]
    stale: Option<bool>,
    /// Only projects that have (true) or have no (false) overdue milestone.
    #[arg(long)]
    overdue: Option<bool>,
    /// At most this many projects (pages are followed up to it).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    /// Print the projects as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("text").required(true).args(["narrative", "narrative_file"])))]
struct ProjectUpdateArgs {
    /// The project (its id, from `projects list`).
    #[arg(long, value_parser = parse_id)]
    project: uuid::Uuid,
    /// The RAG rating of the project now.
    #[arg(long, value_enum)]
    rag: projects::Rag,
    /// What happened, in up to 5,000 characters.
    #[arg(long)]
    narrative: Option<String>,
    /// Read the narrative from this file (`-`: standard input).
    #[arg(long)]
    narrative_file: Option<PathBuf>,
    /// The phase the project moves to (the same phase as now changes nothing).
    #[arg(long, value_enum)]
    phase: Option<projects::Phase>,
    /// The day the update reports on (YYYY-MM-DD; default today). Not in the future, not
    /// before the project started or its latest update.
    #[arg(long, value_parser = parse_date)]
    reported_on: Option<chrono::NaiveDate>,
    /// Print the update as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_id(s: &str) -> Result<uuid::Uuid, String> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| format!("not an id: {s}"))
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("not a date in the form YYYY-MM-DD: {s}"))
}

/// Reads the narrative from the flag or the file (`-`: standard input).
fn narrative(args: &ProjectUpdateArgs) -> anyhow::Result<String> {
    use std::io::Read;
    if let Some(text) = &args.narrative {
        return Ok(text.clone());
    }
    let Some(path) = &args.narrative_file else {
        return Err(anyhow::anyhow!("give --narrative or --narrative-file"));
    };
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("cannot read the narrative from standard input: {e}"))?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    }
    Ok(text.trim_end().to_owned())
}

/// Exit codes: 0 done; 1 some rows failed (or a row was invalid; or the update was refused);
/// 2 nothing could be done (configuration, credentials, the file, the hub).
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
        Command::Projects(ProjectsCommand::List(args)) => {
            let api = connect(c, &["projects:write"]).await?;
            let filters = projects::Filters {
                phase: args.phase,
                rag: args.rag,
                participant: args.participant,
                ethnic_category: args.ethnic_category,
                competency: args.competency,
                stale: args.stale,
                overdue: args.overdue,
            };
            projects::list(&api, &filters, args.limit, args.json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Projects(ProjectsCommand::Update(args)) => {
            let update = projects::Update {
                project: args.project,
                rag: args.rag,
                narrative: narrative(&args)?,
                phase: args.phase,
                reported_on: args.reported_on,
            };
            if let Err(why) = update.body() {
                eprintln!("{why}");
                return Ok(ExitCode::from(EXIT_ROWS_FAILED));
            }
            let api = connect(c, &["projects:write"]).await?;
            Ok(projects::update(&api, &update, args.json).await)
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
