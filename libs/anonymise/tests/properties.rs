//! Property tests: redaction invariants on arbitrary text, planted identifiers never survive,
//! and the disclosure-control rules hold for any table.

use pcref_anonymise::testing::{check_invariants, check_table_invariants};
use pcref_anonymise::{is_valid_nhs_number, RedactionKind, Redactor};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn redactor() -> Redactor {
    Redactor::new(
        [
            "Amara Okafor",
            "Dr. Sam O'Neill-Hughes",
            "Sarah Black",
            "Will Green",
            "Li Wu",
        ],
        ["Oak Ward", "email", "St. Ann's"],
    )
    .with_organisation_names(["Northshire NHS Trust"])
}

/// Pieces that make detectors fire, half-fire and collide: names, digits in phone and NHS
/// shapes, postcode halves, `@`, separators, markers and half-markers, non-ASCII letters.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{1,8}",
        3 => "[0-9]{1,5}",
        3 => prop::sample::select(vec![
            " ", " ", "  ", "\n", "\t", "-", ".", ",", "'", "’", "(", ")", "+", "@", "/", ":",
            "%", "£", "[", "]",
        ]).prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "Amara", "Okafor", "okafor", "OKAFOR", "Sam", "O'Neill", "Hughes", "Dr", "Ms",
            "Black", "Caribbean", "Will", "Green", "Wu", "Oak", "Ward", "email", "St", "Ann's",
            "Northshire", "NHS", "Trust", "patients", "three", "3", "7", "in", "+44", "(0)",
            "0044", "07700", "900123", "943", "476", "5919", "SW1A", "1AA", "ls1", "4dx",
            "[redacted: email]", "[redacted: ", "person name]", "redacted", "é", "Zoë", "ß",
            "İ", "\u{301}", "🙂", "\u{200b}", "\u{0}",
        ]).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ]
}

fn texty() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..40).prop_map(|v| v.concat())
}

fn nhs_number() -> impl Strategy<Value = String> {
    (prop::collection::vec(0u8..10, 9), 0..4usize).prop_filter_map(
        "check digit 10 is invalid",
        |(digits, form)| {
            let mut s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
            let sum: u32 = digits
                .iter()
                .zip((2..=10).rev())
                .map(|(d, w)| u32::from(*d) * w)
                .sum();
            let check = match 11 - sum % 11 {
                11 => 0,
                10 => return None,
                c => c,
            };
            s.push(char::from_digit(check, 10)?);
            Some(match form {
                0 => s,
                1 => format!("{} {} {}", &s[..3], &s[3..6], &s[6..]),
                2 => format!("{}-{}-{}", &s[..3], &s[3..6], &s[6..]),
                _ => format!("{} - {} - {}", &s[..3], &s[3..6], &s[6..]),
            })
        },
    )
}

fn email() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9._'+-]{0,12}[a-z0-9]",
        "[a-z0-9]{1,10}(\\.[a-z0-9-]{1,8}[a-z0-9])?\\.[a-z]{2,6}",
    )
        .prop_map(|(local, domain)| format!("{local}@{domain}"))
}

fn postcode() -> impl Strategy<Value = String> {
    let first = "[ABCDEFGHIJKLMNOPRSTUWYZ]";
    let second = "[ABCDEFGHKLMNOPQRSTUVWXY]";
    let inward = "[0-9][ABDEFGHJLNPQRSTUWXYZ]{2}";
    let outward = format!(
        "({first}[0-9]|{first}[0-9]{{2}}|{first}[0-9][A-Z]|{first}{second}[0-9]|\
         {first}{second}[0-9]{{2}}|{first}{second}[0-9][A-Z])"
    );
    let outward = proptest::string::string_regex(&outward).expect("a valid regex");
    (outward, inward, 0..4usize).prop_map(|(o, i, form)| match form {
        0 => format!("{o} {i}"),
        1 => format!("{o}{i}"),
        2 => format!("{o} {i}").to_lowercase(),
        _ => format!("{o}{i}").to_lowercase(),
    })
}

fn phone() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "01632 960123",
        "0116 496 0123",
        "020 7946 0123",
        "(0115) 496 0000",
        "07700 900123",
        "07700-900-123",
        "+44 7700 900123",
        "+44 (0)115 496 0000",
        "0044 20 7946 0123",
        "0800 123 4567",
        "07700900123",
    ])
    .prop_map(str::to_owned)
}

/// `secret` planted between two stretches of random text, with a space either side (glued to
/// a letter, "xSW1A 1AA" is not a postcode and "x9434765919" is another number). Cases where
/// the random text happens to contain the secret itself (glued into a longer number, say) are
/// thrown away: the test is about the planted one.
fn planted(secret: impl Strategy<Value = String>) -> impl Strategy<Value = (String, String)> {
    (texty(), secret, texty()).prop_filter_map("secret already in the noise", |(a, s, b)| {
        let lower = s.to_lowercase();
        let noise = format!("{a}\u{0}{b}").to_lowercase();
        (!noise.contains(&lower)).then(|| (format!("{a} {s} {b}"), s))
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=100000 for a long run.
    #![proptest_config(Config { cases: cases(), ..Config::default() })]

    #[test]
    fn invariants_hold_on_arbitrary_unicode(s in any::<String>()) {
        check_invariants(&redactor(), &s).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn invariants_hold_on_text_made_to_collide(s in texty()) {
        check_invariants(&redactor(), &s).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn planted_nhs_numbers_never_survive((text, secret) in planted(nhs_number())) {
        prop_assert!(is_valid_nhs_number(&secret.replace(" - ", "-")));
        let out = redactor().redact("f", &text).text;
        prop_assert!(!out.contains(&secret), "{secret} survived in {out:?}");
    }

    #[test]
    fn planted_emails_never_survive((text, secret) in planted(email())) {
        let out = redactor().redact("f", &text).text;
        prop_assert!(!out.contains(&secret), "{secret} survived in {out:?}");
    }

    #[test]
    fn planted_postcodes_never_survive((text, secret) in planted(postcode())) {
        let out = redactor().redact("f", &text).text;
        prop_assert!(!out.contains(&secret), "{secret} survived in {out:?}");
    }

    #[test]
    fn planted_phones_never_survive((text, secret) in planted(phone())) {
        let out = redactor().redact("f", &text).text;
        prop_assert!(!out.contains(&secret), "{secret} survived in {out:?}");
    }

    #[test]
    fn positions_point_at_markers(s in texty(), secret in nhs_number()) {
        let text = format!("{s} {secret} {s}");
        let r = redactor().redact("f", &text);
        prop_assert!(r.redactions.iter().any(|x| x.kind == RedactionKind::NhsNumber)
            || !r.text.contains(&secret));
        for x in &r.redactions {
            let at: String = r.text.chars().skip(x.position).take(x.kind.marker().chars().count()).collect();
            prop_assert_eq!(at, x.kind.marker());
        }
    }

    #[test]
    fn tables_are_controlled(
        cells in (0..6usize, 0..6usize).prop_flat_map(|(rows, cols)| {
            let value = prop_oneof![
                3 => 0u64..=7,
                3 => 8u64..=40,
                1 => Just(0u64),
                1 => 0u64..=100_000,
                1 => Just(u64::MAX),
            ];
            prop::collection::vec(prop::collection::vec(value, cols), rows)
        })
    ) {
        check_table_invariants(&cells).map_err(TestCaseError::fail)?;
    }
}
