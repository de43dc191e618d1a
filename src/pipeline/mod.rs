//! Backend-agnostic pipeline logic: sending, draining, aggregating and reporting.

pub mod aggregate;
pub mod breakdown;
pub mod count;
pub mod drain;
pub mod experiment;
pub mod ndjson;
pub mod report;
pub mod retention;
pub mod retry;
pub mod salts;
pub mod seen;
pub mod send;
pub mod shutdown;
