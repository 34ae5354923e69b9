//! Bulk loading as SQL text: multi-row `INSERT … VALUES (…), (…)` statements with literal
//! values, run with `batch_execute` inside one transaction. The same text works on SQLite
//! and PostgreSQL, and sidesteps diesel's batch inserts, which do not compile on the
//! two-backend connection.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use pcref_store::DbConnection;

/// Rows per INSERT statement.
const ROWS_PER_STATEMENT: usize = 500;
/// Pending SQL text beyond which every table is flushed, parents first.
const FLUSH_BYTES: usize = 8 << 20;

struct Table {
    name: &'static str,
    header: String,
    /// Finished statements and the one being built.
    pending: String,
    rows_in_statement: usize,
    rows: u64,
}

/// Tables in the order their rows must reach the database (parents before children).
pub struct Loader<'c> {
    conn: &'c mut DbConnection,
    tables: Vec<Table>,
    pending_bytes: usize,
    pub execute_time: Duration,
}

impl<'c> Loader<'c> {
    pub fn new(conn: &'c mut DbConnection, tables: &[(&'static str, &[&str])]) -> Loader<'c> {
        let tables = tables
            .iter()
            .map(|(name, columns)| Table {
                name,
                header: format!("INSERT INTO {name} ({}) VALUES ", columns.join(", ")),
                pending: String::new(),
                rows_in_statement: 0,
                rows: 0,
            })
            .collect();
        Loader {
            conn,
            tables,
            pending_bytes: 0,
            execute_time: Duration::ZERO,
        }
    }

    pub fn execute(&mut self, sql: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        self.conn
            .batch_execute(sql)
            .map_err(|e| anyhow::anyhow!("{e} (in SQL starting {:?})", preview(sql)))?;
        self.execute_time += started.elapsed();
        Ok(())
    }

    /// Appends one row to `table`; `fill` writes its values in column order.
    pub fn row(&mut self, table: &str, fill: impl FnOnce(&mut Row<'_>)) -> anyhow::Result<()> {
        let t = self
            .tables
            .iter_mut()
            .find(|t| t.name == table)
            .ok_or_else(|| anyhow::anyhow!("unknown table {table}"))?;
        let before = t.pending.len();
        if t.rows_in_statement == 0 {
            t.pending.push_str(&t.header);
        } else {
            t.pending.push_str(", ");
        }
        t.pending.push('(');
        let mut row = Row {
            buf: &mut t.pending,
            first: true,
        };
        fill(&mut row);
        t.pending.push(')');
        t.rows_in_statement += 1;
        t.rows += 1;
        if t.rows_in_statement == ROWS_PER_STATEMENT {
            t.pending.push_str(";\n");
            t.rows_in_statement = 0;
        }
        self.pending_bytes += t.pending.len() - before;
        if self.pending_bytes >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends every pending row, parents first.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        for i in 0..self.tables.len() {
            let t = &mut self.tables[i];
            if t.pending.is_empty() {
                continue;
            }
            let sql = std::mem::take(&mut t.pending);
            t.rows_in_statement = 0;
            self.execute(&sql)?;
        }
        self.pending_bytes = 0;
        Ok(())
    }

    /// Rows written per table.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.tables
            .iter()
            .map(|t| (t.name.to_owned(), t.rows))
            .collect()
    }
}

fn preview(sql: &str) -> String {
    sql.chars().take(160).collect()
}

/// One row's values, written as SQL literals.
pub struct Row<'a> {
    buf: &'a mut String,
    first: bool,
}

impl Row<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.buf.push_str(", ");
        }
        self.first = false;
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.sep();
        self.buf.push('\'');
        for c in value.chars() {
            if c == '\'' {
                self.buf.push('\'');
            }
            self.buf.push(c);
        }
        self.buf.push('\'');
        self
    }

    pub fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.push_str("NULL");
        self
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.sep();
        self.buf.push_str(&value.to_string());
        self
    }

    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.sep();
        self.buf.push_str(if value { "TRUE" } else { "FALSE" });
        self
    }

    pub fn date(&mut self, value: NaiveDate) -> &mut Self {
        self.text(&value.format("%Y-%m-%d").to_string())
    }

    pub fn opt_date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        match value {
            Some(v) => self.date(v),
            None => self.null(),
        }
    }

    /// As diesel writes a timestamp on SQLite (`%F %T%.f`); PostgreSQL reads the same text.
    pub fn ts(&mut self, value: NaiveDateTime) -> &mut Self {
        self.text(&value.format("%Y-%m-%d %H:%M:%S%.f").to_string())
    }

    pub fn opt_ts(&mut self, value: Option<NaiveDateTime>) -> &mut Self {
        match value {
            Some(v) => self.ts(v),
            None => self.null(),
        }
    }
}
