//! barsmith kernels over plain slices.
//!
//! No Python types here: `cargo test -p barsmith-core` runs without Python,
//! and a Rust user can call the kernels directly. Inputs are assumed valid
//! (the Python fronts validate them, see `bars::scan_trades`).

pub mod bars;
pub mod book;
pub mod codes;
pub mod dbn_io;
pub mod indicators;
pub mod orderflow;
pub mod structure;
pub mod synth;
