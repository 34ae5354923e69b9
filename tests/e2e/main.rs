//! End-to-end tests, in folders that mirror the URL tree. See `src/lib.rs` for the harness.

mod api;
mod authorization_matrix;
mod browser;
mod operations;
