//! Any bytes, read as UTF-8 (lossily), through a redactor that knows a few names and terms:
//! no panic, markers where the report says, idempotent (see `check_invariants`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pcref_anonymise::testing::check_invariants;
use pcref_anonymise::Redactor;

fn redactor() -> &'static Redactor {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    REDACTOR.get_or_init(|| {
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
        .with_organisation_names(["Northshire NHS Trust", "NPFT"])
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = check_invariants(redactor(), &text) {
        panic!("{e}");
    }
});
