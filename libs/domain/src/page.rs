//! Cursor pagination: lists are ordered by id (UUIDv7, so by creation), and the cursor is the
//! id of the last item of the previous page (a list ordered by a time instead: that time and the
//! id, `Cursor::at`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ValidationError;

/// How many items a page holds: 50 unless asked, never more than 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageLimit(u32);

impl PageLimit {
    pub const DEFAULT: u32 = 50;
    pub const MAX: u32 = 200;

    pub fn parse(requested: Option<u32>) -> Result<Self, ValidationError> {
        match requested {
            None => Ok(PageLimit(Self::DEFAULT)),
            Some(n) if (1..=Self::MAX).contains(&n) => Ok(PageLimit(n)),
            Some(n) => Err(ValidationError::new(
                "limit",
                format!("must be between 1 and {} (got {n})", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        PageLimit(Self::DEFAULT)
    }
}

/// An opaque position in a list. Today it is the id of the last item served; clients must
/// only pass back what they were given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor is the hyphenated UUID `next_cursor` gave (Uuid's other forms are refused, as
    /// the API document says).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Some(raw)
            .filter(|r| r.len() == 36)
            .and_then(|r| Uuid::parse_str(r).ok())
            .ok_or(())
            .map(|id| Cursor(id.hyphenated().to_string()))
            .map_err(|_| {
                ValidationError::new(
                    "cursor",
                    "is not a cursor this API issued; pass back next_cursor from the previous page",
                )
            })
    }

    pub fn after(id: impl ToString) -> Self {
        Cursor(id.to_string())
    }

    /// A position in a list ordered by a time, then by id: the time (microseconds since the
    /// epoch) and the id, so that the cursor works whatever has happened to that item since
    /// (`AT_PATTERN`).
    pub fn at(time: DateTime<Utc>, id: impl ToString) -> Self {
        Cursor(format!("{}_{}", time.timestamp_micros(), id.to_string()))
    }

    /// What `at` writes, as a regular expression for the API document.
    pub const AT_PATTERN: &'static str = r"^[0-9]{1,16}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

    /// Reads a cursor `at` wrote: the time and the id.
    pub fn parse_at(raw: &str) -> Result<(DateTime<Utc>, String), ValidationError> {
        let bad = || {
            ValidationError::new(
                "cursor",
                "is not a cursor this list issued; pass back next_cursor from the previous page",
            )
        };
        let (micros, id) = raw.split_once('_').ok_or_else(bad)?;
        if micros.is_empty() || micros.len() > 16 || !micros.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let time = micros
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(bad)?;
        let id = Some(id)
            .filter(|r| r.len() == 36)
            .and_then(|r| Uuid::parse_str(r).ok())
            .ok_or_else(bad)?;
        Ok((time, id.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(PageLimit::parse(None).expect("default").get(), 50);
        assert_eq!(PageLimit::parse(Some(200)).expect("max").get(), 200);
        assert!(PageLimit::parse(Some(0)).is_err());
        assert!(PageLimit::parse(Some(201)).is_err());
    }

    #[test]
    fn cursors_must_be_ours() {
        assert!(Cursor::parse("not-a-cursor").is_err());
        assert!(Cursor::parse("0192f0c1-8b7a-7cde-9f00-000000000001").is_ok());
    }
}

/// One page of a list, and where the next one starts (absent on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from a query that fetched `limit + 1` rows: the extra row only tells
    /// that another page exists.
    pub fn from_overfetch(
        mut rows: Vec<T>,
        limit: PageLimit,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Self {
        let limit = limit.get() as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(cursor_of)
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}
