//! Full UK postcodes in every standard format (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA,
//! AA9A 9AA, and GIR 0AA), any case, with or without the space (up to three whitespace
//! characters). Outward codes alone ("B12") are left: too many ward, room and code numbers look
//! like them.
//!
//! The letters follow Royal Mail's rules (no Q, V or X first; no I, J or Z second; no C, I, K,
//! M, O or V in the inward code), which costs nothing on real postcodes and spares some codes.

use super::text::Token;
use super::{RedactionKind, Span};

fn letter(c: u8, banned: &[u8]) -> bool {
    c.is_ascii_alphabetic() && !banned.contains(&c.to_ascii_uppercase())
}

fn outward(s: &[u8]) -> bool {
    let first = |c: u8| letter(c, b"QVX");
    let second = |c: u8| letter(c, b"IJZ");
    let d = |c: u8| c.is_ascii_digit();
    let a = |c: u8| c.is_ascii_alphabetic();
    match *s {
        [l, n] => first(l) && d(n),
        [l, n, x] => first(l) && ((d(n) && (d(x) || a(x))) || (second(n) && d(x))),
        [l, m, n, x] => first(l) && second(m) && d(n) && (d(x) || a(x)),
        _ => false,
    }
}

fn inward(s: &[u8]) -> bool {
    let l = |c: u8| letter(c, b"CIKMOV");
    matches!(*s, [n, a, b] if n.is_ascii_digit() && l(a) && l(b))
}

fn is_postcode(outer: &[u8], inner: &[u8]) -> bool {
    (outward(outer) && inward(inner))
        || (outer.eq_ignore_ascii_case(b"GIR") && inner.eq_ignore_ascii_case(b"0AA"))
}

/// Spans of postcodes in `seg`, whose tokens are `toks`.
pub(crate) fn find(seg: &str, toks: &[Token], out: &mut Vec<Span>) {
    let b = seg.as_bytes();
    let mut k = 0;
    while k < toks.len() {
        let t = toks[k];
        let word = &b[t.start..t.end];
        let mut span = None;
        if (5..=7).contains(&word.len()) {
            let (outer, inner) = word.split_at(word.len() - 3);
            if is_postcode(outer, inner) {
                span = Some((t.start, t.end, 1));
            }
        }
        if let (true, Some(next)) = ((2..=4).contains(&word.len()), toks.get(k + 1)) {
            let gap = &seg[t.end..next.start];
            let spaced = (1..=3).contains(&gap.len()) && gap.chars().all(char::is_whitespace);
            if spaced && is_postcode(word, &b[next.start..next.end]) {
                span = Some((t.start, next.end, 2));
            }
        }
        match span {
            Some((start, end, used)) => {
                out.push(Span {
                    start,
                    end,
                    kind: RedactionKind::Postcode,
                });
                k += used;
            }
            None => k += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::tokens;
    use super::*;

    fn found(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(s, &tokens(s), &mut out);
        out.iter().map(|sp| &s[sp.start..sp.end]).collect()
    }

    #[test]
    fn all_formats() {
        for p in [
            "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB", "GIR 0AA", "m1 1ae",
            "ec1a1bb", "SW1A1AA", "Ls1  4dx", "b33\t8th",
        ] {
            assert_eq!(found(&format!("at {p}, Leeds")), [p], "{p}");
        }
    }

    #[test]
    fn not_postcodes() {
        for s in [
            "B12",
            "Q3 2026",
            "room 12B",
            "Ward 7",
            "F32.1",
            "MHA s136",
            "category H (Indian)",
            "XSW1A 1AA",
            "SW1A 1AAB",
            "QA1 1AA",
            "M1 1CA",
            "v1.2 3rd",
            "M1\n\n\n\n1AE",
        ] {
            assert!(found(s).is_empty(), "{s}: {:?}", found(s));
        }
    }
}
