//! Entry point: parse arguments, set up logging, run the command, map errors to exit codes.

#![forbid(unsafe_code)]

use clap::error::ErrorKind;
use pageviews::{cli::Cli, exit, logging, output};
use std::process::ExitCode;

fn main() -> ExitCode {
    pageviews::cli::unset_empty_aws_variables();
    if pageviews::lambda::requested() {
        return pageviews::lambda::main();
    }
    let cli = match Cli::parse_from_env(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            // Help and version go to stdout; a closed stdout (`| head`) is not a failure.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            output::say(&exit::one_line_usage_error(&err.to_string()));
            return ExitCode::from(exit::EXIT_BAD_INPUT);
        }
    };
    logging::init(cli.global.verbosity());
    let whole_chain = cli.global.verbosity() > 0;
    let result = pageviews::cmd::run(cli);
    exit::report_and_exit_code(result, whole_chain)
}
