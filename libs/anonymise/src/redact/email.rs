//! Email addresses: a local part, an `@`, and a domain with at least one dot.
//!
//! Deliberately looser than RFC 5322 (any letters, not only ASCII; apostrophes in the local part
//! as in "o'neill@…"): a leak is worse than a redacted oddity. Scanning starts from each `@` and
//! neither side can cross another `@`, so the work is linear in the text.

use super::{RedactionKind, Span};

fn is_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'' | '\u{2019}')
}

fn is_domain(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

pub(crate) fn find(seg: &str, out: &mut Vec<Span>) {
    for (at, _) in seg.match_indices('@') {
        let mut start = at;
        for (i, c) in seg[..at].char_indices().rev() {
            if !is_local(c) {
                break;
            }
            start = i;
        }
        // A local part does not start with punctuation: "(a@b.com" or "'a@b.com'".
        while let Some(c) = seg[start..at].chars().next() {
            if c.is_alphanumeric() || c == '_' {
                break;
            }
            start += c.len_utf8();
        }
        let mut end = at + 1;
        for (i, c) in seg[at + 1..].char_indices() {
            if !is_domain(c) {
                break;
            }
            end = at + 1 + i + c.len_utf8();
        }
        // A full stop or a dash after the address is not part of it.
        let domain = seg[at + 1..end].trim_end_matches(['.', '-']);
        end = at + 1 + domain.len();
        let labels: Vec<&str> = domain.split('.').collect();
        let well_formed = start < at
            && labels.len() >= 2
            && labels.iter().all(|l| !l.is_empty())
            && labels
                .last()
                .is_some_and(|tld| tld.chars().filter(|c| c.is_alphanumeric()).count() >= 2);
        if well_formed {
            out.push(Span {
                start,
                end,
                kind: RedactionKind::Email,
            });
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
    fn addresses() {
        assert_eq!(
            found("mail amara.okafor@nhs.net."),
            ["amara.okafor@nhs.net"]
        );
        assert_eq!(
            found("(sam.o'neill-hughes@trust.nhs.uk)"),
            ["sam.o'neill-hughes@trust.nhs.uk"]
        );
        assert_eq!(
            found("a+b@x.co.uk, c_d@y.org"),
            ["a+b@x.co.uk", "c_d@y.org"]
        );
        assert_eq!(found("ZOË@EXAMPLE.COM"), ["ZOË@EXAMPLE.COM"]);
        assert_eq!(found("<jo@ex.org>"), ["jo@ex.org"]);
    }

    #[test]
    fn not_addresses() {
        assert!(found("@PCREF_Hub").is_empty());
        assert!(found("meet @ 10").is_empty());
        assert!(found("jo@localhost").is_empty());
        assert!(found("jo@x..").is_empty());
        assert!(found("a@@b.com").is_empty());
        assert!(found("@@@").is_empty());
    }
}
