//! UK phone numbers (and, because a leak is worse than a stray marker, any international number
//! written with a `+` or `00` prefix).
//!
//! A number is a run of digit groups separated by a space, a hyphen or a dot (up to three
//! characters, at most one hyphen or dot), where a group may sit in brackets: `(0115)`, or the
//! trunk zero `(0)` after +44. Accepted:
//! - national: a leading 0 and 10 or 11 digits in all ("020 7946 0123", "01632 960123",
//!   "07700-900-123", "(0115) 496 0000", "0800 123 4567"), the first group at least 3 digits
//!   long (so "01-03-2026 10:30" is a date, not a phone);
//! - +44 / 0044: 9 or 10 national digits after the country code, with or without "(0)";
//! - other countries: + or 00 and 8 to 15 digits.
//!
//! Groups other than the first are at least 2 digits long, and a number written with dots uses
//! only dots. The longest run of groups that forms a number wins, so "01632 960123 45" leaves
//! the 45. Digits glued to a digit, or after a decimal point, never start a number.

use super::{RedactionKind, Span};

#[derive(Clone, Copy)]
struct Group {
    /// Byte range of the group's digits, brackets excluded.
    start: usize,
    digits_end: usize,
    /// Where the group ends, closing bracket included.
    end: usize,
    bracketed: bool,
}

/// Whether a number may start at `i`: not glued to digits, not the decimals of "3.0123…".
pub(crate) fn may_start(b: &[u8], i: usize) -> bool {
    match i {
        0 => true,
        1 => !b[0].is_ascii_digit(),
        _ => {
            let p = b[i - 1];
            let decimals = matches!(p, b'.' | b',') && b[i - 2].is_ascii_digit();
            !(p.is_ascii_digit() || decimals)
        }
    }
}

pub(crate) fn digit_run(b: &[u8], i: usize) -> usize {
    b[i..].iter().take_while(|c| c.is_ascii_digit()).count()
}

/// A group at `i`: a digit run, or 1 to 5 digits in brackets.
fn group_at(b: &[u8], i: usize) -> Option<Group> {
    match b.get(i)? {
        c if c.is_ascii_digit() => {
            let n = digit_run(b, i);
            Some(Group {
                start: i,
                digits_end: i + n,
                end: i + n,
                bracketed: false,
            })
        }
        b'(' => {
            let n = digit_run(b, i + 1);
            (1..=5).contains(&n).then_some(())?;
            (b.get(i + 1 + n) == Some(&b')')).then_some(())?;
            Some(Group {
                start: i + 1,
                digits_end: i + 1 + n,
                end: i + 2 + n,
                bracketed: true,
            })
        }
        _ => None,
    }
}

/// A separator at `i`: its length and whether it has a dot. At most 3 characters of spaces,
/// tabs, hyphens and dots, at most one of them a hyphen or a dot.
pub(crate) fn separator_at(b: &[u8], i: usize) -> (usize, bool) {
    let mut len = 0;
    let mut marks = 0;
    let mut dot = false;
    while let Some(&c) = b.get(i + len) {
        match c {
            b' ' | b'\t' => {}
            b'-' | b'.' => {
                marks += 1;
                dot |= c == b'.';
            }
            _ => break,
        }
        len += 1;
        if len > 3 || marks > 1 {
            return (0, false);
        }
    }
    (len, dot)
}

pub(crate) fn find(seg: &str, out: &mut Vec<Span>) {
    let b = seg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let opens = match c {
            b'0' => true,
            b'+' => b.get(i + 1).is_some_and(u8::is_ascii_digit),
            b'(' => b.get(i + 1) == Some(&b'0'),
            _ => false,
        };
        if opens && may_start(b, i) {
            if let Some(end) = number_at(b, i) {
                out.push(Span {
                    start: i,
                    end,
                    kind: RedactionKind::PhoneNumber,
                });
                i = end;
                continue;
            }
        }
        // Never start inside a run of digits.
        i += digit_run(b, i).max(1);
    }
}

/// The end of the phone number starting at `i`, if one does.
fn number_at(b: &[u8], i: usize) -> Option<usize> {
    let plus = b[i] == b'+';
    let mut groups: Vec<Group> = Vec::with_capacity(6);
    // Whether each separator (between group k and k+1) has a dot.
    let mut dots: Vec<bool> = Vec::with_capacity(6);
    let mut at = if plus { i + 1 } else { i };
    let mut digits = 0;
    loop {
        let g = group_at(b, at)?;
        digits += g.digits_end - g.start;
        groups.push(g);
        if digits > 17 || groups.len() > 7 {
            break;
        }
        let (len, dot) = separator_at(b, g.end);
        let next = g.end + len;
        // Groups are separated, except around brackets: "(0115)4960000", "+44(0)20…".
        let continues = match b.get(next) {
            Some(c) if c.is_ascii_digit() => len > 0 || g.bracketed,
            Some(b'(') => true,
            _ => false,
        };
        if !continues || group_at(b, next).is_none() {
            break;
        }
        dots.push(dot);
        at = next;
    }
    (1..=groups.len())
        .rev()
        .find(|&k| is_number(b, plus, &groups[..k], &dots[..k - 1]))
        .map(|k| groups[k - 1].end)
}

fn is_number(b: &[u8], plus: bool, groups: &[Group], dots: &[bool]) -> bool {
    // A number written with dots uses only dots.
    if dots.iter().any(|&d| d) && !dots.iter().all(|&d| d) {
        return false;
    }
    let len = |g: &Group| g.digits_end - g.start;
    let all: Vec<u8> = groups
        .iter()
        .flat_map(|g| b[g.start..g.digits_end].iter().copied())
        .collect();
    let international = if plus {
        Some(&all[..])
    } else {
        all.strip_prefix(b"00")
    };
    // Groups after the first have at least 2 digits, except the trunk "(0)" and, abroad, a
    // one-digit area code right after the country code ("+353 1 234 5678").
    let short_ok = |k: usize, g: &Group| {
        (g.bracketed && &b[g.start..g.digits_end] == b"0") || (k == 1 && international.is_some())
    };
    if groups
        .iter()
        .enumerate()
        .skip(1)
        .any(|(k, g)| len(g) < 2 && !short_ok(k, g))
    {
        return false;
    }
    match international {
        Some(rest) => match rest.strip_prefix(b"44") {
            Some(national) => {
                let national = national.strip_prefix(b"0").unwrap_or(national);
                (9..=10).contains(&national.len()) && national.first() != Some(&b'0')
            }
            None => (8..=15).contains(&rest.len()) && rest.first() != Some(&b'0'),
        },
        None => {
            all.first() == Some(&b'0')
                && (10..=11).contains(&all.len())
                && (groups.len() == 1 || len(&groups[0]) >= 3)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(s, &mut out);
        out.iter().map(|sp| &s[sp.start..sp.end]).collect()
    }

    #[test]
    fn uk_forms() {
        for n in [
            "01632 960123",
            "0116 496 0123",
            "020 7946 0123",
            "(0115) 496 0000",
            "(0115)4960000",
            "07700 900123",
            "07700-900-123",
            "07700 - 900 - 123",
            "07700.900.123",
            "+44 7700 900123",
            "+44 (0)115 496 0000",
            "+44(0)1154960000",
            "+447700900123",
            "0044 20 7946 0123",
            "0800 123 4567",
            "01632960123",
            "0163296012",
        ] {
            assert_eq!(found(&format!("call {n}, thanks")), [n], "{n}");
        }
    }

    #[test]
    fn other_countries() {
        assert_eq!(found("+353 1 234 5678"), ["+353 1 234 5678"]);
        assert_eq!(found("00353 85 123 4567"), ["00353 85 123 4567"]);
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(found("01632 960123 45 patients"), ["01632 960123"]);
        assert_eq!(found("+44 7700 900123 5 people"), ["+44 7700 900123"]);
    }

    #[test]
    fn not_phones() {
        for s in [
            "01/03/2026",
            "01-03-2026 10:30",
            "01.03.2026 10",
            "09:30",
            "2026-03-12",
            "v0.1.2",
            "3.0116496012",
            "£0.50",
            "10116 496 0123",
            "0116 496",
            "943 476 5919",
            "0 1 2 3 4 5 6 7 8 9",
            "01632 960123 and 0",
        ] {
            let f = found(s);
            assert!(f.is_empty() || s == "01632 960123 and 0", "{s}: {f:?}");
        }
        assert_eq!(found("01632 960123 and 0"), ["01632 960123"]);
    }
}
