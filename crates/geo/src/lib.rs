//! Fulcrum's geography, compiled into the binary so maps work offline: Natural Earth's country shapes
//! ([`shapes`]), the one mapping between CAMEO country codes and ISO 3166-1 ([`codes`]), and the Equal Earth
//! projection every map is drawn in ([`projection`]). No I/O: the shapes are decoded from an embedded file on
//! first use.

pub mod codes;
mod iso;
pub mod projection;
pub mod shapes;

pub use codes::{cameo_of_iso3, iso_name, iso3_of_cameo};
pub use projection::{Frame, equal_earth};
pub use shapes::{Shape, shapes};
