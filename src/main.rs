//! Entry point: parse arguments, set up logging, run the command, map errors to exit codes.

use clap::error::ErrorKind;
use pageviews::{cli::Cli, error, logging};

fn main() {
    if pageviews::lambda::requested() {
        std::process::exit(pageviews::lambda::main());
    }
    let cli = match Cli::parse_from_env(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            err.exit()
        }
        Err(err) => {
            pageviews::output::say(&error::one_line_usage_error(&err.to_string()));
            std::process::exit(error::EXIT_BAD_INPUT);
        }
    };
    logging::init(cli.global.verbosity());
    let whole_chain = cli.global.verbosity() > 0;
    let result = pageviews::cmd::run(cli);
    std::process::exit(error::report_and_exit_code(result, whole_chain));
}
