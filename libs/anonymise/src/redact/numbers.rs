//! Small numbers next to people: "3 patients", "five young service users", "2 Black Caribbean
//! men". Counts from 1 to 7 about people can identify them, so the publisher is warned; the
//! text itself is left alone (a count of events or a quoted target may be fine to publish).
//!
//! A number warns when it is a whole word (digits 1–7, or one to seven), is followed by a word
//! about people directly or after one or two describing words, and is not:
//! - part of a date, time, amount, percentage, decimal, fraction or code ("12/3", "09:30", "£5",
//!   "5%", "3.5", "Q3", "s136", "one-to-one");
//! - a label ("Ward 7 patients", "Band 5 staff", "section 2 detentions", "Year 7 pupils");
//! - part of a range with a number over 7 ("5-10 patients") or a rate ("1 in 5 patients").

use super::text::{fold_into, Token};

const NUMBER_WORDS: &[&str] = &["one", "two", "three", "four", "five", "six", "seven"];

/// Words about people, or about events that happen to people (a count of 3 detentions is a
/// count of people detained).
const PEOPLE: &[&str] = &[
    "admission",
    "admissions",
    "adult",
    "adults",
    "boy",
    "boys",
    "carer",
    "carers",
    "case",
    "cases",
    "child",
    "children",
    "client",
    "clients",
    "colleague",
    "colleagues",
    "complaint",
    "complaints",
    "death",
    "deaths",
    "detainee",
    "detainees",
    "detention",
    "detentions",
    "discharge",
    "discharges",
    "doctor",
    "doctors",
    "employee",
    "employees",
    "families",
    "family",
    "girl",
    "girls",
    "household",
    "households",
    "incident",
    "incidents",
    "individual",
    "individuals",
    "inpatient",
    "inpatients",
    "man",
    "member",
    "members",
    "men",
    "nurse",
    "nurses",
    "outpatient",
    "outpatients",
    "parent",
    "parents",
    "patient",
    "patients",
    "people",
    "person",
    "persons",
    "pupil",
    "pupils",
    "readmission",
    "readmissions",
    "referral",
    "referrals",
    "resident",
    "residents",
    "restraint",
    "restraints",
    "seclusion",
    "seclusions",
    "staff",
    "student",
    "students",
    "suicide",
    "suicides",
    "user",
    "users",
    "victim",
    "victims",
    "woman",
    "women",
    "worker",
    "workers",
];

/// Words before a number that make it a label, not a count.
const LABELS: &[&str] = &[
    "action",
    "age",
    "aged",
    "ages",
    "appendix",
    "area",
    "band",
    "bay",
    "bed",
    "block",
    "chapter",
    "clause",
    "floor",
    "goal",
    "grade",
    "group",
    "item",
    "level",
    "line",
    "no",
    "number",
    "objective",
    "option",
    "p",
    "page",
    "para",
    "paragraph",
    "part",
    "phase",
    "pillar",
    "priority",
    "q",
    "quarter",
    "question",
    "reg",
    "regulation",
    "room",
    "round",
    "rule",
    "s",
    "schedule",
    "section",
    "sprint",
    "stage",
    "standard",
    "step",
    "table",
    "team",
    "tier",
    "unit",
    "v",
    "version",
    "ward",
    "wave",
    "week",
    "year",
];

/// Words that cannot stand between a number and the people it counts: units of time and
/// place, verbs, and prepositions that start another phrase ("7 days a week for patients").
const BREAKS: &[&str] = &[
    // months: "on 3 March patients were moved"
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "a",
    "am",
    "an",
    "and",
    "are",
    "as",
    "at",
    "bays",
    "be",
    "beds",
    "but",
    "by",
    "days",
    "each",
    "for",
    "from",
    "had",
    "has",
    "have",
    "hours",
    "in",
    "into",
    "is",
    "minutes",
    "months",
    "more",
    "occasions",
    "or",
    "per",
    "sessions",
    "sites",
    "teams",
    "than",
    "times",
    "to",
    "units",
    "was",
    "wards",
    "weeks",
    "were",
    "when",
    "which",
    "who",
    "will",
    "with",
    "years",
];

fn value(word: &str, buf: &mut String) -> Option<u8> {
    match word.as_bytes() {
        [d @ b'1'..=b'7'] => Some(d - b'0'),
        _ => {
            let lower = fold_into(buf, word);
            NUMBER_WORDS
                .iter()
                .position(|w| *w == lower)
                .and_then(|i| u8::try_from(i + 1).ok())
        }
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}')
}

/// Whether the gap between two words is whitespace or a single hyphen ("in-patients").
fn joins(gap: &str) -> bool {
    !gap.is_empty() && (gap.chars().all(char::is_whitespace) || gap == "-")
}

/// One warning: where the number starts, the phrase and the count.
pub(crate) struct Found {
    pub start: usize,
    pub phrase: String,
    pub count: u8,
}

/// Small numbers next to people in `seg`, whose tokens are `toks`.
pub(crate) fn find(seg: &str, toks: &[Token], out: &mut Vec<Found>) {
    let mut buf = String::new();
    let word = |k: usize| &seg[toks[k].start..toks[k].end];
    let gap = |k: usize| &seg[toks[k - 1].end..toks[k].start];
    for k in 0..toks.len() {
        let t = toks[k];
        let Some(count) = value(word(k), &mut buf) else {
            continue;
        };
        let digits = word(k).as_bytes()[0].is_ascii_digit();
        let before = seg[..t.start].chars().next_back();
        let after = seg[t.end..].chars().next();
        let after2 = seg[t.end..].chars().nth(1);
        // The first token of the count: the number, or the start of its range.
        let mut first = k;

        // Glued to money, codes, dates, times, decimals and fractions.
        if before.is_some_and(|c| "£$€#/\\.:,+=*^@&_%~".contains(c))
            || after.is_some_and(|c| "%/\\:".contains(c))
            || (matches!(after, Some('.' | ',')) && after2.is_some_and(|c| c.is_ascii_digit()))
        {
            continue;
        }
        // Ranges: "2-3 patients" warns once, on the whole range; "5-10 patients" does not.
        if after.is_some_and(is_dash) {
            continue;
        }
        if before.is_some_and(is_dash) {
            let small_range = digits
                && k > 0
                && gap(k).chars().count() == 1
                && word(k - 1).len() == 1
                && value(word(k - 1), &mut buf).is_some();
            if !small_range {
                continue;
            }
            first = k - 1;
        }
        // Labels ("Ward 7 patients") and rates ("1 in 5 patients").
        if let Some(p) = first.checked_sub(1) {
            let prev_word = fold_into(&mut buf, word(p)).to_owned();
            if LABELS.contains(&prev_word.as_str()) {
                continue;
            }
            let rate = (prev_word == "in" || prev_word == "of")
                && p > 0
                && word(p - 1).bytes().all(|c| c.is_ascii_digit());
            if rate {
                continue;
            }
        }
        let start = toks[first].start;
        // Up to two describing words, then a word about people.
        for j in k + 1..toks.len().min(k + 4) {
            if !joins(gap(j)) {
                break;
            }
            let w = fold_into(&mut buf, word(j));
            if PEOPLE.contains(&w) {
                out.push(Found {
                    start,
                    phrase: seg[start..toks[j].end].to_owned(),
                    count,
                });
                break;
            }
            let hyphenated = j + 1 < toks.len() && gap(j + 1) == "-";
            let describing =
                w.chars().all(char::is_alphabetic) && (!BREAKS.contains(&w) || hyphenated);
            if j == k + 3 || !describing {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::tokens;
    use super::*;

    fn found(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        find(s, &tokens(s), &mut out);
        out.into_iter().map(|f| f.phrase).collect()
    }

    #[test]
    fn warns() {
        for (s, phrase) in [
            ("we admitted 3 patients", "3 patients"),
            (
                "3 Black Caribbean patients were detained",
                "3 Black Caribbean patients",
            ),
            ("five young service users", "five young service users"),
            ("Seven women", "Seven women"),
            ("1 patient", "1 patient"),
            ("only 2 staff", "2 staff"),
            ("4 in-patients", "4 in-patients"),
            ("2–3 detentions", "2–3 detentions"),
            ("3 of our carers", "3 of our carers"),
            ("(6 referrals)", "6 referrals"),
        ] {
            assert_eq!(found(s), [phrase], "{s}");
        }
    }

    #[test]
    fn stays_quiet() {
        for s in [
            "3 March 2026 patients",
            "12/3 patients",
            "£5 per patient",
            "5% of patients",
            "3.5 patients",
            "Q3 patients",
            "Ward 7 patients",
            "Band 5 staff",
            "section 2 detentions",
            "5-10 patients",
            "1 in 5 patients",
            "7 days a week for patients",
            "one-to-one support for patients",
            "8 patients",
            "0 patients",
            "09:30 patients",
            "12 patients",
            "3. Patients",
            "3 wards, patients",
            "on 3 March patients were moved",
        ] {
            assert!(found(s).is_empty(), "{s}: {:?}", found(s));
        }
    }
}
