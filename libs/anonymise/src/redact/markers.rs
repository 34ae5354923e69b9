//! Markers already in a text are opaque: no detector looks inside them. That is what makes
//! redaction idempotent (a deny-listed "email" or a member called "Number" never eats into
//! `[redacted: nhs number]`) and keeps markers from nesting.

use super::RedactionKind;

const PREFIX: &str = "[redacted: ";

/// Byte ranges of every well-formed marker in `text`, in order. Markers cannot overlap: each
/// starts with the only `[` it contains.
pub(crate) fn find(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(PREFIX) {
        let rest = &text[i..];
        if let Some(kind) = RedactionKind::ALL
            .iter()
            .find(|k| rest.starts_with(k.marker_str()))
        {
            out.push((i, i + kind.marker_str().len()));
        }
    }
    out
}

/// The stretches of `text` between markers, as (start, end) byte ranges; empty stretches are left out.
pub(crate) fn gaps(text: &str, markers: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(markers.len() + 1);
    let mut from = 0;
    for &(s, e) in markers
        .iter()
        .chain(std::iter::once(&(text.len(), text.len())))
    {
        if s > from {
            out.push((from, s));
        }
        from = e;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_real_markers() {
        let t = "a [redacted: email] b [redacted: foo] [redacted: nhs number][redacted: postcode]";
        let m = find(t);
        let found: Vec<&str> = m.iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(
            found,
            [
                "[redacted: email]",
                "[redacted: nhs number]",
                "[redacted: postcode]"
            ]
        );
        let g: Vec<&str> = gaps(t, &m).iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(g, ["a ", " b [redacted: foo] "]);
    }
}
