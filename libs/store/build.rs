// Migrations are embedded at compile time; without this a new migration would silently be left
// out of the binary until something else in the crate changed.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
    println!("cargo:rerun-if-changed=../../migrations/postgres");
}
