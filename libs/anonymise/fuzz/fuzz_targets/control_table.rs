//! Tables of any shape and values: the disclosure-control invariants hold (see
//! `check_table_invariants`). Bytes become a table: the first byte is the width (1 to 8), then
//! each byte a count (mostly small, where suppression happens; 255 stands for a huge count).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcref_anonymise::testing::check_table_invariants;

fuzz_target!(|data: &[u8]| {
    let Some((&w, rest)) = data.split_first() else {
        return;
    };
    let width = usize::from(w % 8) + 1;
    let cells: Vec<Vec<u64>> = rest
        .chunks(width)
        .take(16)
        .map(|row| {
            row.iter()
                .map(|&b| {
                    if b == 255 {
                        u64::MAX / 4
                    } else {
                        u64::from(b % 40)
                    }
                })
                .collect()
        })
        .collect();
    if let Err(e) = check_table_invariants(&cells) {
        panic!("{e}");
    }
});
