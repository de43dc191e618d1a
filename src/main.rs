//! Entry point: parse arguments, set up logging, run the command, map errors to exit codes.

use clap::Parser;
use pageviews::{cli::Cli, error, logging};

fn main() {
    let cli = Cli::parse();
    logging::init(cli.global.verbosity());
    let result = pageviews::cmd::run(cli);
    std::process::exit(error::report_and_exit_code(result));
}
