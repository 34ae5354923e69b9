//! NHS numbers: ten digits, contiguous ("9434765919") or grouped 3-3-4 with spaces, hyphens or
//! dots ("943 476 5919", "943-476-5919"), redacted only when the modulus-11 check digit holds.
//! A ten-digit string that fails the check is just a number (one in eleven random strings
//! passes, so the check is what keeps reference numbers and the like readable).

use super::phone::{digit_run, may_start, separator_at};
use super::{RedactionKind, Span};

/// Whether `digits` (exactly ten ASCII digits) carry a valid NHS check digit: weights 10 down
/// to 2 on the first nine digits, check = 11 - (sum mod 11), 11 means 0, 10 means invalid.
pub(crate) fn check_digit_holds(digits: &[u8]) -> bool {
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    u32::from(digits[9] - b'0') == check
}

/// Whether a number may end at `j`: not followed by a digit or by decimals.
fn may_end(b: &[u8], j: usize) -> bool {
    match b.get(j) {
        None => true,
        Some(c) if c.is_ascii_digit() => false,
        Some(b'.' | b',') => !b.get(j + 1).is_some_and(u8::is_ascii_digit),
        Some(_) => true,
    }
}

/// The end of a 3-3-4 grouped number starting at `i`, and its digits.
fn grouped_at(b: &[u8], i: usize) -> Option<(usize, [u8; 10])> {
    let mut digits = [0u8; 10];
    let mut at = i;
    let mut n = 0;
    for (k, want) in [3usize, 3, 4].into_iter().enumerate() {
        if k > 0 {
            let (len, _) = separator_at(b, at);
            if len == 0 {
                return None;
            }
            at += len;
        }
        if digit_run(b, at) != want {
            return None;
        }
        digits[n..n + want].copy_from_slice(&b[at..at + want]);
        n += want;
        at += want;
    }
    Some((at, digits))
}

pub(crate) fn find(seg: &str, out: &mut Vec<Span>) {
    let b = seg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run = digit_run(b, i);
        if may_start(b, i) {
            let found = match run {
                10 => Some(i + 10).filter(|&end| check_digit_holds(&b[i..end])),
                3 => grouped_at(b, i)
                    .filter(|(_, digits)| check_digit_holds(digits))
                    .map(|(end, _)| end),
                _ => None,
            };
            if let Some(end) = found.filter(|&end| may_end(b, end)) {
                out.push(Span {
                    start: i,
                    end,
                    kind: RedactionKind::NhsNumber,
                });
                i = end;
                continue;
            }
        }
        i += run;
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
    fn check_digit() {
        assert!(check_digit_holds(b"9434765919"));
        assert!(!check_digit_holds(b"9434765918"));
        // Remainder 0 gives check 11, written 0.
        assert!(check_digit_holds(b"1000000060"));
        assert!(!check_digit_holds(b"1000000061"));
        // Check 10 is never valid.
        assert!(!check_digit_holds(b"1000000010"));
        assert!(!check_digit_holds(b"1000000011"));
        assert!(!check_digit_holds(b"943476591"));
        assert!(!check_digit_holds(b"94347659x9"));
    }

    #[test]
    fn forms() {
        for n in [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            "943.476.5919",
            "943 - 476 - 5919",
        ] {
            assert_eq!(found(&format!("NHS no. {n}.")), [n], "{n}");
        }
        assert_eq!(found("NHS9434765919x"), ["9434765919"]);
    }

    #[test]
    fn invalid_or_embedded_survive() {
        for s in [
            "9434765918",
            "943 476 5918",
            "94347659190",
            "19434765919",
            "943 476 59190",
            "1.9434765919",
            "9434765919.5",
            "9434 765 919",
        ] {
            assert!(found(s).is_empty(), "{s}");
        }
    }
}
