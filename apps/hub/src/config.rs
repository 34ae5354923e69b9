//! Configuration: one typed struct, from defaults, an optional TOML file, `PCREF_*`
//! environment variables and command-line flags, each overriding the one before.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use pcref_app::AppSettings;
use pcref_store::{DatabaseUrl, DbSettings};

/// Every setting, as the server uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub database_max_connections: u32,
    pub database_connect_timeout_secs: u64,
    pub token_lifetime_days: u32,
    pub invitation_lifetime_days: u32,
    pub client_token_lifetime_minutes: u32,
    pub rate_limit_per_minute: u32,
    pub log: String,
    pub log_format: LogFormat,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/pcref-hub.db".into(),
            database_max_connections: 8,
            database_connect_timeout_secs: 5,
            token_lifetime_days: 90,
            invitation_lifetime_days: 7,
            client_token_lifetime_minutes: 60,
            rate_limit_per_minute: pcref_api::DEFAULT_RATE_LIMIT_PER_MINUTE,
            log: "info".into(),
            log_format: LogFormat::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The settings as flags. Every flag also reads its `PCREF_*` variable; a flag or variable
/// overrides the TOML file, which overrides the defaults.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct SettingsArgs {
    /// TOML file of settings, keys named like the flags with underscores (listen = "0.0.0.0:8080").
    #[arg(long, env = "PCREF_CONFIG", global = true, value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Address and port to serve HTTP on [default: 127.0.0.1:8080]
    #[arg(long, env = "PCREF_LISTEN", global = true, value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,

    /// Database: sqlite://PATH (relative), sqlite:///PATH (absolute) or postgres://USER@HOST/DB.
    /// The SQLite file and its folder are created when missing [default: sqlite://data/pcref-hub.db]
    #[arg(long, env = "PCREF_DATABASE_URL", global = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,

    /// Most database connections held open [default: 8]
    #[arg(
        long,
        env = "PCREF_DATABASE_MAX_CONNECTIONS",
        global = true,
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_max_connections: Option<u32>,

    /// Seconds to wait when connecting to the database or for a free connection; start-up
    /// fails after this long if the database cannot be reached [default: 5]
    #[arg(
        long,
        env = "PCREF_DATABASE_CONNECT_TIMEOUT_SECS",
        global = true,
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_connect_timeout_secs: Option<u64>,

    /// Default lifetime of personal access tokens, in days [default: 90]
    #[arg(
        long,
        env = "PCREF_TOKEN_LIFETIME_DAYS",
        global = true,
        value_name = "DAYS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_lifetime_days: Option<u32>,

    /// How long an invitation code can be used, in days [default: 7]
    #[arg(
        long,
        env = "PCREF_INVITATION_LIFETIME_DAYS",
        global = true,
        value_name = "DAYS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_lifetime_days: Option<u32>,

    /// How long an API client's access token from /oauth/token lives, in minutes [default: 60]
    #[arg(
        long,
        env = "PCREF_CLIENT_TOKEN_LIFETIME_MINUTES",
        global = true,
        value_name = "MINUTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_token_lifetime_minutes: Option<u32>,

    /// Requests a minute allowed per token, or per address for requests without one (429 with
    /// Retry-After beyond it; /healthz, /readyz and /metrics are never limited). Counted per
    /// server process; 0 turns it off [default: 600]
    #[arg(
        long,
        env = "PCREF_RATE_LIMIT_PER_MINUTE",
        global = true,
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,

    /// Log filter, such as info or pcref_app=debug,info [default: info]
    #[arg(long, env = "PCREF_LOG", global = true, value_name = "FILTER")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,

    /// Log format [default: text]
    #[arg(long, env = "PCREF_LOG_FORMAT", global = true, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

impl Config {
    /// Merges the layers and checks the result.
    pub fn load(args: &SettingsArgs) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &args.config {
            if !path.is_file() {
                anyhow::bail!("the configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let config: Config = figment
            .merge(Serialized::defaults(args))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        DatabaseUrl::parse(&self.database_url)?;
        if !(1..=1000).contains(&self.database_max_connections) {
            anyhow::bail!("database_max_connections must be between 1 and 1000");
        }
        if !(1..=300).contains(&self.database_connect_timeout_secs) {
            anyhow::bail!("database_connect_timeout_secs must be between 1 and 300");
        }
        if !(1..=365).contains(&self.token_lifetime_days) {
            anyhow::bail!("token_lifetime_days must be between 1 and 365");
        }
        if !(1..=30).contains(&self.invitation_lifetime_days) {
            anyhow::bail!("invitation_lifetime_days must be between 1 and 30");
        }
        if !(5..=1440).contains(&self.client_token_lifetime_minutes) {
            anyhow::bail!("client_token_lifetime_minutes must be between 5 and 1440");
        }
        // Beyond a million a minute the limiter's step would be under 60 µs: no real limit.
        if self.rate_limit_per_minute > 1_000_000 {
            anyhow::bail!("rate_limit_per_minute must be between 0 (off) and 1000000");
        }
        Ok(())
    }

    pub fn db_settings(&self) -> anyhow::Result<DbSettings> {
        Ok(DbSettings {
            url: DatabaseUrl::parse(&self.database_url)?,
            max_connections: self.database_max_connections,
            connect_timeout: Duration::from_secs(self.database_connect_timeout_secs),
        })
    }

    pub fn api_settings(&self) -> pcref_api::ApiSettings {
        pcref_api::ApiSettings {
            rate_limit_per_minute: self.rate_limit_per_minute,
        }
    }

    pub fn app_settings(&self) -> AppSettings {
        AppSettings {
            token_lifetime: chrono::Duration::days(i64::from(self.token_lifetime_days)),
            invitation_lifetime: chrono::Duration::days(i64::from(self.invitation_lifetime_days)),
            client_token_lifetime: chrono::Duration::minutes(i64::from(
                self.client_token_lifetime_minutes,
            )),
            ..AppSettings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_without_any_setting() {
        let config = Config::load(&SettingsArgs::default()).expect("defaults are valid");
        assert_eq!(config, Config::default());
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://data/pcref-hub.db");
    }

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("pcref-config-{}", uuid_like()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("hub.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ntoken_lifetime_days = 30\n",
        )
        .expect("write");
        let args = SettingsArgs {
            config: Some(file.clone()),
            token_lifetime_days: Some(10),
            ..SettingsArgs::default()
        };
        let config = Config::load(&args).expect("valid");
        assert_eq!(config.listen, "0.0.0.0:9000");
        assert_eq!(config.token_lifetime_days, 10);
        assert_eq!(config.rate_limit_per_minute, 600);
        let limited = SettingsArgs {
            rate_limit_per_minute: Some(5),
            ..SettingsArgs::default()
        };
        let config = Config::load(&limited).expect("valid");
        assert_eq!(config.api_settings().rate_limit_per_minute, 5);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn unknown_keys_missing_files_and_bad_values_are_refused() {
        let dir = std::env::temp_dir().join(format!("pcref-config-{}", uuid_like()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("hub.toml");
        std::fs::write(&file, "lisen = \"0.0.0.0:9000\"\n").expect("write");
        let typo = SettingsArgs {
            config: Some(file),
            ..SettingsArgs::default()
        };
        assert!(Config::load(&typo).is_err());
        let missing = SettingsArgs {
            config: Some(dir.join("absent.toml")),
            ..SettingsArgs::default()
        };
        assert!(Config::load(&missing).is_err());
        let bad_url = SettingsArgs {
            database_url: Some("mysql://db".into()),
            ..SettingsArgs::default()
        };
        assert!(Config::load(&bad_url).is_err());
        let no_limit = SettingsArgs {
            rate_limit_per_minute: Some(1_000_001),
            ..SettingsArgs::default()
        };
        assert!(Config::load(&no_limit).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

    fn uuid_like() -> String {
        format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "")
    }
}
