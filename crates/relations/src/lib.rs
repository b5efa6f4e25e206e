//! Relations between states, measured from events. Pure functions: events in, series and tables out.
//! No I/O here; the CLI loads events from the store and prints what these functions return.
//!
//! Every formula is documented in `docs/relations.md`.

pub mod actors;
pub mod balance;
pub mod changepoint;
pub mod dyad;
pub mod triads;
pub mod var;
mod period;

pub use period::{Period, iso_date};

/// One event reduced to what relations need. `src` and `dst` index the caller's actor list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Days since 1970-01-01.
    pub day: i32,
    pub src: u16,
    pub dst: u16,
    /// The CAMEO event code as a number with its length folded in (see [`code_key`]), for de-duplication.
    pub code: u32,
    pub quad_class: u8,
    pub goldstein: f64,
    /// GDELT AvgTone; NaN when the source has none.
    pub tone: f64,
}

/// A CAMEO code string as a number that keeps leading zeros apart: `"014"` and `"14"` differ.
pub fn code_key(code: &str) -> u32 {
    let digits = code.bytes().take(6).fold(0u32, |acc, b| acc * 10 + (b.wrapping_sub(b'0') as u32 % 10));
    digits * 8 + code.len().min(7) as u32
}
