//! `hub-bench`: generates a national-scale dataset into SQLite or PostgreSQL, starts the
//! release server on it and drives it over HTTP, printing requests per second, latency
//! percentiles and the server's peak memory per scenario. It prints and records figures; it
//! asserts nothing. See apps/bench/README.md.

mod dataset;
mod driver;
mod manifest;
mod rng;
mod sql;
mod vocab;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryDsl, RunQueryDsl};
use pcref_store::{DatabaseUrl, Db, DbConnection, DbSettings};

use dataset::Scale;
use manifest::Manifest;

/// Load generator and national-scale data generator for the PCREF Alliance Hub.
#[derive(Debug, Parser)]
#[command(name = "hub-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the dataset into a fresh database (after the server's migrations) and a manifest
    /// of its ids and tokens for `drive`.
    Generate(GenerateArgs),
    /// Start the release server on a generated database and measure it.
    Drive(driver::DriveArgs),
    /// `generate`, then `drive`.
    Run {
        #[command(flatten)]
        generate: GenerateArgs,
        #[command(flatten)]
        drive: driver::DriveArgs,
    },
}

#[derive(Debug, Clone, Args)]
struct GenerateArgs {
    /// The database, as the server's PCREF_DATABASE_URL: sqlite://PATH (relative),
    /// sqlite:///PATH (absolute) or postgres://USER@HOST/DB.
    #[arg(long, value_name = "URL")]
    database_url: String,
    /// Empty the database first: deletes the SQLite file, or drops and recreates the
    /// PostgreSQL database's `public` schema. Without it, a database holding data is refused.
    #[arg(long)]
    reset: bool,
    /// Seed of the generator: the same seed and scale give the same data.
    #[arg(long, default_value_t = 20261202)]
    seed: u64,
    /// 1.0 is national scale (issue 7); 0.01 makes a small dataset for trying things out.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Where to write the manifest (ids and the bench users' tokens).
    #[arg(long, value_name = "FILE", default_value = "hub-bench-manifest.json")]
    manifest: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(&args).map(|_| ()),
        Command::Drive(args) => Manifest::read(&args.manifest).and_then(|m| drive(&args, m)),
        Command::Run {
            generate: g,
            drive: mut d,
        } => {
            d.manifest = g.manifest.clone();
            generate(&g).and_then(|m| drive(&d, m))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hub-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn drive(args: &driver::DriveArgs, manifest: Manifest) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(driver::drive(args, manifest))
}

fn generate(args: &GenerateArgs) -> anyhow::Result<Manifest> {
    if !(args.scale > 0.0 && args.scale <= 10.0) {
        anyhow::bail!("--scale must be above 0 and at most 10");
    }
    let scale = Scale::new(args.scale);
    let url = DatabaseUrl::parse(&args.database_url)?;
    println!(
        "Generating into {} (seed {}, scale {}): {} providers, {} VCSE partners, {} plans, {} actions, {} progress updates, {} feedback items, {} joint projects",
        url.display(),
        args.seed,
        args.scale,
        scale.providers,
        scale.vcse,
        scale.plans,
        scale.actions,
        scale.updates,
        scale.feedback,
        scale.projects
    );
    let (manifest, _) = generate_into(&url, &args.database_url, args.reset, args.seed, &scale)?;
    manifest.write(&args.manifest)?;
    let g = &manifest.generation;
    let rows: u64 = manifest.rows.values().sum();
    println!(
        "Generated {rows} rows in {:.1} s ({:.0} rows/s): migrations {:.1} s, building rows {:.1} s, INSERTs {:.1} s, commit {:.1} s, {} {:.1} s",
        g.total_seconds,
        g.rows_per_second,
        g.migrate_seconds,
        g.build_seconds,
        g.insert_seconds,
        g.commit_seconds,
        if manifest.backend == "postgres" { "ANALYZE" } else { "WAL checkpoint" },
        g.finish_seconds
    );
    for (table, n) in &manifest.rows {
        println!("  {table:<28} {n:>8}");
    }
    println!(
        "Manifest (ids and tokens for `drive`): {}",
        args.manifest.display()
    );
    Ok(manifest)
}

/// Writes the dataset into the database; returns its manifest and the connection's backend.
pub fn generate_into(
    url: &DatabaseUrl,
    raw_url: &str,
    reset: bool,
    seed: u64,
    scale: &Scale,
) -> anyhow::Result<(Manifest, &'static str)> {
    let started = Instant::now();
    if reset {
        reset_database(url)?;
    }
    let db = Db::open(&DbSettings {
        url: url.clone(),
        max_connections: 1,
        connect_timeout: Duration::from_secs(10),
    })?;
    db.migrate()
        .context("cannot apply the server's migrations")?;
    drop(db);
    let migrate_seconds = started.elapsed().as_secs_f64();

    let mut conn = connect(url)?;
    let existing: i64 = pcref_store::schema::alliances::table
        .count()
        .get_result(&mut conn)
        .context("cannot count alliances")?;
    if existing > 0 {
        anyhow::bail!(
            "{} already holds {existing} alliance(s): pass --reset to empty it first",
            url.display()
        );
    }
    let backend = match conn {
        DbConnection::Sqlite(_) => "sqlite",
        DbConnection::Postgresql(_) => "postgres",
    };
    let load_started = Instant::now();
    let mut loader = sql::Loader::new(&mut conn, dataset::TABLES);
    loader.execute(if backend == "sqlite" {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN"
    })?;
    let output = dataset::generate(&mut loader, seed, scale)?;
    let insert_seconds = loader.execute_time.as_secs_f64();
    let rows = loader.counts();
    let build_seconds = load_started.elapsed().as_secs_f64() - insert_seconds;
    let commit_started = Instant::now();
    loader.execute("COMMIT")?;
    let commit_seconds = commit_started.elapsed().as_secs_f64();
    let finish_started = Instant::now();
    if backend == "postgres" {
        conn.batch_execute("ANALYZE")?;
    } else {
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    let finish_seconds = finish_started.elapsed().as_secs_f64();
    let mut manifest = dataset::manifest(output, raw_url, backend, seed, scale, rows);
    let total: u64 = manifest.rows.values().sum();
    let total_seconds = started.elapsed().as_secs_f64();
    manifest.generation = manifest::GenerationTimes {
        total_seconds,
        migrate_seconds,
        build_seconds,
        insert_seconds,
        commit_seconds,
        finish_seconds,
        rows_per_second: total as f64 / total_seconds.max(1e-9),
    };
    Ok((manifest, backend))
}

/// A connection of the URL's backend, for loading (not through the server's pool).
fn connect(url: &DatabaseUrl) -> anyhow::Result<DbConnection> {
    Ok(match url {
        DatabaseUrl::Sqlite { path } => {
            let path = path_str(path)?;
            let mut conn =
                SqliteConnection::establish(path).with_context(|| format!("cannot open {path}"))?;
            // Foreign keys on, so that a generator bug fails here rather than in the server.
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -131072;",
            )?;
            DbConnection::Sqlite(conn)
        }
        DatabaseUrl::Postgres { url: raw } => DbConnection::Postgresql(
            PgConnection::establish(raw)
                .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", url.display()))?,
        ),
    })
}

fn path_str(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not UTF-8", path.display()))
}

fn reset_database(url: &DatabaseUrl) -> anyhow::Result<()> {
    match url {
        DatabaseUrl::Sqlite { path } => {
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path_str(path)?));
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e).context(format!("cannot delete {}", file.display())),
                }
            }
        }
        DatabaseUrl::Postgres { url: raw } => {
            let mut conn = PgConnection::establish(raw)
                .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", url.display()))?;
            conn.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                .context("cannot empty the database")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcref_store::schema;

    /// A tiny dataset goes into SQLite, and the server's own queries read it back: rows
    /// parse, the tokens authenticate and the library lists the publications.
    #[test]
    fn a_tiny_dataset_loads_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("hub-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let raw = format!("sqlite://{}", dir.join("bench.db").display());
        let url = DatabaseUrl::parse(&raw).expect("url");
        let scale = Scale::new(0.02);
        let (manifest, backend) =
            generate_into(&url, &raw, true, 20261202, &scale).expect("generate");
        assert_eq!(backend, "sqlite");
        assert_eq!(manifest.rows["plans"], scale.plans as u64);
        assert_eq!(manifest.rows["actions"], scale.actions as u64);
        assert_eq!(manifest.rows["progress_updates"], scale.updates as u64);
        assert_eq!(manifest.rows["feedback_items"], scale.feedback as u64);
        assert_eq!(manifest.rows["projects"], scale.projects as u64);

        let mut conn = connect(&url).expect("connect");
        let provider = &manifest.providers[0];
        let hash = pcref_auth::lookup_hash(
            pcref_auth::SecretKind::PersonalAccessToken,
            &provider.editor_token,
        )
        .expect("hash");
        let (_, user) = pcref_store::tokens::find_by_hash(&mut conn, &hash)
            .expect("query")
            .expect("the token is found");
        let memberships =
            pcref_store::memberships::active_for_user(&mut conn, user.id).expect("memberships");
        assert_eq!(memberships.len(), 1);
        let publications: i64 = schema::publications::table
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert!(publications > 0);
        for alliance in &manifest.alliances {
            let id: uuid::Uuid = alliance.id.parse().expect("uuid");
            pcref_store::publications::list_library(
                &mut conn,
                pcref_domain::AllianceId(id),
                &pcref_domain::PublicationFilter::default(),
                None,
                pcref_domain::PageLimit::default(),
            )
            .expect("the library reads back");
        }
        let again = generate_into(&url, &raw, false, 20261202, &scale);
        assert!(again.is_err(), "a database holding data is refused");
        std::fs::remove_dir_all(dir).ok();
    }
}
