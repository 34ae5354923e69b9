// The PostgreSQL variant of every end-to-end test is compiled only when a server is named, so
// that `cargo test` without PostgreSQL runs the SQLite suite and skips nothing at run time.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo:rerun-if-env-changed=PCREF_TEST_POSTGRES_URL");
    if std::env::var("PCREF_TEST_POSTGRES_URL").is_ok_and(|v| !v.trim().is_empty()) {
        println!("cargo:rustc-cfg=pg_tests");
    }
}
