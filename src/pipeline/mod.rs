//! Backend-agnostic pipeline logic: sending, draining, aggregating and reporting.

pub mod aggregate;
pub mod catch_up;
pub mod drain;
pub mod experiment;
pub mod ndjson;
pub mod parts;
pub mod reading;
pub mod report;
pub mod retention;
pub mod salts;
pub mod send;
pub mod shutdown;
