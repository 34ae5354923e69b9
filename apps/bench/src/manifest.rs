//! What the driver needs to know about a generated dataset: ids and the bench users' tokens.
//! Written by `hub-bench generate` next to the data; it holds working tokens of the bench
//! database, so keep it with that database.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The database the data was written to (as given, password included if any).
    pub database_url: String,
    pub backend: String,
    pub seed: u64,
    pub scale: f64,
    /// Rows written per table.
    pub rows: BTreeMap<String, u64>,
    pub generation: GenerationTimes,
    pub alliances: Vec<AllianceEntry>,
    pub providers: Vec<ProviderEntry>,
    pub partners: Vec<PartnerEntry>,
    pub search_words: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GenerationTimes {
    /// Wall time of the whole `generate` command: migrations, rows, commit, statistics.
    pub total_seconds: f64,
    pub migrate_seconds: f64,
    /// Building the rows and their SQL text (in the bench's process).
    pub build_seconds: f64,
    /// Waiting for the database to run the INSERT statements.
    pub insert_seconds: f64,
    pub commit_seconds: f64,
    /// After the commit: ANALYZE on PostgreSQL (as autovacuum would soon do), a WAL
    /// checkpoint on SQLite (so that the server starts without a large WAL to read through).
    pub finish_seconds: f64,
    pub rows_per_second: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AllianceEntry {
    pub id: String,
    pub name: String,
    pub providers: usize,
    pub vcse: usize,
    pub plans: usize,
    pub admin_token: String,
    pub board_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderEntry {
    pub id: String,
    /// Index into `alliances`.
    pub alliance: usize,
    /// A provider editor of this provider.
    pub editor_token: String,
    pub plans: Vec<String>,
    /// Some of its actions (for posting progress updates).
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerEntry {
    pub id: String,
    pub alliance: usize,
    /// A VCSE partner of this organisation.
    pub token: String,
}

impl Manifest {
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn read(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the manifest {} (run `hub-bench generate` first)",
                path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a manifest", path.display()))
    }

    /// The alliance with the most providers (ties: the most plans).
    pub fn largest_alliance(&self) -> usize {
        (0..self.alliances.len())
            .max_by_key(|&i| (self.alliances[i].providers, self.alliances[i].plans))
            .unwrap_or(0)
    }
}
