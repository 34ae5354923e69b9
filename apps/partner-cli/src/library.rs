//! `library search`: the alliance's published plans, or its learning items.

use serde_json::Value;

use crate::api::Api;
use crate::feedback::all_pages;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Published action plans.
    Plans,
    /// Learning items (good-practice case studies).
    Learning,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub kind: Kind,
    pub words: String,
    pub ethnic_category: Option<String>,
    pub broad_group: Option<String>,
    pub competency: Option<String>,
    pub pillar: Option<String>,
}

pub async fn search(api: &Api, q: &Query, limit: u32, as_json: bool) -> anyhow::Result<()> {
    let mut filters = Vec::new();
    if !q.words.trim().is_empty() {
        filters.push(("q", q.words.trim().to_owned()));
    }
    for (name, value) in [
        ("ethnic_category", &q.ethnic_category),
        ("broad_group", &q.broad_group),
        ("competency", &q.competency),
    ] {
        if let Some(value) = value {
            filters.push((name, value.clone()));
        }
    }
    let path = match q.kind {
        Kind::Plans => {
            if let Some(pillar) = &q.pillar {
                filters.push(("pillar", pillar.clone()));
            }
            format!("/alliances/{}/published-plans", api.alliance_id)
        }
        Kind::Learning => {
            if q.pillar.is_some() {
                return Err(anyhow::anyhow!(
                    "--pillar applies to published plans only, not to learning items"
                ));
            }
            format!("/alliances/{}/learning", api.alliance_id)
        }
    };
    let items = all_pages(api, &path, &filters, limit).await?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default()
        );
        return Ok(());
    }
    if items.is_empty() {
        println!("nothing found");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            let (by, date) = match q.kind {
                Kind::Plans => (&item["provider_label"], &item["published_at"]),
                Kind::Learning => (&item["contributor_label"], &item["created_at"]),
            };
            vec![
                item["title"].as_str().unwrap_or_default().to_owned(),
                by.as_str().unwrap_or_default().to_owned(),
                date.as_str().unwrap_or_default().chars().take(10).collect(),
                item["id"].as_str().unwrap_or_default().to_owned(),
            ]
        })
        .collect();
    let by = match q.kind {
        Kind::Plans => "PROVIDER",
        Kind::Learning => "CONTRIBUTOR",
    };
    let date = match q.kind {
        Kind::Plans => "PUBLISHED",
        Kind::Learning => "ADDED",
    };
    for line in table(&["TITLE", by, date, "ID"], &rows) {
        println!("{line}");
    }
    Ok(())
}

/// Left-aligned columns two spaces apart, the header first; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == last {
                    (*cell).to_owned()
                } else {
                    format!("{cell:<width$}", width = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::table;

    #[test]
    fn columns_line_up() {
        let rows = vec![
            vec!["Plan".to_owned(), "A provider".to_owned(), "x".to_owned()],
            vec!["Longer title".to_owned(), "B".to_owned(), "y".to_owned()],
        ];
        assert_eq!(
            table(&["TITLE", "BY", "ID"], &rows),
            vec![
                "TITLE         BY          ID",
                "Plan          A provider  x",
                "Longer title  B           y",
            ]
        );
    }
}
