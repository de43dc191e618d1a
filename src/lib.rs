//! The `pageviews` library: everything the binary does, so tests and benchmarks can reach it.
//!
//! Its modules form layers, each importing only from those below it (docs/architecture.md;
//! tests/cli/layers.rs fails on an import that points up):
//!
//! ```text
//! edge       main.rs, cli, cmd, lambda, exit, output, logging
//! features   collect, import, export, report, cost, deploy, synth
//! pipeline   pipeline (send, drain, aggregate, retention, reports' reading)
//! backends   backend (contracts; local, aws; the fault-injecting wrapper)
//! model      model (day, zone, visitor keys, events, dimensions, counts, seen ids, retry)
//! ```

#![forbid(unsafe_code)]

pub mod backend;
pub mod cli;
pub mod cmd;
pub mod collect;
pub mod cost;
pub mod deploy;
pub mod exit;
pub mod export;
pub mod import;
pub mod lambda;
pub mod logging;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod serve;
pub mod synth;
