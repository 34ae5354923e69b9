//! A generated corpus of action-plan texts as a PCREF lead at an NHS mental-health trust would
//! write them (priority statements, actions, progress narratives), with identifiers planted in
//! many forms and with text that must come through untouched.
//!
//! Deterministic: a small PRNG with a fixed seed. The run prints its figures; it fails if any
//! planted identifier survives (searched for in the output, normalised for case, whitespace,
//! dashes, dots and brackets as fits its kind) or if anything else was redacted (a must-survive
//! item changed, or more markers than planted identifiers).

use std::time::Instant;

use pcref_anonymise::{is_valid_nhs_number, Redactor};

/// SplitMix64: enough randomness for test data, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// A member: full name as the workspace holds it, and which parts are weak (short, or an
/// ordinary word such as Black or Will), so are redacted alone only after a title.
struct Member {
    full: &'static str,
    first: &'static str,
    last: &'static str,
    first_weak: bool,
    last_weak: bool,
}

const MEMBERS: &[Member] = &[
    Member {
        full: "Amara Okafor",
        first: "Amara",
        last: "Okafor",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Dr. Sam O'Neill-Hughes",
        first: "Sam",
        last: "O'Neill-Hughes",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Sarah Black",
        first: "Sarah",
        last: "Black",
        first_weak: false,
        last_weak: true,
    },
    Member {
        full: "Will Green",
        first: "Will",
        last: "Green",
        first_weak: true,
        last_weak: true,
    },
    Member {
        full: "Priya Raghunathan",
        first: "Priya",
        last: "Raghunathan",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Tomasz Kowalczyk",
        first: "Tomasz",
        last: "Kowalczyk",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Grace White",
        first: "Grace",
        last: "White",
        first_weak: true,
        last_weak: true,
    },
    Member {
        full: "Mohammed Al-Rashid",
        first: "Mohammed",
        last: "Al-Rashid",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Chloe Brown",
        first: "Chloe",
        last: "Brown",
        first_weak: false,
        last_weak: true,
    },
    Member {
        full: "Kwame Mensah",
        first: "Kwame",
        last: "Mensah",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Siobhán McCarthy",
        first: "Siobhán",
        last: "McCarthy",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Li Wu",
        first: "Li",
        last: "Wu",
        first_weak: true,
        last_weak: true,
    },
    Member {
        full: "Rose Hall",
        first: "Rose",
        last: "Hall",
        first_weak: true,
        last_weak: true,
    },
    Member {
        full: "Femi Adeyemi-Jones",
        first: "Femi",
        last: "Adeyemi-Jones",
        first_weak: false,
        last_weak: false,
    },
    Member {
        full: "Mark Ward",
        first: "Mark",
        last: "Ward",
        first_weak: true,
        last_weak: true,
    },
];

const WITHHELD: &[&str] = &[
    "Oakwood Unit",
    "Cedar House",
    "Project Lighthouse",
    "St. Ann's Hospital",
    "Riverside CMHT",
];

const ORGANISATION: &[&str] = &["Northshire Partnership NHS Foundation Trust", "NPFT"];

const TITLES: &[&str] = &["Dr", "Dr.", "Ms", "Mr", "Mrs", "Prof"];

#[derive(Debug)]
struct Secret {
    what: &'static str,
    surface: String,
    /// Strings that must not be found in the output (after `Norm` is applied to both).
    checks: Vec<(Norm, String)>,
}

#[derive(Debug, Clone, Copy)]
enum Norm {
    /// Whitespace collapsed, case kept, whole words only.
    Words,
    /// Lowercase, whitespace collapsed, dots dropped.
    Folded,
    /// Only digits are compared, within runs of digits and separators.
    Digits,
    /// Lowercase, no whitespace.
    Compact,
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalise(norm: Norm, s: &str) -> String {
    match norm {
        Norm::Words => collapse(s),
        Norm::Folded => collapse(&s.to_lowercase().replace('.', "")),
        // Separators inside numbers go; anything else ends a number and becomes a space.
        Norm::Digits => s
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c),
                ' ' | '-' | '.' | '(' | ')' | '+' => None,
                _ => Some(' '),
            })
            .collect(),
        Norm::Compact => s.to_lowercase().split_whitespace().collect(),
    }
}

/// Whether `needle` occurs in `hay`, both normalised; for words, only as whole words.
fn occurs(norm: Norm, hay: &str, needle: &str) -> bool {
    let (hay, needle) = (normalise(norm, hay), normalise(norm, needle));
    match norm {
        Norm::Words => hay.match_indices(&needle).any(|(i, m)| {
            let before = hay[..i].chars().next_back();
            let after = hay[i + m.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        }),
        _ => hay.contains(&needle),
    }
}

fn name(rng: &mut Rng) -> Secret {
    let m = rng.pick(MEMBERS);
    let all_weak = m.first_weak && m.last_weak;
    let title = *rng.pick(TITLES);
    let full = format!("{} {}", m.first, m.last);
    let (surface, core) = match rng.below(9) {
        0 => (full.clone(), full.clone()),
        1 => (full.to_uppercase(), full.to_uppercase()),
        2 if !all_weak => (full.to_lowercase(), full.to_lowercase()),
        3 => {
            let s = format!("{}  {}", m.first, m.last);
            (s.clone(), s)
        }
        4 => {
            let s = format!("{}\n{}", m.first, m.last);
            (s.clone(), s)
        }
        5 if !m.last_weak => (m.last.to_owned(), m.last.to_owned()),
        6 if !m.first_weak => (m.first.to_owned(), m.first.to_owned()),
        7 if !m.last_weak => (format!("{}'s", m.last), m.last.to_owned()),
        7 => (
            format!("{title} {}'s", m.last),
            format!("{title} {}", m.last),
        ),
        8 => (format!("{title} {full}"), format!("{title} {full}")),
        _ => (format!("{title} {}", m.last), format!("{title} {}", m.last)),
    };
    let mut checks = vec![(Norm::Words, core.clone())];
    // Each strong part, as written, must be gone too (no "Sam [redacted]" half-leaks).
    for (part, weak) in [(m.first, m.first_weak), (m.last, m.last_weak)] {
        for written in [part.to_owned(), part.to_uppercase(), part.to_lowercase()] {
            if !weak && core.contains(&written) {
                checks.push((Norm::Words, written));
            }
        }
    }
    Secret {
        what: "name",
        surface,
        checks,
    }
}

fn email(rng: &mut Rng) -> Secret {
    let m = rng.pick(MEMBERS);
    let first = m.first.to_lowercase().replace('á', "a");
    let last = m.last.to_lowercase().replace('\'', "");
    let surface = match rng.below(5) {
        0 => format!("{first}.{last}@npft.nhs.uk"),
        1 => format!("{first}.{last}@nhs.net").to_uppercase(),
        2 => format!(
            "{}.{last}{}@northshire-partnership.nhs.uk",
            &first[..1],
            rng.below(9) + 1
        ),
        3 => "pcref.team@npft.nhs.uk".to_owned(),
        _ => format!("{first}+pcref@example.org"),
    };
    let checks = vec![(Norm::Folded, surface.clone())];
    Secret {
        what: "email",
        surface,
        checks,
    }
}

fn phone(rng: &mut Rng) -> Secret {
    let d3 = rng.digits(3);
    let surface = match rng.below(13) {
        0 => format!("01632 960{d3}"),
        1 => format!("0116 496 0{d3}"),
        2 => format!("020 7946 0{d3}"),
        3 => format!("(0115) 496 0{d3}"),
        4 => format!("07700 900{d3}"),
        5 => format!("07700-900-{d3}"),
        6 => format!("+44 7700 900{d3}"),
        7 => format!("+44 (0)115 496 0{d3}"),
        8 => format!("0044 20 7946 0{d3}"),
        9 => format!("0800 123 {}", rng.digits(4)),
        10 => format!("07700900{d3}"),
        11 => format!("0113 496 0{d3}"),
        _ => format!("(0113) 496-0{d3}"),
    };
    // Compare national digits: "+44 (0)115…" and "0115…" leak the same number.
    let digits: String = surface.chars().filter(char::is_ascii_digit).collect();
    let national = digits
        .strip_prefix("440")
        .or_else(|| digits.strip_prefix("0044"))
        .or_else(|| digits.strip_prefix("44"))
        .or_else(|| digits.strip_prefix('0'))
        .unwrap_or(&digits)
        .to_owned();
    Secret {
        what: "phone",
        surface,
        checks: vec![(Norm::Digits, national)],
    }
}

fn nhs_digits(rng: &mut Rng, valid: bool) -> String {
    loop {
        let mut s = format!("{}{}", rng.below(9) + 1, rng.digits(8));
        s.push_str(&rng.digits(1));
        if is_valid_nhs_number(&s) == valid {
            return s;
        }
    }
}

fn spaced(s: &str, sep: &str) -> String {
    format!("{}{sep}{}{sep}{}", &s[..3], &s[3..6], &s[6..])
}

fn nhs(rng: &mut Rng) -> Secret {
    let digits = nhs_digits(rng, true);
    let surface = match rng.below(3) {
        0 => digits.clone(),
        1 => spaced(&digits, " "),
        _ => spaced(&digits, "-"),
    };
    Secret {
        what: "nhs number",
        surface,
        checks: vec![(Norm::Digits, digits)],
    }
}

fn postcode(rng: &mut Rng) -> Secret {
    const OUTWARD: &[&str] = &[
        "M1", "B33", "CR2", "DN55", "W1A", "EC1A", "LS1", "NG7", "LE1", "SW1A", "NE1", "S10",
        "BS8", "L8", "E17", "HU3", "DE22",
    ];
    const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
    let inward = format!(
        "{}{}{}",
        rng.below(10),
        char::from(*rng.pick(LETTERS)),
        char::from(*rng.pick(LETTERS))
    );
    let outward = rng.pick(OUTWARD);
    let surface = match rng.below(4) {
        0 => format!("{outward} {inward}"),
        1 => format!("{outward}{inward}"),
        2 => format!("{outward} {inward}").to_lowercase(),
        _ => format!("{outward}{inward}").to_lowercase(),
    };
    Secret {
        what: "postcode",
        surface: surface.clone(),
        checks: vec![(Norm::Compact, surface)],
    }
}

fn withheld(rng: &mut Rng) -> Secret {
    let term = *rng.pick(WITHHELD);
    let surface = match rng.below(5) {
        0 => term.to_owned(),
        1 => term.to_lowercase(),
        2 => term.to_uppercase(),
        3 => term.replace(' ', "  "),
        _ => term.replace('.', ""),
    };
    Secret {
        what: "withheld term",
        surface,
        checks: vec![(Norm::Folded, term.to_owned())],
    }
}

fn organisation(rng: &mut Rng) -> Secret {
    let org = *rng.pick(ORGANISATION);
    let surface = match rng.below(3) {
        0 => org.to_owned(),
        1 => org.to_lowercase(),
        _ => org.to_uppercase(),
    };
    Secret {
        what: "organisation name",
        surface,
        checks: vec![(Norm::Folded, org.to_owned())],
    }
}

/// Text that must come through untouched.
fn keep(rng: &mut Rng, slot: &str) -> String {
    const MONTHS: &[&str] = &[
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let day = rng.below(28) + 1;
    let month = rng.below(12) + 1;
    let pick = |rng: &mut Rng, items: &[&str]| (*rng.pick(items)).to_owned();
    match slot {
        "date" => match rng.below(5) {
            0 => format!("{day:02}/{month:02}/2026"),
            1 => format!("2026-{month:02}-{day:02}"),
            2 => format!("{day} {} 2026", MONTHS[month - 1]),
            3 => format!("{day:02}.{month:02}.2026"),
            _ => format!("{} 2027", MONTHS[month - 1]),
        },
        "quarter" => pick(
            rng,
            &[
                "Q3 2026",
                "2026/27",
                "Q1 2026/27",
                "Q4 2025/26",
                "FY2025/26",
            ],
        ),
        "place" => pick(
            rng,
            &[
                "Ward 7",
                "room 12B",
                "Bay 3",
                "Ward 12",
                "bed 4",
                "Room 2.14",
                "Level 3",
                "the Town Hall",
            ],
        ),
        "money" => pick(
            rng,
            &["£12,500", "£1.2m", "£250k", "£3,000", "£45,000 recurrent"],
        ),
        "pct" => pick(rng, &["3.5%", "12%", "0.5%", "27.4%", "a 40% rise"]),
        "eth" => pick(
            rng,
            &[
                "category H (Indian)",
                "White British",
                "Black Caribbean",
                "any other Black background",
                "category N (Black African)",
                "Gypsy or Irish Traveller",
                "White and Black Caribbean",
                "category S (any other ethnic group)",
                "Asian or Asian British",
                "category A (White British)",
                "Black or Black British",
            ],
        ),
        "icd" => pick(rng, &["F20.0", "F32.1", "F43.1", "F60.3", "ICD-10 F31"]),
        "fake" => {
            let d = nhs_digits(rng, false);
            match rng.below(3) {
                0 => d,
                1 => spaced(&d, " "),
                _ => spaced(&d, "-"),
            }
        }
        "time" => pick(rng, &["09:30", "14:00", "9.30am", "17:45", "10am"]),
        "version" => pick(rng, &["v2.1.3", "version 1.0.12", "v3.0", "policy v4.2"]),
        "policy" => pick(
            rng,
            &[
                "MHA s136",
                "section 2",
                "section 3",
                "s.117 aftercare",
                "Mental Health Act 1983",
                "CQC Regulation 12",
                "PCREF Pillar 2",
                "NICE CG178",
            ],
        ),
        "beds" => pick(
            rng,
            &["18 beds", "24-bed unit", "a 16-bed ward", "12 of 20 beds"],
        ),
        "rag" => pick(rng, &["Amber", "Green", "Red", "RAG: Amber", "Amber/Green"]),
        "word" => pick(
            rng,
            &[
                "We will",
                "in May 2026",
                "a Grace period",
                "Hope and Recovery College",
                "Black Lives Matter",
                "Mark the date",
                "the Rose Garden",
                "Bell Street Clinic",
                "Brown Field site",
                "Will the panel agree",
            ],
        ),
        // Small counts of people: kept, and each must raise exactly one warning.
        "count" => pick(
            rng,
            &[
                "3 Black Caribbean patients",
                "five young service users",
                "2 carers",
                "1 patient",
                "seven women",
                "4 in-patients",
                "6 referrals",
                "two White British men",
            ],
        ),
        other => panic!("no keep slot {other}"),
    }
}

const PRIORITIES: &[&str] = &[
    "Reduce the over-representation of {eth} service users detained under {policy} by {date}.",
    "In {quarter}, {eth} patients were more likely to be restrained on {place}; {name} will lead the review.",
    "Priority area: improving access to talking therapies for {eth} communities, overseen by {name}.",
    "{name} to agree the data definitions for {icd} and {icd} with the information team by {date}.",
    "Our baseline ({quarter}) shows {pct} of detentions involved {eth} men.",
    "In {quarter} {count} were restrained more than once on {place}.",
    "Ensure every patient on {place} has an advocate offered within 24 hours; RAG status {rag}.",
    "The {withheld} pilot will be evaluated against {version} of the outcome framework.",
    "Co-produce the priority list with the {withheld} service user forum ({org} sponsor: {name}).",
];

const ACTIONS: &[&str] = &[
    "Action lead: {name} ({email}, {phone}).",
    "{name} to contact the community partner at {postcode} before {date} at {time}.",
    "Escalate to {name}'s deputy if the target slips past {quarter}.",
    "Book the training room at {withheld} for {date}; budget {money}.",
    "Audit {beds} on {place} against {policy} and report the figures to {org}.",
    "Offer debriefs to the {count} secluded on {place} in {quarter}.",
    "Refer case {nhs} to the panel; the family asked us to use {email} only.",
    "Ring {phone} for the out-of-hours rota; the number is also on the intranet ({version}).",
    "Write to {name} at {postcode} with the outcome of the complaint.",
    "Check the reference {fake} against the finance ledger, not an NHS number.",
    "Review {icd} coding with {name} and share the {pct} figure by {date}.",
];

const PROGRESS: &[&str] = &[
    "Update {date}: {name} met the {eth} community group and agreed next steps; {rag}.",
    "Progress: {pct} of staff on {place} completed the training ({money} spent).",
    "A patient (NHS no. {nhs}) was discussed at the review; outcome shared with {name}.",
    "Data for {quarter} shows detentions under {policy} fell for {eth} patients.",
    "Since {date}, {count} have been referred to the advocacy service ({pct} of the total).",
    "{org} board noted progress on {date}; {name} presented the dashboard.",
    "The carer gave {phone} and {email} as contact details; these are now held on the record, not here.",
    "Feedback from {postcode} residents was positive; follow-up with {name} at {time}.",
    "Reference {fake} is the invoice number; the {withheld} lease was renewed {date}.",
    "We will report the {icd} figures in {quarter}; {word}.",
    "Meeting moved to {time} on {date} in {place}; {word}.",
    "The team at {withheld} reported {beds} in use and {pct} occupancy.",
    "{word}: the steering group chaired by {name} agreed the {quarter} plan.",
];

struct Doc {
    text: String,
    secrets: Vec<Secret>,
    keeps: Vec<String>,
    /// Small counts of people planted: each should raise one warning.
    counts: usize,
}

fn fill(rng: &mut Rng, template: &str, doc: &mut Doc) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        doc.text.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("closed slot");
        let slot = &rest[open + 1..close];
        let secret = match slot {
            "name" => Some(name(rng)),
            "email" => Some(email(rng)),
            "phone" => Some(phone(rng)),
            "nhs" => Some(nhs(rng)),
            "postcode" => Some(postcode(rng)),
            "withheld" => Some(withheld(rng)),
            "org" => Some(organisation(rng)),
            _ => None,
        };
        match secret {
            Some(s) => {
                doc.text.push_str(&s.surface);
                doc.secrets.push(s);
            }
            None => {
                doc.counts += usize::from(slot == "count");
                let k = keep(rng, slot);
                doc.text.push_str(&k);
                doc.keeps.push(k);
            }
        }
        rest = &rest[close + 1..];
    }
    doc.text.push_str(rest);
}

fn generate(rng: &mut Rng) -> Doc {
    let mut doc = Doc {
        text: String::new(),
        secrets: Vec::new(),
        keeps: Vec::new(),
        counts: 0,
    };
    let (pool, n) = match rng.below(3) {
        0 => (PRIORITIES, 2 + rng.below(3)),
        1 => (ACTIONS, 2 + rng.below(4)),
        _ => (PROGRESS, 3 + rng.below(4)),
    };
    for i in 0..n {
        if i > 0 {
            doc.text
                .push_str(if rng.below(4) == 0 { "\n" } else { " " });
        }
        let template = *rng.pick(pool);
        fill(rng, template, &mut doc);
    }
    doc
}

#[test]
fn corpus_leaks_nothing_and_keeps_everything_else() {
    let redactor = Redactor::new(MEMBERS.iter().map(|m| m.full), WITHHELD)
        .with_organisation_names(ORGANISATION);
    let mut rng = Rng(0x5EED_2026_0312);
    let docs: Vec<Doc> = (0..300).map(|_| generate(&mut rng)).collect();

    let (mut planted, mut leaked, mut kept, mut lost, mut extra) = (0, 0, 0, 0, 0);
    let (mut warnings, mut counts, mut wrong_warnings) = (0, 0, 0);
    let mut by_kind: Vec<(&str, usize)> = Vec::new();
    let started = Instant::now();
    let outputs: Vec<_> = docs
        .iter()
        .map(|d| redactor.redact("narrative", &d.text))
        .collect();
    let elapsed = started.elapsed();
    for (doc, out) in docs.iter().zip(&outputs) {
        counts += doc.counts;
        for s in &doc.secrets {
            planted += 1;
            match by_kind.iter_mut().find(|(k, _)| *k == s.what) {
                Some((_, n)) => *n += 1,
                None => by_kind.push((s.what, 1)),
            }
            assert!(
                s.checks.iter().all(|(norm, c)| occurs(*norm, &doc.text, c)),
                "check not in the input: {s:?}"
            );
            if let Some((_, c)) = s
                .checks
                .iter()
                .find(|(norm, c)| occurs(*norm, &out.text, c))
            {
                leaked += 1;
                eprintln!(
                    "LEAK {} {:?} ({c:?}) in:\n  {}\n  {}",
                    s.what, s.surface, doc.text, out.text
                );
            }
        }
        for k in &doc.keeps {
            kept += 1;
            if !out.text.contains(k.as_str()) {
                lost += 1;
                eprintln!("FALSE POSITIVE {k:?} in:\n  {}\n  {}", doc.text, out.text);
            }
        }
        if out.redactions.len() > doc.secrets.len() {
            extra += out.redactions.len() - doc.secrets.len();
            eprintln!(
                "EXTRA REDACTIONS ({} for {} planted) in:\n  {}\n  {}",
                out.redactions.len(),
                doc.secrets.len(),
                doc.text,
                out.text
            );
        }
        warnings += out.warnings.len();
        if out.warnings.len() != doc.counts {
            wrong_warnings += 1;
            eprintln!(
                "WARNINGS {:?} for {} small counts in:\n  {}",
                out.warnings.iter().map(|w| &w.message).collect::<Vec<_>>(),
                doc.counts,
                doc.text
            );
        }
    }

    // The checks themselves must see a leak: without the workspace's names every planted
    // name, term and organisation name is found again.
    let blind = Redactor::default();
    let mut seen_by_checks = 0;
    let mut named = 0;
    for doc in &docs {
        let out = blind.redact("narrative", &doc.text).text;
        for s in doc
            .secrets
            .iter()
            .filter(|s| matches!(s.what, "name" | "withheld term" | "organisation name"))
        {
            named += 1;
            seen_by_checks += usize::from(s.checks.iter().any(|(n, c)| occurs(*n, &out, c)));
        }
    }
    assert_eq!(seen_by_checks, named, "the leak checks miss leaks");

    let chars: usize = docs.iter().map(|d| d.text.chars().count()).sum();
    println!(
        "corpus: {} texts ({chars} chars) redacted in {elapsed:?}; planted identifiers {planted} \
         {by_kind:?}; leaked {leaked}; must-survive items {kept}; false positives {} \
         ({lost} items changed, {extra} extra markers); small counts planted {counts}, warnings {warnings} ({wrong_warnings} texts with the wrong \
         number)",
        docs.len(),
        lost + extra,
    );
    if std::env::var_os("CORPUS_SAMPLES").is_some() {
        for (doc, out) in docs.iter().zip(&outputs).take(6) {
            println!("---\n{}\n=>\n{}", doc.text, out.text);
        }
    }
    assert!(docs.len() >= 200);
    assert_eq!(leaked, 0, "planted identifiers survived");
    assert_eq!(lost + extra, 0, "text that must survive was redacted");
    assert_eq!(
        wrong_warnings, 0,
        "small counts missed or warned about wrongly"
    );
}
