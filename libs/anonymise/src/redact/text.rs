//! Small text helpers shared by the detectors.
//!
//! Every word-based detector (names, deny-list, postcodes, small numbers) works on the same
//! tokens: maximal runs of alphanumeric characters. Matching whole tokens gives whole-word
//! matching for free ("Oak" never matches inside "Oakwood") and treats an apostrophe as a
//! separator, so "Okafor's" is the token "Okafor" followed by "'s".

/// A maximal run of alphanumeric characters, as byte offsets into the scanned segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
}

/// The tokens of `s`, in order.
pub(crate) fn tokens(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                out.push(Token { start: st, end: i });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push(Token {
            start: st,
            end: s.len(),
        });
    }
    out
}

/// Lowercases `s` into `buf` (cleared first) and returns it: one buffer reused for every
/// token keeps lookups allocation-free.
pub(crate) fn lower_into<'b>(buf: &'b mut String, s: &str) -> &'b str {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(s.chars().flat_map(char::to_lowercase));
    }
    buf.as_str()
}

/// Whether `text` equals `lower` (already lowercased) ignoring case.
pub(crate) fn eq_fold(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        text.eq_ignore_ascii_case(lower)
    } else {
        text.chars().flat_map(char::to_lowercase).eq(lower.chars())
    }
}

pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' | '\u{2032}'
    )
}

pub(crate) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}'
    )
}

/// What stands between two tokens of a name or term, reduced to what matters for matching.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Sep {
    /// Whitespace of any length (line breaks included), a hyphen or a dot: "Amara  Okafor",
    /// "Mary-Jane", "St. Ann's" and "St Ann's" are the same name.
    Gap,
    /// One apostrophe of any style: "O'Neill", "O’Neill", "Okafor's".
    Apostrophe,
    /// Anything else, normalised (whitespace collapsed and trimmed): "A&E" needs the "&".
    Other(String),
}

impl Sep {
    pub(crate) fn classify(s: &str) -> Sep {
        let mut norm = String::new();
        let mut space = false;
        for c in s.chars() {
            if c.is_whitespace() || is_dash(c) || c == '.' {
                space = true;
                continue;
            }
            if space && !norm.is_empty() {
                norm.push(' ');
            }
            space = false;
            norm.push(if is_apostrophe(c) { '\'' } else { c });
        }
        match norm.as_str() {
            "" => Sep::Gap,
            "'" => Sep::Apostrophe,
            _ => Sep::Other(norm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_alphanumeric_runs() {
        let s = "Okafor's NHS-number 943 (Zoë)";
        let words: Vec<&str> = tokens(s).iter().map(|t| &s[t.start..t.end]).collect();
        assert_eq!(words, ["Okafor", "s", "NHS", "number", "943", "Zoë"]);
    }

    #[test]
    fn separators_normalise() {
        assert_eq!(Sep::classify(" "), Sep::Gap);
        assert_eq!(Sep::classify("\n\t "), Sep::Gap);
        assert_eq!(Sep::classify("-"), Sep::Gap);
        assert_eq!(Sep::classify(". "), Sep::Gap);
        assert_eq!(Sep::classify("’"), Sep::Apostrophe);
        assert_eq!(Sep::classify(" & "), Sep::Other("&".into()));
        assert_eq!(Sep::classify(", "), Sep::Other(",".into()));
    }

    #[test]
    fn folding() {
        assert!(eq_fold("OKAFOR", "okafor"));
        assert!(eq_fold("ZOË", "zoë"));
        assert!(!eq_fold("Okafo", "okafor"));
        let mut buf = String::new();
        assert_eq!(lower_into(&mut buf, "ÉLODIE"), "élodie");
    }
}
