//! `pageviews send`: synthetic traffic, or real events from NDJSON, onto the queue.

use anyhow::Context as _;
use chrono::Utc;
use clap::Args;
use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::backend::Backend;
use crate::cmd::context::Context;
use crate::cmd::range::{DayRangeArgs, RangeHelp};
use crate::model::bad_input::{bad_input, BadInput};
use crate::model::day::DayRange;
use crate::model::event::MAX_EVENTS_PER_MESSAGE;
use crate::model::values::whole;
use crate::output::{counted, pace, say, thousands};
use crate::pipeline::ndjson::{
    numbered_lines, open_input, parse_line, ContentIds, Input, Line, LineOutcome,
};
use crate::pipeline::send::{SendStats, Sender};
use crate::synth::Synth;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Synthetic events get ids derived from --seed: sending again with the same seed sends the same \
events, which are stored once. NDJSON lines without an id get one derived from the line's \
content (and, for identical lines, how many came before it): sending a file again, even after \
lines were appended to it, counts each line once.

Examples:
  pageviews send --count 100000 --day 2021-03-13 --pages 50 --seed 7
  pageviews send --count 1000000 --from 2021-03-01 --to 2021-03-31
  pageviews send --input views.ndjson
  zcat views.ndjson.gz | pageviews send --input - --skip-invalid")]
pub struct SendArgs {
    /// Number of synthetic events to send.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 1_000_000_000_000), conflicts_with = "input", default_value = "1000", allow_negative_numbers = true)]
    pub count: u64,

    #[command(flatten)]
    pub days: DayRangeArgs<SendDays>,

    /// Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views).
    #[arg(long, value_name = "K", default_value = "50", value_parser = whole::<usize>(1, 1_000_000), conflicts_with = "input", allow_negative_numbers = true)]
    pub pages: usize,

    /// People behind the synthetic views: each makes visits of a few pages (some return
    /// later), and every view carries its visitor's key; every person visits at least once
    /// when there are enough views [default: no visitor keys].
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 1_000_000_000), conflicts_with = "input")]
    pub visitors: Option<u64>,

    /// Give synthetic views referrers, campaigns and A/B variants, and make some of the
    /// events downloads and custom events: a realistic mix for trying the breakdowns.
    #[arg(long, conflicts_with = "input")]
    pub breakdowns: bool,

    /// Follow each synthetic view with its engagement beacon, as the script sends when a page
    /// is left: engaged time (45 s on average) and scroll depth. Doubles the events sent.
    #[arg(long, conflicts_with = "input")]
    pub engagement: bool,

    /// Seed of the synthetic generator: same seed, same events [default: random, printed].
    #[arg(long, value_name = "S", conflicts_with = "input", value_parser = whole::<u64>(0, u64::MAX))]
    pub seed: Option<u64>,

    /// Send real events from an NDJSON file ('-' for stdin): one object per line with `page`,
    /// `time` (RFC 3339), and optional `id` and `visitor` (an opaque visitor key). Invalid
    /// lines stop the whole send (nothing is sent) unless --skip-invalid.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["day", "from", "to"])]
    pub input: Option<PathBuf>,

    /// Skip invalid input lines (each is listed on stderr) and send the rest.
    #[arg(long, requires = "input")]
    pub skip_invalid: bool,

    /// Also write every invalid input line, as it was, to FILE (one per line; lines over
    /// 64 KiB are only listed), to fix and send again.
    #[arg(long, value_name = "FILE", requires = "input")]
    pub rejects: Option<PathBuf>,

    /// Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone.
    #[arg(long, value_name = "N", value_parser = whole::<usize>(1, MAX_EVENTS_PER_MESSAGE as u64), allow_negative_numbers = true)]
    pub events_per_message: Option<usize>,
}

/// What send's range flags say: the days of synthetic events.
#[derive(Debug, Clone)]
pub struct SendDays;

impl RangeHelp for SendDays {
    const COMMAND: &'static str = "send";
    const DAY: &'static str =
        "Day of the synthetic events [default: yesterday, in the deployment's time zone].";
    const FROM: &'static str = "First day of synthetic events spread over several days.";
    const TO: &'static str = "Last day of synthetic events spread over several days.";
}

pub async fn run(ctx: &Context, args: SendArgs) -> anyhow::Result<()> {
    let events_per_message = args.events_per_message.unwrap_or(MAX_EVENTS_PER_MESSAGE);
    match &args.input {
        Some(path) => send_input(ctx, path, &args, events_per_message).await,
        None => send_synthetic(ctx, &args, events_per_message).await,
    }
}

async fn send_synthetic(
    ctx: &Context,
    args: &SendArgs,
    events_per_message: usize,
) -> anyhow::Result<()> {
    // No span limit: synthetic days are generated, not read one request each.
    let seed = args.seed.unwrap_or_else(rand::random);
    let backend = open_for_sending(ctx).await?;
    let asked = args.days.given(backend.zone)?;
    if let Some(range) = asked.filter(|range| range.from.number() < 0) {
        return bad_input(format!("{} is before 1970-01-01", range.from));
    }
    let today = backend.zone.today();
    let range = asked.unwrap_or(DayRange::single(today.prev()));
    if range.to > today {
        return bad_input(format!(
            "{} is after today ({}): drain refuses views more than 24 h ahead; choose days up \
             to today",
            range.to, backend.zone
        ));
    }
    let mut sender = Sender::new(
        backend.queue.as_ref(),
        events_per_message,
        ctx.progress(
            Some(args.count * (1 + u64::from(args.engagement))),
            "sending",
        ),
    );
    let resend_hint = || {
        format!("to resend the same events (stored once), run the same command with --seed {seed}")
    };
    let synth = Synth::new(args.count, range, args.pages, seed)
        .in_zone(backend.zone)
        .with_visitors(args.visitors)
        .with_breakdowns(args.breakdowns)
        .with_engagement(args.engagement);
    for event in synth {
        sender.push(&event).await.with_context(resend_hint)?;
    }
    let stats = sender.finish().await.with_context(resend_hint)?;
    ctx.say(format!(
        "sent {} for {}..{} in {} ({}); seed {seed}",
        counted(stats.events, "synthetic event"),
        range.from,
        range.to,
        counted(stats.messages, "message"),
        pace(stats.events, stats.seconds),
    ));
    Ok(())
}

/// Opens the deployment and checks that its queue takes messages before anything is read or
/// sent, so a missing deployment or an unreachable queue is said as such, not as a failed batch.
async fn open_for_sending(ctx: &Context) -> anyhow::Result<Backend> {
    let backend = ctx
        .open()
        .await
        .context("nothing was sent: cannot open the deployment")?;
    backend.queue.check_can_send().await.with_context(|| {
        format!(
            "nothing was sent: cannot reach the queue of {}",
            backend.location
        )
    })?;
    Ok(backend)
}

/// Result of the validation pass: how many lines are valid, and each invalid one.
#[derive(Default)]
struct Checked {
    valid: u64,
    invalid: u64,
}

/// The first pass: lists every invalid line on stderr (and in the rejects file) as it goes,
/// so memory stays flat however many there are.
fn check_input(
    name: &str,
    reader: Box<dyn BufRead>,
    mut rejects: Option<&mut dyn Write>,
) -> anyhow::Result<Checked> {
    let now = Utc::now();
    let mut checked = Checked::default();
    for line in numbered_lines(reader) {
        let (number, line) = line?;
        match parse_line(&line, now, String::new) {
            LineOutcome::Blank => {}
            LineOutcome::Event(_) => checked.valid += 1,
            LineOutcome::Invalid(reason) => {
                checked.invalid += 1;
                say(&format!("{name}:{number}: {reason}"));
                if let (Some(out), Line::Text(text)) = (rejects.as_mut(), &line) {
                    out.write_all(text)
                        .and_then(|()| out.write_all(b"\n"))
                        .context("cannot write --rejects")?;
                }
            }
        }
    }
    Ok(checked)
}

/// The rejects file, created (empty) before the first pass.
fn create_rejects(path: Option<&Path>) -> anyhow::Result<Option<BufWriter<File>>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let file = File::create(path)
        .map_err(|err| BadInput(format!("cannot create --rejects {}: {err}", path.display())))?;
    Ok(Some(BufWriter::new(file)))
}

async fn send_input(
    ctx: &Context,
    path: &Path,
    args: &SendArgs,
    events_per_message: usize,
) -> anyhow::Result<()> {
    let (mut input, first_pass) = open_input(path)?;
    let mut rejects = create_rejects(args.rejects.as_deref())?;
    let checked = check_input(
        &input.name,
        first_pass,
        rejects.as_mut().map(|out| out as &mut dyn Write),
    )?;
    if let Some(mut out) = rejects {
        out.flush().context("cannot write --rejects")?;
    }
    if checked.invalid > 0 && !args.skip_invalid {
        let hint = if checked.valid > 0 {
            format!(
                "Fix them, or pass --skip-invalid to send the {}",
                counted(checked.valid, "valid line")
            )
        } else {
            "Expected one JSON object per line with page and time (RFC 3339)".to_owned()
        };
        return bad_input(format!(
            "{} of {} of {} {} invalid (listed above); nothing was sent. {hint}",
            thousands(checked.invalid),
            counted(checked.invalid + checked.valid, "line"),
            input.name,
            if checked.invalid == 1 { "is" } else { "are" },
        ));
    }
    let backend = open_for_sending(ctx).await?;
    let mut sender = Sender::new(
        backend.queue.as_ref(),
        events_per_message,
        ctx.progress(Some(checked.valid), "sending"),
    );
    let sent = send_lines(&mut input, &mut sender).await;
    let stats: SendStats = match sent {
        Ok(()) => sender.finish().await,
        Err(err) => Err(err),
    }
    .context("sending the same input again is safe: every line keeps its id, and is stored once")?;
    let skipped = match checked.invalid {
        0 => String::new(),
        n => format!("; skipped {} (listed above)", counted(n, "invalid line")),
    };
    ctx.say(format!(
        "sent {} from {} in {} ({}){skipped}",
        counted(stats.events, "event"),
        input.name,
        counted(stats.messages, "message"),
        pace(stats.events, stats.seconds),
    ));
    Ok(())
}

/// Second pass: sends each valid line, in order, one at a time.
async fn send_lines(input: &mut Input, sender: &mut Sender<'_>) -> anyhow::Result<()> {
    let reader = input.reopen()?;
    let now = Utc::now();
    let mut ids = ContentIds::default();
    for line in numbered_lines(reader) {
        let (_, line) = line?;
        if let LineOutcome::Event(event) = parse_line(&line, now, || ids.next(&line)) {
            sender.push(&event).await?;
        }
    }
    Ok(())
}
