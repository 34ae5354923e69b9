//! Names and terms known to the workspace: members and action leads, the organisation's own
//! names, its deny-list. All are compiled into token patterns keyed by their first token, so a
//! text is scanned once whatever the number of names (a hash lookup per token), instead of once
//! per name.
//!
//! Rules for people (see also the crate README):
//! - the full name (titles stripped) matches in any case, with any whitespace, hyphen or dot
//!   between its parts ("AMARA\nOKAFOR", "Mary Jane" for "Mary-Jane"); a full name made only of
//!   weak parts (below) must be capitalised ("Will Green" but not "will green");
//! - each part of the name (and each piece of a hyphenated or apostrophed part: "O'Neill",
//!   "Hughes", "Neill" for "O'Neill-Hughes") matches alone when it starts with a capital;
//! - weak parts (shorter than 3 letters, surname particles, or ordinary words on the stoplist
//!   such as Black, White, Will, May, Amber) match alone only right after a capitalised title:
//!   "Ms Black" is redacted, "Black Caribbean" is not;
//! - a title right before a match goes into the marker: "Dr Okafor" is one marker;
//! - a possessive stays outside: "Okafor's" becomes "[redacted: person name]'s".
//!
//! Organisation names and deny-listed terms match whole words and phrases in any case, with the
//! same tolerance for whitespace, hyphens and dots between words.

use std::collections::HashMap;

use super::text::{self, eq_fold, fold, fold_into, is_apostrophe, Sep, Token};
use super::words::{is_particle, is_post_nominal, is_stopword, is_title};
use super::{RedactionKind, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Case {
    Any,
    /// The first character of the match is a capital.
    FirstCapital,
    /// Every token of the match starts with a capital.
    EveryCapital,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// Lowercased tokens; the first is the key the pattern is stored under.
    tokens: Vec<String>,
    /// What must stand between consecutive tokens (one fewer than `tokens`).
    seps: Vec<Sep>,
    kind: RedactionKind,
    case: Case,
    /// Matches only right after a capitalised title.
    after_title: bool,
}

impl Pattern {
    fn parse(s: &str, kind: RedactionKind, case: Case, after_title: bool) -> Option<Pattern> {
        let toks = text::tokens(s);
        if toks.is_empty() {
            return None;
        }
        Some(Pattern {
            tokens: toks.iter().map(|t| fold(&s[t.start..t.end])).collect(),
            seps: toks
                .windows(2)
                .map(|w| Sep::classify(&s[w[0].end..w[1].start]))
                .collect(),
            kind,
            case,
            after_title,
        })
    }

    /// If the pattern matches the text's tokens from `i` on, the index of the last token.
    fn match_at(&self, seg: &str, toks: &[Token], i: usize) -> Option<usize> {
        let last = i + self.tokens.len() - 1;
        if last >= toks.len() {
            return None;
        }
        for (j, want) in self.tokens.iter().enumerate() {
            let t = toks[i + j];
            let word = &seg[t.start..t.end];
            if j > 0 {
                if !eq_fold(word, want) {
                    return None;
                }
                let prev = toks[i + j - 1];
                if Sep::classify(&seg[prev.end..t.start]) != self.seps[j - 1] {
                    return None;
                }
            }
            let capital = word.chars().next().is_some_and(char::is_uppercase);
            let need_capital = match self.case {
                Case::Any => false,
                Case::FirstCapital => j == 0,
                Case::EveryCapital => true,
            };
            if need_capital && !capital {
                return None;
            }
        }
        Some(last)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    by_first: HashMap<String, Vec<Pattern>>,
}

/// Short, a particle or an ordinary word: not safe to redact on its own.
fn is_weak(part: &str) -> bool {
    let lower = fold(part);
    part.chars().filter(|c| c.is_alphabetic()).count() < 3
        || is_stopword(&lower)
        || is_particle(&lower)
        || is_title(&lower)
}

fn without_apostrophes(s: &str) -> Option<String> {
    s.contains(is_apostrophe)
        .then(|| s.chars().filter(|c| !is_apostrophe(*c)).collect())
}

fn trim_edges(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_alphanumeric())
}

impl Lexicon {
    pub(crate) fn is_empty(&self) -> bool {
        self.by_first.is_empty()
    }

    fn add(&mut self, p: Option<Pattern>) {
        let Some(p) = p else { return };
        let list = self.by_first.entry(p.tokens[0].clone()).or_default();
        if !list.contains(&p) {
            list.push(p);
        }
    }

    /// A member or action lead, as written ("Dr. Sam O'Neill-Hughes", "Okafor, Amara",
    /// "Amara Okafor RMN (she/her)").
    pub(crate) fn add_person(&mut self, name: &str) {
        let kind = RedactionKind::PersonName;
        let words = person_words(name);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if words.is_empty() {
            return;
        }
        let full = words.join(" ");
        if text::tokens(&full).len() >= 2 {
            let case = if words.iter().all(|w| is_weak(trim_edges(w))) {
                Case::EveryCapital
            } else {
                Case::Any
            };
            self.add(Pattern::parse(&full, kind, case.clone(), false));
            if let Some(bare) = without_apostrophes(&full) {
                self.add(Pattern::parse(&bare, kind, case, false));
            }
        }
        for word in &words {
            let mut parts = vec![trim_edges(word)];
            for piece in word.split(text::is_dash) {
                parts.push(trim_edges(piece));
                parts.extend(piece.split(is_apostrophe).map(trim_edges));
            }
            for part in parts {
                let letters = part.chars().filter(|c| c.is_alphabetic()).count();
                if letters < 2 || is_title(&fold(part)) {
                    // Initials and titles alone say nothing about who is meant.
                    continue;
                }
                let weak = is_weak(part);
                self.add(Pattern::parse(part, kind, Case::FirstCapital, weak));
                if let Some(bare) = without_apostrophes(part) {
                    self.add(Pattern::parse(&bare, kind, Case::FirstCapital, weak));
                }
            }
        }
    }

    /// An organisation name or a deny-listed term: whole words, any case.
    pub(crate) fn add_term(&mut self, term: &str, kind: RedactionKind) {
        self.add(Pattern::parse(term, kind, Case::Any, false));
        if let Some(bare) = without_apostrophes(term) {
            self.add(Pattern::parse(&bare, kind, Case::Any, false));
        }
    }

    /// Spans (relative to `seg`) of every name and term in `seg`, whose tokens are `toks`.
    pub(crate) fn find(&self, seg: &str, toks: &[Token], out: &mut Vec<Span>) {
        if self.is_empty() {
            return;
        }
        let mut buf = String::new();
        for i in 0..toks.len() {
            let t = toks[i];
            let Some(patterns) = self.by_first.get(fold_into(&mut buf, &seg[t.start..t.end]))
            else {
                continue;
            };
            let title = title_before(seg, toks, i);
            let mut best: Option<Span> = None;
            for p in patterns {
                let Some(last) = p.match_at(seg, toks, i) else {
                    continue;
                };
                let start = match (p.kind, title) {
                    (RedactionKind::PersonName, Some((start, capitalised))) => {
                        if p.after_title && !capitalised {
                            continue;
                        }
                        start
                    }
                    _ if p.after_title => continue,
                    _ => t.start,
                };
                let span = Span {
                    start,
                    end: toks[last].end,
                    kind: p.kind,
                };
                if best.is_none_or(|b| span.len() > b.len()) {
                    best = Some(span);
                }
            }
            out.extend(best);
        }
    }
}

/// The words of a person's name as they would be written in running text: bracketed notes
/// ("(she/her)") dropped, "Surname, Given" turned round, titles in front and post-nominals
/// behind ("RMN", "PhD") dropped. What is left is the full name; each word is also a part.
fn person_words(name: &str) -> Vec<String> {
    let mut plain = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            c if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let is_post = |w: &str| is_post_nominal(&fold(trim_edges(w)));
    let mut segments: Vec<&str> = plain
        .split(',')
        .enumerate()
        .filter(|(i, seg)| *i == 0 || !seg.split_whitespace().all(is_post))
        .map(|(_, seg)| seg)
        .collect();
    if segments.len() == 2 {
        segments.reverse();
    }
    let mut words: Vec<String> = segments
        .iter()
        .flat_map(|seg| seg.split_whitespace())
        .map(str::to_owned)
        .collect();
    let leading_titles = words
        .iter()
        .take_while(|w| is_title(&fold(trim_edges(w))))
        .count();
    words.drain(..leading_titles);
    while words.last().is_some_and(|w| is_post(w)) && words.len() > 1 {
        words.pop();
    }
    words
}

/// The start of a title right before token `i` ("Dr", "Ms.", "prof"), and whether it is
/// capitalised.
fn title_before(seg: &str, toks: &[Token], i: usize) -> Option<(usize, bool)> {
    let prev = toks.get(i.checked_sub(1)?)?;
    if Sep::classify(&seg[prev.end..toks[i].start]) != Sep::Gap {
        return None;
    }
    let word = &seg[prev.start..prev.end];
    is_title(&fold(word)).then(|| {
        (
            prev.start,
            word.chars().next().is_some_and(char::is_uppercase),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(people: &[&str], terms: &[&str]) -> Lexicon {
        let mut l = Lexicon::default();
        for p in people {
            l.add_person(p);
        }
        for t in terms {
            l.add_term(t, RedactionKind::WithheldTerm);
        }
        l
    }

    fn found(l: &Lexicon, s: &str) -> Vec<String> {
        let mut out = Vec::new();
        l.find(s, &text::tokens(s), &mut out);
        super::super::resolve(out)
            .iter()
            .map(|sp| s[sp.start..sp.end].to_owned())
            .collect()
    }

    #[test]
    fn full_names_any_case_any_whitespace() {
        let l = lexicon(&["Amara Okafor"], &[]);
        assert_eq!(found(&l, "met amara  okafor today"), ["amara  okafor"]);
        assert_eq!(found(&l, "AMARA\nOKAFOR"), ["AMARA\nOKAFOR"]);
        assert_eq!(found(&l, "Amara-Okafor"), ["Amara-Okafor"]);
    }

    #[test]
    fn single_parts_need_a_capital() {
        let l = lexicon(&["Amara Okafor"], &[]);
        assert_eq!(found(&l, "Okafor said"), ["Okafor"]);
        assert_eq!(found(&l, "OKAFOR said"), ["OKAFOR"]);
        assert!(found(&l, "okafor said").is_empty());
        assert_eq!(found(&l, "Okafor's plan"), ["Okafor"]);
        assert!(found(&l, "Okaforville").is_empty());
    }

    #[test]
    fn titles_and_hyphenated_apostrophed_names() {
        let l = lexicon(&["Dr. Sam O'Neill-Hughes"], &[]);
        assert_eq!(
            found(&l, "Dr Sam O’Neill-Hughes leads"),
            ["Dr Sam O’Neill-Hughes"]
        );
        assert_eq!(found(&l, "Prof. O'Neill agreed"), ["Prof. O'Neill"]);
        assert_eq!(found(&l, "ask Hughes"), ["Hughes"]);
        assert_eq!(found(&l, "ask Neill"), ["Neill"]);
        assert_eq!(found(&l, "ONeill-Hughes"), ["ONeill-Hughes"]);
        // Titles alone, the doctor and "Dr" itself are not names.
        assert!(found(&l, "the Dr will see you").is_empty());
    }

    #[test]
    fn weak_parts_only_after_a_title() {
        let l = lexicon(&["Sarah Black", "Will Green", "Li Wu"], &[]);
        assert!(found(&l, "Black Caribbean and White British").is_empty());
        assert!(found(&l, "We Will review the Green space").is_empty());
        assert_eq!(found(&l, "Ms Black chairs"), ["Ms Black"]);
        assert_eq!(found(&l, "Sarah chairs"), ["Sarah"]);
        assert_eq!(found(&l, "sarah black chairs"), ["sarah black"]);
        assert_eq!(found(&l, "Will Green chairs"), ["Will Green"]);
        assert!(found(&l, "we will green the yard").is_empty());
        assert_eq!(found(&l, "Dr Wu"), ["Dr Wu"]);
        assert!(found(&l, "Wu").is_empty());
        assert!(found(&l, "the doctor Will see you").is_empty());
    }

    #[test]
    fn names_as_workspaces_write_them() {
        assert_eq!(person_words("Okafor, Amara"), ["Amara", "Okafor"]);
        assert_eq!(
            person_words("Dr Amara Okafor RMN, PhD (she/her)"),
            ["Amara", "Okafor"]
        );
        assert_eq!(person_words("Prof. Dr. Li Wu"), ["Li", "Wu"]);
        assert_eq!(person_words("Ma"), ["Ma"]);
        assert!(person_words("(none)").is_empty());
        let l = lexicon(&["Okafor, Amara", "Amara Okafor (she/her)"], &[]);
        assert_eq!(found(&l, "amara okafor"), ["amara okafor"]);
        assert!(found(&l, "She said her plan").is_empty());
    }

    #[test]
    fn accents_are_optional() {
        let l = lexicon(&["Siobhán Ní Bhriain", "Zoe Łukasik"], &[]);
        assert_eq!(found(&l, "Siobhan said"), ["Siobhan"]);
        assert_eq!(found(&l, "siobhan ni bhriain"), ["siobhan ni bhriain"]);
        assert_eq!(found(&l, "Zoë Lukasik"), ["Zoë Lukasik"]);
        assert_eq!(found(&l, "Zoe\u{308}'s"), ["Zoe\u{308}"]);
    }

    #[test]
    fn terms_whole_words_any_case() {
        let l = lexicon(&[], &["Oak Ward", "St. Ann's", "A&E"]);
        assert_eq!(found(&l, "on oak  ward today"), ["oak  ward"]);
        assert!(found(&l, "Oakwood Ward").is_empty());
        assert_eq!(found(&l, "St Ann's and St Anns"), ["St Ann's", "St Anns"]);
        assert_eq!(found(&l, "a&e, A & E"), ["a&e", "A & E"]);
        assert!(found(&l, "A E").is_empty());
    }
}
