//! The `--day` / `--from` / `--to` flags of every command that takes a range of days: one
//! definition, flattened into each, with its checks; each command says in its own words what
//! the days are for and what it does without them.

use clap::Args;
use std::fmt::Debug;
use std::marker::PhantomData;

use crate::model::bad_input::bad_input;
use crate::model::day::{check_range, resolve_range, Day, DayRange};

/// What one command's range flags say in `--help`, and its name in refusals.
pub trait RangeHelp: Debug + Clone + Send + Sync + 'static {
    /// The command as refusals name it, e.g. "report experiment".
    const COMMAND: &'static str;
    /// `--day`'s help, with the default range when there is one.
    const DAY: &'static str;
    /// `--from`'s help.
    const FROM: &'static str;
    /// `--to`'s help.
    const TO: &'static str;
}

/// `--day`, or `--from` with `--to`. clap refuses `--day` with either of the others and one of
/// the pair alone (exit code 2); [`DayRangeArgs::asked`] refuses a backwards or too long range.
/// A range is what one run works on, not a setting of the deployment, so it has no
/// environment twin: an exported `PAGEVIEWS_DAY` would silently narrow every later command.
#[derive(Debug, Clone, Args)]
pub struct DayRangeArgs<H: RangeHelp> {
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["from", "to"], help = H::DAY)]
    pub day: Option<Day>,

    #[arg(long, value_name = "YYYY-MM-DD", requires = "to", help = H::FROM)]
    pub from: Option<Day>,

    #[arg(long, value_name = "YYYY-MM-DD", requires = "from", help = H::TO)]
    pub to: Option<Day>,

    #[arg(skip)]
    help: PhantomData<H>,
}

impl<H: RangeHelp> DayRangeArgs<H> {
    /// The range given on the command line, if any, with `--from` not after `--to`.
    pub fn given(&self) -> anyhow::Result<Option<DayRange>> {
        resolve_range(self.day, self.from, self.to).or_else(bad_input)
    }

    /// [`given`](Self::given), and at most `MAX_RANGE_DAYS` long: commands that read or write
    /// day by day cost one request per day.
    pub fn asked(&self) -> anyhow::Result<Option<DayRange>> {
        let range = self.given()?;
        if let Some(range) = range {
            check_range(range, H::COMMAND)?;
        }
        Ok(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bad_input::BadInput;
    use crate::model::fixtures::day;
    use clap::Parser;

    #[derive(Debug, Clone)]
    struct Read;
    impl RangeHelp for Read {
        const COMMAND: &'static str = "read";
        const DAY: &'static str = "Read this day [default: yesterday].";
        const FROM: &'static str = "First day to read.";
        const TO: &'static str = "Last day to read.";
    }

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        days: DayRangeArgs<Read>,
    }

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Command::try_parse_from(std::iter::once("read").chain(args.iter().copied()))
    }

    fn refusal(args: &[&str]) -> String {
        let days = parse(args).unwrap().days;
        let err = days.asked().unwrap_err();
        assert!(err.downcast_ref::<BadInput>().is_some(), "{err:#}");
        err.to_string()
    }

    #[test]
    fn a_day_or_a_pair_becomes_a_range() {
        let one = parse(&["--day", "2021-03-13"])
            .unwrap()
            .days
            .asked()
            .unwrap();
        assert_eq!(one, Some(DayRange::single(day("2021-03-13"))));
        let pair = parse(&["--from", "2021-03-01", "--to", "2021-03-31"]).unwrap();
        let range = pair.days.asked().unwrap().unwrap();
        assert_eq!(
            (range.from, range.to, range.len()),
            (day("2021-03-01"), day("2021-03-31"), 31)
        );
        assert_eq!(parse(&[]).unwrap().days.asked().unwrap(), None);
    }

    #[test]
    fn clap_refuses_mixed_and_lone_flags_as_usage_errors() {
        use clap::error::ErrorKind;
        let mixed = parse(&["--day", "2021-03-01", "--from", "2021-03-01"]).unwrap_err();
        assert_eq!(mixed.kind(), ErrorKind::ArgumentConflict);
        let lone = parse(&["--from", "2021-03-01"]).unwrap_err();
        assert_eq!(lone.kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(lone.exit_code(), 2);
        let bad = parse(&["--day", "2021-02-30"]).unwrap_err();
        assert_eq!(bad.kind(), ErrorKind::ValueValidation);
    }

    #[test]
    fn backwards_and_long_ranges_are_bad_input() {
        assert_eq!(
            refusal(&["--from", "2021-03-14", "--to", "2021-03-13"]),
            "--from 2021-03-14 is after --to 2021-03-13: give the earlier day to --from"
        );
        assert_eq!(
            refusal(&["--from", "2000-01-01", "--to", "2020-01-01"]),
            "--from 2000-01-01 --to 2020-01-01 spans 7306 days; read takes at most 3660 at once"
        );
    }

    #[test]
    fn each_command_gives_its_own_help() {
        let help = <Command as clap::CommandFactory>::command()
            .render_help()
            .to_string();
        assert!(
            help.contains("Read this day [default: yesterday]."),
            "{help}"
        );
        assert!(help.contains("First day to read."), "{help}");
        assert!(help.contains("Last day to read."), "{help}");
    }
}
