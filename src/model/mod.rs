//! The model: the leaf layer every other one builds on. Days and zones, visitor keys (and their
//! numbers while a day is counted), the event and its fields, the dimensions a day is counted
//! by, browsers and bots by their user agent, countries by address, counts, the parts a day is
//! counted in and the rows they become, the ids a count has seen, the retry policy, bad input,
//! numbers in words, and CSV as the project writes it. Pure code: no file, network or database
//! here (the embedded user-agent data is compiled in; a GeoIP database's bytes are the caller's
//! to read), and no import from any layer above (tests/cli/layers.rs).

pub mod agent;
pub mod bad_input;
pub mod count;
pub mod csv;
pub mod daily;
pub mod day;
pub mod dimension;
pub mod distinct;
pub mod engagement;
pub mod event;
pub mod expiry;
#[cfg(test)]
pub mod fixtures;
pub mod geo;
pub mod parts;
pub mod retry;
pub mod seen;
pub mod text;
pub mod values;
pub mod visitor;
pub mod visitor_numbers;
pub mod zone;
