//! The one integration-test binary: runs `pageviews` against real backends.

mod collector;
mod harness;
mod moto;

mod archive;
mod aws_config;
mod bad_input;
mod browser;
mod collect;
mod collect_arrivals;
mod cost;
mod dimensions;
mod dlq;
mod export;
mod fault_proxy;
mod faults;
mod generated;
mod guarantees;
mod log_formats;
mod logs;
mod operator;
mod packed;
mod pages;
mod pipeline;
mod poison;
mod report_page;
mod reports;
mod retention;
mod stop;
mod stress;
mod visitors;
mod writes;
