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

/// Combining diacritical marks: part of the word they follow ("Zoe\u{308}" is one word).
fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

/// The tokens of `s`, in order. A token starts with an alphanumeric character.
pub(crate) fn tokens(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let word = if start.is_some() {
            is_word_char(c)
        } else {
            c.is_alphanumeric()
        };
        match (word, start) {
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

/// A lowercase letter without its accent, or `None` for a combining mark: names are often
/// written without their accents ("Siobhan" for Siobhán, "Zoe" for Zoë), and a leak is worse
/// than matching a word that differs only by an accent.
fn unaccented(c: char) -> Option<char> {
    Some(match c {
        c if is_combining(c) => return None,
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ł' | 'ľ' | 'ĺ' | 'ļ' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ř' | 'ŗ' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        c => c,
    })
}

/// `s` lowercased and without accents, the form names and terms are compared in.
fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .flat_map(char::to_lowercase)
        .filter_map(unaccented)
}

/// Folds `s` (see [`unaccented`]) into `buf` (cleared first) and returns it: one buffer reused
/// for every token keeps lookups allocation-free.
pub(crate) fn fold_into<'b>(buf: &'b mut String, s: &str) -> &'b str {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(folded(s));
    }
    buf.as_str()
}

pub(crate) fn fold(s: &str) -> String {
    let mut buf = String::with_capacity(s.len());
    fold_into(&mut buf, s);
    buf
}

/// Whether `text` folds to `want` (already folded).
pub(crate) fn eq_fold(text: &str, want: &str) -> bool {
    if text.is_ascii() {
        text.eq_ignore_ascii_case(want)
    } else {
        folded(text).eq(want.chars())
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
        assert!(eq_fold("ZOË", "zoe"));
        assert!(eq_fold("Zoe\u{308}", "zoe"));
        assert!(eq_fold("Siobhán", "siobhan"));
        assert!(!eq_fold("Okafo", "okafor"));
        assert_eq!(fold("ÉLODIE Łukasz"), "elodie lukasz");
        let s = "Zoe\u{308}'s";
        let t = tokens(s);
        assert_eq!(&s[t[0].start..t[0].end], "Zoe\u{308}");
        // A combining mark alone does not start a word.
        assert!(tokens("\u{308}").is_empty());
    }
}
