//! How long redaction takes: one pass over the text whatever the number of names (plus a
//! second, cheaper pass when the first found something), so ten times the text should cost
//! about ten times as much. Prints figures and asserts nothing (timings belong to measurements,
//! not to tests):
//!
//! ```sh
//! cargo run --release -p pcref-anonymise --example redaction_timing
//! ```

use std::time::{Duration, Instant};

use pcref_anonymise::Redactor;

const NAMES: [&str; 20] = [
    "Amara Okafor",
    "Dr. Sam O'Neill-Hughes",
    "Sarah Black",
    "Will Green",
    "Priya Raghunathan",
    "Tomasz Kowalczyk",
    "Grace White",
    "Mohammed Al-Rashid",
    "Chloe Brown",
    "Kwame Mensah",
    "Siobhán McCarthy",
    "Li Wu",
    "Rose Hall",
    "Femi Adeyemi-Jones",
    "Mark Ward",
    "Hannah Price",
    "Oluwaseun Bello",
    "Gareth Llewellyn",
    "Aisha Siddiqui",
    "Declan Murphy",
];

fn text(len: usize) -> String {
    let sentences = [
        "Amara Okafor met 3 Black Caribbean patients on Ward 7 on 12/03/2026. ",
        "Call 07700 900123 or write to priya.raghunathan@npft.nhs.uk about 943 476 5919. ",
        "The Oakwood Unit review (LS1 4DX) is Amber; £12,500 agreed for Q3 2026. ",
        "Progress against MHA s136 data shows 27.4% of detentions involved White British men. ",
        "We will co-produce the plan with the service user forum and report in May. ",
    ];
    let mut s = String::new();
    let mut i = 0;
    while s.chars().count() < len {
        s.push_str(sentences[i % sentences.len()]);
        i += 1;
    }
    s
}

fn time(redactor: &Redactor, text: &str, rounds: u32) -> Duration {
    let started = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(redactor.redact("f", std::hint::black_box(text)));
    }
    started.elapsed() / rounds
}

fn main() {
    let redactor = Redactor::new(NAMES, ["Oakwood Unit", "Cedar House"]);
    let short = text(5_000);
    let long = text(50_000);
    time(&redactor, &short, 5);
    let per_short = time(&redactor, &short, 50);
    let per_long = time(&redactor, &long, 5);
    println!(
        "redact: {} chars in {per_short:?}, {} chars in {per_long:?} (20 names)",
        short.chars().count(),
        long.chars().count()
    );
    println!(
        "50,000 characters cost {:.1} times 5,000 (linear: about 10)",
        per_long.as_secs_f64() / per_short.as_secs_f64()
    );
}
