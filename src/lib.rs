//! The `pageviews` library: everything the binary does, so tests and benchmarks can reach it.

pub mod backend;
pub mod cli;
pub mod cmd;
pub mod collect;
pub mod context;
pub mod cost;
pub mod day;
pub mod deploy;
pub mod error;
pub mod event;
pub mod export;
#[cfg(test)]
pub mod fixtures;
pub mod import;
pub mod lambda;
pub mod logging;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod synth;
pub mod visitor;
pub mod zone;
