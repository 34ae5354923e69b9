//! Redaction of free text. Each detector lives in its own module and reports byte spans of
//! one segment of text; this module runs them, resolves overlaps, writes the markers and
//! reports where they are.

mod email;
mod lexicon;
mod markers;
mod nhs;
mod numbers;
mod phone;
mod postcode;
mod text;
mod words;

use lexicon::Lexicon;

/// What kind of identifier was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RedactionKind {
    /// A person known to the workspace: a member or an action lead.
    PersonName,
    /// The organisation's own name, redacted when it publishes anonymously.
    OrganisationName,
    /// A term on the organisation's deny-list.
    WithheldTerm,
    Email,
    PhoneNumber,
    NhsNumber,
    Postcode,
}

impl RedactionKind {
    /// The kind in words, as reported and as written in the marker.
    pub fn as_str(self) -> &'static str {
        match self {
            RedactionKind::PersonName => "person name",
            RedactionKind::OrganisationName => "organisation name",
            RedactionKind::WithheldTerm => "withheld term",
            RedactionKind::Email => "email",
            RedactionKind::PhoneNumber => "phone number",
            RedactionKind::NhsNumber => "nhs number",
            RedactionKind::Postcode => "postcode",
        }
    }

    /// The marker that replaces the identifier, e.g. `[redacted: nhs number]`.
    pub fn marker(self) -> String {
        self.marker_str().to_owned()
    }

    /// Every kind, in the order of the enum.
    pub const ALL: [RedactionKind; 7] = [
        RedactionKind::PersonName,
        RedactionKind::OrganisationName,
        RedactionKind::WithheldTerm,
        RedactionKind::Email,
        RedactionKind::PhoneNumber,
        RedactionKind::NhsNumber,
        RedactionKind::Postcode,
    ];

    pub(crate) fn marker_str(self) -> &'static str {
        match self {
            RedactionKind::PersonName => "[redacted: person name]",
            RedactionKind::OrganisationName => "[redacted: organisation name]",
            RedactionKind::WithheldTerm => "[redacted: withheld term]",
            RedactionKind::Email => "[redacted: email]",
            RedactionKind::PhoneNumber => "[redacted: phone number]",
            RedactionKind::NhsNumber => "[redacted: nhs number]",
            RedactionKind::Postcode => "[redacted: postcode]",
        }
    }

    /// Which label wins when two equally long matches cover the same text: the most specific
    /// and most sensitive first (a valid NHS number that is also phone-shaped is labelled an
    /// NHS number).
    fn precedence(self) -> u8 {
        match self {
            RedactionKind::NhsNumber => 6,
            RedactionKind::Email => 5,
            RedactionKind::PhoneNumber => 4,
            RedactionKind::Postcode => 3,
            RedactionKind::PersonName => 2,
            RedactionKind::OrganisationName => 1,
            RedactionKind::WithheldTerm => 0,
        }
    }
}

/// A stretch of text to replace, as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: RedactionKind,
}

impl Span {
    fn len(self) -> usize {
        self.end - self.start
    }
}

/// One replaced identifier. Never carries the identifier itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub field: String,
    pub kind: RedactionKind,
    /// Character offset of the marker in the redacted text.
    pub position: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A number from 1 to 7 next to a word about people ("3 patients").
    SmallNumber,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::SmallNumber => "small_number",
        }
    }
}

/// Something the publisher must look at and acknowledge; the text is left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub field: String,
    pub kind: WarningKind,
    /// Character offset in the redacted text.
    pub position: usize,
    /// What was found and why it matters, for the publisher's eyes only.
    pub message: String,
}

/// A redacted text and what was done to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub redactions: Vec<Redaction>,
    pub warnings: Vec<Warning>,
}

/// Redactions and warnings gathered over the fields of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub redactions: Vec<Redaction>,
    pub warnings: Vec<Warning>,
}

/// Redacts free text, knowing the names of one workspace.
///
/// Build one per workspace (and per publication, when the organisation publishes anonymously)
/// and reuse it: the names and terms are compiled once into a lookup, so a text is scanned in
/// one pass whatever their number.
#[derive(Clone, Default)]
pub struct Redactor {
    person_names: Vec<String>,
    organisation_names: Vec<String>,
    withheld_terms: Vec<String>,
    lexicon: Lexicon,
}

/// Counts only: a redactor holds the very names it hides, and debug output ends up in logs.
impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("person_names", &self.person_names.len())
            .field("organisation_names", &self.organisation_names.len())
            .field("withheld_terms", &self.withheld_terms.len())
            .finish()
    }
}

impl Redactor {
    /// `person_names`: the workspace's members and action leads (full names as written).
    /// `withheld_terms`: the organisation's deny-list.
    pub fn new<P, W>(person_names: P, withheld_terms: W) -> Redactor
    where
        P: IntoIterator,
        P::Item: AsRef<str>,
        W: IntoIterator,
        W::Item: AsRef<str>,
    {
        Redactor {
            person_names: person_names
                .into_iter()
                .map(|s| s.as_ref().to_owned())
                .collect(),
            organisation_names: Vec::new(),
            withheld_terms: withheld_terms
                .into_iter()
                .map(|s| s.as_ref().to_owned())
                .collect(),
            lexicon: Lexicon::default(),
        }
        .compiled()
    }

    /// Also redacts these organisation names (for an anonymous publication). Replaces any
    /// organisation names given before.
    pub fn with_organisation_names<O>(mut self, names: O) -> Redactor
    where
        O: IntoIterator,
        O::Item: AsRef<str>,
    {
        self.organisation_names = names.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.compiled()
    }

    fn compiled(mut self) -> Redactor {
        let mut lexicon = Lexicon::default();
        for name in &self.person_names {
            lexicon.add_person(name);
        }
        for name in &self.organisation_names {
            lexicon.add_term(name, RedactionKind::OrganisationName);
        }
        for term in &self.withheld_terms {
            lexicon.add_term(term, RedactionKind::WithheldTerm);
        }
        self.lexicon = lexicon;
        self
    }

    /// Redacts one field's text.
    ///
    /// Markers already in the text (`[redacted: email]`…) are left as they are and not
    /// reported, which makes redaction idempotent. Detection runs again over its own output
    /// until nothing new is found: replacing one identifier can expose another that was glued
    /// to it (a postcode written right against a phone number), and a second pass costs little.
    pub fn redact(&self, field: &str, text: &str) -> Redacted {
        let mut out = text.to_owned();
        // Byte offsets in `out` of the markers this call wrote, in order.
        let mut ours: Vec<(usize, RedactionKind)> = Vec::new();
        let protected = loop {
            let protected = markers::find(&out);
            let spans = resolve(self.detect(&out, &protected));
            if spans.is_empty() {
                break protected;
            }
            let mut next = String::with_capacity(out.len() + spans.len() * 16);
            let mut written = Vec::with_capacity(ours.len() + spans.len());
            let mut old = ours.iter().copied().peekable();
            let mut copied = 0;
            for span in &spans {
                // Earlier markers sit in protected text, between spans: they move with the
                // text copied before them.
                while let Some((at, kind)) = old.next_if(|&(at, _)| at < span.start) {
                    written.push((next.len() + (at - copied), kind));
                }
                next.push_str(&out[copied..span.start]);
                written.push((next.len(), span.kind));
                next.push_str(span.kind.marker_str());
                copied = span.end;
            }
            written.extend(old.map(|(at, kind)| (next.len() + (at - copied), kind)));
            next.push_str(&out[copied..]);
            out = next;
            ours = written;
        };

        let mut found = Vec::new();
        for (start, end) in markers::gaps(&out, &protected) {
            let seg = &out[start..end];
            let mut here = Vec::new();
            numbers::find(seg, &text::tokens(seg), &mut here);
            found.extend(here.into_iter().map(|f| numbers::Found {
                start: f.start + start,
                ..f
            }));
        }

        let at = char_offsets(
            &out,
            ours.iter()
                .map(|&(at, _)| at)
                .chain(found.iter().map(|f| f.start)),
        );
        let (marker_at, warning_at) = at.split_at(ours.len());
        Redacted {
            redactions: ours
                .iter()
                .zip(marker_at)
                .map(|(&(_, kind), &position)| Redaction {
                    field: field.to_owned(),
                    kind,
                    position,
                })
                .collect(),
            warnings: found
                .into_iter()
                .zip(warning_at)
                .map(|(f, &position)| Warning {
                    field: field.to_owned(),
                    kind: WarningKind::SmallNumber,
                    position,
                    message: format!(
                        "\"{}\": a count of {} next to people; counts from 1 to 7 can identify \
                         someone, so consider \"fewer than 8\" or leave the number out",
                        f.phrase, f.count
                    ),
                })
                .collect(),
            text: out,
        }
    }

    /// Redacts one field's text and adds what was found to `report`.
    pub fn clean(&self, report: &mut Report, field: &str, text: &str) -> String {
        let r = self.redact(field, text);
        report.redactions.extend(r.redactions);
        report.warnings.extend(r.warnings);
        r.text
    }

    /// Every identifier in `text` outside the `protected` ranges, as byte spans of `text`.
    fn detect(&self, text: &str, protected: &[(usize, usize)]) -> Vec<Span> {
        let mut spans = Vec::new();
        for (start, end) in markers::gaps(text, protected) {
            let seg = &text[start..end];
            let from = spans.len();
            let toks = text::tokens(seg);
            self.lexicon.find(seg, &toks, &mut spans);
            postcode::find(seg, &toks, &mut spans);
            email::find(seg, &mut spans);
            phone::find(seg, &mut spans);
            nhs::find(seg, &mut spans);
            for span in &mut spans[from..] {
                span.start += start;
                span.end += start;
            }
        }
        spans
    }
}

/// Whether `digits` is a valid NHS number: ten digits, spaces and hyphens ignored, whose
/// modulus-11 check digit holds.
pub fn is_valid_nhs_number(digits: &str) -> bool {
    let bare: Vec<u8> = digits
        .bytes()
        .filter(|c| !matches!(c, b' ' | b'-'))
        .collect();
    nhs::check_digit_holds(&bare)
}

/// Sorts spans and merges every overlapping group into one, so no identifier is left half
/// visible and markers never nest. A merged span takes the kind of its longest part (ties go
/// to [`RedactionKind::precedence`]): an email containing a member's name is an email.
fn resolve(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    // The longest part of the span being built, for its label.
    let mut longest: Option<Span> = None;
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start < last.end => {
                last.end = last.end.max(span.end);
                let best = longest.get_or_insert(span);
                if (span.len(), span.kind.precedence()) > (best.len(), best.kind.precedence()) {
                    *best = span;
                }
                last.kind = best.kind;
            }
            _ => {
                out.push(span);
                longest = Some(span);
            }
        }
    }
    out
}

/// Character offsets of the given byte offsets (each on a character boundary) of `text`.
fn char_offsets(text: &str, bytes: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut wanted: Vec<(usize, usize)> = bytes.enumerate().map(|(i, b)| (b, i)).collect();
    wanted.sort_unstable();
    let mut out = vec![0; wanted.len()];
    let mut chars = 0;
    let mut upto = 0;
    for (b, i) in wanted {
        chars += text[upto..b].chars().count();
        upto = b;
        out[i] = chars;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(
            ["Amara Okafor", "Dr. Sam O'Neill-Hughes", "Sarah Black"],
            ["Oak Ward", "email"],
        )
        .with_organisation_names(["Northshire Partnership NHS Foundation Trust", "NPFT"])
    }

    fn kinds(r: &Redacted) -> Vec<RedactionKind> {
        r.redactions.iter().map(|r| r.kind).collect()
    }

    #[test]
    fn shared_accounts_do_not_hide_the_words_they_are_named_after() {
        let r = Redactor::new(["pcref admin", "Crisis Team"], Vec::<String>::new());
        // A name made only of such words counts when capitalised, as a name is written.
        let text = "The PCREF steering group and the crisis team met; PCREF Admin and Crisis Team signed off.";
        assert_eq!(
            r.redact("f", text).text,
            "The PCREF steering group and the crisis team met; [redacted: person name] and \
             [redacted: person name] signed off."
        );
    }

    #[test]
    fn every_kind_with_positions() {
        use RedactionKind::*;
        let text = "Amara Okafor (amara@npft.nhs.uk, 07700 900123) saw NHS 943 476 5919 \
                    from LS1 4DX on Oak Ward at NPFT.";
        let r = redactor().redact("progress", text);
        assert_eq!(
            r.text,
            "[redacted: person name] ([redacted: email], [redacted: phone number]) saw NHS \
             [redacted: nhs number] from [redacted: postcode] on [redacted: withheld term] at \
             [redacted: organisation name]."
        );
        assert_eq!(
            kinds(&r),
            [
                PersonName,
                Email,
                PhoneNumber,
                NhsNumber,
                Postcode,
                WithheldTerm,
                OrganisationName
            ]
        );
        for red in &r.redactions {
            assert_eq!(red.field, "progress");
            let at: String = r.text.chars().skip(red.position).collect();
            assert!(at.starts_with(&red.kind.marker()), "{red:?}");
        }
        assert_eq!(r.redactions[0].position, 0);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let r = redactor().redact("f", "Zoë’s café: Okafor");
        assert_eq!(r.redactions[0].position, 12);
    }

    #[test]
    fn overlapping_matches_become_one_marker() {
        let r = redactor().redact("f", "write to Amara.Okafor@npft.nhs.uk today");
        assert_eq!(r.text, "write to [redacted: email] today");
        assert_eq!(kinds(&r), [RedactionKind::Email]);
    }

    #[test]
    fn valid_nhs_number_that_is_also_phone_shaped_is_an_nhs_number() {
        assert!(is_valid_nhs_number("0116496010"));
        let r = redactor().redact("f", "ref 0116496010");
        assert_eq!(kinds(&r), [RedactionKind::NhsNumber]);
        let r = redactor().redact("f", "ref 0116 496 010");
        assert_eq!(kinds(&r), [RedactionKind::PhoneNumber]);
        // An 11-digit number is never an NHS number.
        let r = redactor().redact("f", "ref 01164960101");
        assert_eq!(kinds(&r), [RedactionKind::PhoneNumber]);
    }

    #[test]
    fn glued_identifiers_all_go() {
        let r = redactor().redact("f", "LS1 4DX07700 900123 and Okafor9434765919");
        assert_eq!(
            r.text,
            "[redacted: postcode][redacted: phone number] and \
             [redacted: person name][redacted: nhs number]"
        );
        let positions: Vec<usize> = r.redactions.iter().map(|r| r.position).collect();
        assert_eq!(positions, [0, 20, 49, 72]);
    }

    #[test]
    fn existing_markers_are_left_alone_and_not_reported() {
        let once = redactor().redact("f", "email Okafor at [redacted: email] please");
        assert_eq!(
            once.text,
            "[redacted: withheld term] [redacted: person name] at [redacted: email] please"
        );
        assert_eq!(once.redactions.len(), 2);
        let twice = redactor().redact("f", &once.text);
        assert_eq!(twice.text, once.text);
        assert!(twice.redactions.is_empty());
    }

    #[test]
    fn ethnic_categories_survive_a_member_called_black() {
        let text = "White British, Black Caribbean and any other Black background; Ms Black";
        let r = redactor().redact("f", text);
        assert_eq!(
            r.text,
            "White British, Black Caribbean and any other Black background; \
             [redacted: person name]"
        );
    }

    #[test]
    fn small_numbers_warn_without_changing_the_text() {
        let text = "Okafor reviewed 3 Black Caribbean patients and five young service users.";
        let r = redactor().redact("f", text);
        assert!(r.text.starts_with("[redacted: person name] reviewed 3"));
        let w: Vec<(usize, &str)> = r
            .warnings
            .iter()
            .map(|w| (w.position, w.message.as_str()))
            .collect();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].0, 33);
        assert!(w[0].1.starts_with("\"3 Black Caribbean patients\""));
        assert_eq!(w[1].0, 64);
        assert!(w[1].1.contains("five young service users"));
        assert!(r
            .warnings
            .iter()
            .all(|w| w.kind == WarningKind::SmallNumber));
    }

    #[test]
    fn clean_gathers_a_report() {
        let mut report = Report::default();
        let a = redactor().clean(&mut report, "title", "Okafor's plan");
        let b = redactor().clean(&mut report, "body", "2 patients, call 0800 123 4567");
        assert_eq!(a, "[redacted: person name]'s plan");
        assert_eq!(b, "2 patients, call [redacted: phone number]");
        let fields: Vec<&str> = report.redactions.iter().map(|r| r.field.as_str()).collect();
        assert_eq!(fields, ["title", "body"]);
        assert_eq!(report.warnings.len(), 1);
        assert_eq!(report.warnings[0].field, "body");
    }

    #[test]
    fn empty_redactor_still_finds_patterns() {
        let r = Redactor::default().redact("f", "a@b.co 9434765919");
        assert_eq!(r.text, "[redacted: email] [redacted: nhs number]");
    }

    #[test]
    fn organisation_names_are_replaced_not_added() {
        let r = redactor().with_organisation_names(["Other Trust"]);
        assert_eq!(r.redact("f", "NPFT").text, "NPFT");
        assert_eq!(
            r.redact("f", "other trust").text,
            "[redacted: organisation name]"
        );
    }

    #[test]
    fn markers_words_are_safe_from_the_deny_list() {
        let r = Redactor::new(["Nhs Number"], ["redacted", "phone", "person name"]);
        let out = r.redact("f", "phone 07700 900123, person name");
        assert_eq!(
            out.text,
            "[redacted: withheld term] [redacted: phone number], [redacted: withheld term]"
        );
        assert_eq!(r.redact("f", &out.text).text, out.text);
    }

    #[test]
    fn debug_output_does_not_list_the_names() {
        let shown = format!("{:?}", redactor());
        assert_eq!(
            shown,
            "Redactor { person_names: 3, organisation_names: 2, withheld_terms: 2 }"
        );
    }

    #[test]
    fn a_redactor_can_be_shared_between_threads() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<Redactor>();
        shared::<Report>();
    }

    #[test]
    fn markers_are_all_distinct_and_match_as_str() {
        for k in RedactionKind::ALL {
            assert_eq!(k.marker(), format!("[redacted: {}]", k.as_str()));
        }
    }
}
