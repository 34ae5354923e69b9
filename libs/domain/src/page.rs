//! Cursor pagination: lists are ordered by id (UUIDv7, so by creation), and the cursor is the
//! id of the last item of the previous page.

use uuid::Uuid;

use crate::ValidationError;

/// How many items a page holds: 50 unless asked, never more than 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Uuid::parse_str(raw)
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
