//! `pageviews send`: synthetic traffic, or real events from NDJSON, onto the queue.

use anyhow::Context as _;
use chrono::Utc;
use clap::Args;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::Path;
use std::path::PathBuf;

use crate::cmd::values::whole;
use crate::context::Context;
use crate::day::{resolve_range, Day, DayRange};
use crate::error::{bad_input, BadInput};
use crate::event::{decode_input_line, MAX_EVENTS_PER_MESSAGE};
use crate::output::{rate, thousands};
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

    /// Day of the synthetic events [default: yesterday, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["from", "to", "input"])]
    pub day: Option<Day>,

    /// First day of synthetic events spread over several days.
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        requires = "to",
        conflicts_with = "input"
    )]
    pub from: Option<Day>,

    /// Last day of synthetic events spread over several days.
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        requires = "from",
        conflicts_with = "input"
    )]
    pub to: Option<Day>,

    /// Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views).
    #[arg(long, value_name = "K", default_value = "50", value_parser = whole::<usize>(1, 1_000_000), conflicts_with = "input", allow_negative_numbers = true)]
    pub pages: usize,

    /// Seed of the synthetic generator: same seed, same events [default: random, printed].
    #[arg(long, value_name = "S", conflicts_with = "input")]
    pub seed: Option<u64>,

    /// Send real events from an NDJSON file ('-' for stdin): one object per line with `page`,
    /// `time` (RFC 3339) and optional `id`. Invalid lines stop the whole send (nothing is sent)
    /// unless --skip-invalid.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Skip invalid input lines (each is reported) and send the rest.
    #[arg(long, requires = "input")]
    pub skip_invalid: bool,

    /// Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone.
    #[arg(long, value_name = "N", value_parser = whole::<usize>(1, MAX_EVENTS_PER_MESSAGE as u64), allow_negative_numbers = true)]
    pub events_per_message: Option<usize>,
}

/// Invalid lines listed one by one before the rest are only counted.
const MAX_LISTED_ERRORS: usize = 20;

pub async fn run(ctx: &Context, args: SendArgs) -> anyhow::Result<()> {
    let events_per_message = args.events_per_message.unwrap_or(MAX_EVENTS_PER_MESSAGE);
    match &args.input {
        Some(path) => send_input(ctx, path, args.skip_invalid, events_per_message).await,
        None => send_synthetic(ctx, &args, events_per_message).await,
    }
}

async fn send_synthetic(
    ctx: &Context,
    args: &SendArgs,
    events_per_message: usize,
) -> anyhow::Result<()> {
    let range = resolve_range(args.day, args.from, args.to)
        .or_else(bad_input)?
        .unwrap_or(DayRange::single(Day::yesterday()));
    if range.to > Day::today() {
        return bad_input(format!(
            "{} is after today (UTC): drain refuses views more than 24 h ahead; choose days up \
             to today",
            range.to
        ));
    }
    if range.from.number() < 0 {
        return bad_input(format!("{} is before 1970-01-01", range.from));
    }
    let seed = args.seed.unwrap_or_else(rand::random);
    let backend = ctx.open().await?;
    let mut sender = Sender::new(
        backend.queue.as_ref(),
        events_per_message,
        ctx.progress(Some(args.count), "sending"),
    );
    let resend_hint = || {
        format!("to resend the same events (stored once), run the same command with --seed {seed}")
    };
    for event in Synth::new(args.count, range, args.pages, seed) {
        sender.push(&event).await.with_context(resend_hint)?;
    }
    let stats = sender.finish().await.with_context(resend_hint)?;
    ctx.say(format!(
        "sent {} synthetic events for {}..{} in {} messages ({}); seed {seed}",
        thousands(stats.events),
        range.from,
        range.to,
        thousands(stats.messages),
        rate(stats.events, stats.seconds),
    ));
    Ok(())
}

/// The input, readable twice: once to validate, once to send. Stdin is spooled to a temp file.
struct Input {
    name: String,
    reader: Box<dyn FnMut() -> std::io::Result<Box<dyn BufRead>>>,
}

fn open_input(path: &Path) -> anyhow::Result<(Input, Box<dyn BufRead>)> {
    if path == Path::new("-") {
        let spool = tempfile::tempfile().context("cannot create a temporary file for stdin")?;
        let mut spool_for_reading = spool.try_clone()?;
        let input = Input {
            name: "stdin".into(),
            reader: Box::new(move || {
                spool_for_reading.rewind()?;
                Ok(Box::new(BufReader::new(spool_for_reading.try_clone()?)) as Box<dyn BufRead>)
            }),
        };
        let tee = Tee {
            inner: std::io::stdin(),
            copy: spool,
        };
        return Ok((input, Box::new(BufReader::new(tee))));
    }
    let open = |path: &Path| -> Result<File, BadInput> {
        let unreadable = |err: &dyn std::fmt::Display| {
            BadInput(format!("cannot read --input {}: {err}", path.display()))
        };
        let file = File::open(path).map_err(|err| unreadable(&err))?;
        match file.metadata() {
            Ok(meta) if meta.is_dir() => Err(unreadable(&"it is a directory")),
            _ => Ok(file),
        }
    };
    let first = open(path)?;
    let owned = path.to_owned();
    let input = Input {
        name: path.display().to_string(),
        reader: Box::new(move || {
            let file = File::open(&owned)?;
            Ok(Box::new(BufReader::new(file)) as Box<dyn BufRead>)
        }),
    };
    Ok((input, Box::new(BufReader::new(first))))
}

/// Copies what is read from stdin into the spool file.
struct Tee<R: Read> {
    inner: R,
    copy: File,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.copy.write_all(&buf[..read])?;
        Ok(read)
    }
}

/// Numbered lines (from 1, without the line break), read one at a time. A UTF-8 byte order
/// mark at the start of the input is skipped.
struct NumberedLines<R> {
    reader: R,
    number: u64,
}

impl<R: BufRead> Iterator for NumberedLines<R> {
    type Item = anyhow::Result<(u64, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                self.number += 1;
                if self.number == 1 && line.starts_with(b"\xef\xbb\xbf") {
                    line.drain(..3);
                }
                Some(Ok((self.number, line)))
            }
            Err(err) => Some(Err(anyhow::Error::new(err).context("cannot read the input"))),
        }
    }
}

fn numbered_lines<R: BufRead>(reader: R) -> NumberedLines<R> {
    NumberedLines { reader, number: 0 }
}

/// Result of the validation pass.
#[derive(Default)]
struct Checked {
    valid: u64,
    invalid: Vec<(u64, String)>,
    invalid_count: u64,
}

fn check_input(reader: Box<dyn BufRead>) -> anyhow::Result<Checked> {
    let now = Utc::now();
    let mut checked = Checked::default();
    for line in numbered_lines(reader) {
        let (number, line) = line?;
        match parse_line(&line, now, String::new) {
            LineOutcome::Blank => {}
            LineOutcome::Event(_) => checked.valid += 1,
            LineOutcome::Invalid(reason) => {
                checked.invalid_count += 1;
                if checked.invalid.len() < MAX_LISTED_ERRORS {
                    checked.invalid.push((number, reason));
                }
            }
        }
    }
    Ok(checked)
}

enum LineOutcome {
    Blank,
    Event(crate::event::Event),
    Invalid(String),
}

fn parse_line(
    line: &[u8],
    now: chrono::DateTime<Utc>,
    fallback_id: impl FnOnce() -> String,
) -> LineOutcome {
    let Ok(text) = std::str::from_utf8(line) else {
        return LineOutcome::Invalid("not UTF-8".into());
    };
    let text = text.trim();
    if text.is_empty() {
        return LineOutcome::Blank;
    }
    if !text.starts_with('{') {
        return LineOutcome::Invalid("expected a JSON object with page and time".into());
    }
    match decode_input_line(text, fallback_id, now) {
        Ok(event) => LineOutcome::Event(event),
        Err(err) => LineOutcome::Invalid(err.to_string()),
    }
}

/// Ids for input lines without one: the line's content (SHA-256) and how many identical
/// lines came before it. Sending the same lines again, or the same file after more lines were
/// appended, gives the same ids, so nothing is counted twice; identical lines within one input
/// stay distinct views.
#[derive(Default)]
struct ContentIds {
    seen: HashMap<[u8; 8], u32>,
}

impl ContentIds {
    fn next(&mut self, line: &[u8]) -> String {
        let digest = Sha256::digest(line.trim_ascii());
        let key: [u8; 8] = digest[..8].try_into().expect("8 bytes");
        let occurrence = self.seen.entry(key).or_insert(0);
        *occurrence += 1;
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}-{occurrence}")
    }
}

async fn send_input(
    ctx: &Context,
    path: &Path,
    skip_invalid: bool,
    events_per_message: usize,
) -> anyhow::Result<()> {
    let (mut input, first_pass) = open_input(path)?;
    let checked = check_input(first_pass)?;
    report_invalid(&input.name, &checked);
    if checked.invalid_count > 0 && !skip_invalid {
        let hint = if checked.valid > 0 {
            format!(
                "Fix them, or pass --skip-invalid to send the {} valid lines",
                checked.valid
            )
        } else {
            "Expected one JSON object per line with page and time (RFC 3339)".to_owned()
        };
        return bad_input(format!(
            "{} of {} lines of {} are invalid; nothing was sent. {hint}",
            checked.invalid_count,
            checked.invalid_count + checked.valid,
            input.name,
        ));
    }
    let backend = ctx.open().await?;
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
    let skipped = if checked.invalid_count > 0 {
        format!(
            "; skipped {} invalid lines",
            thousands(checked.invalid_count)
        )
    } else {
        String::new()
    };
    ctx.say(format!(
        "sent {} events from {} in {} messages ({}){skipped}",
        thousands(stats.events),
        input.name,
        thousands(stats.messages),
        rate(stats.events, stats.seconds),
    ));
    Ok(())
}

fn report_invalid(name: &str, checked: &Checked) {
    for (line, reason) in &checked.invalid {
        eprintln!("{name}:{line}: {reason}");
    }
    let unlisted = checked.invalid_count - checked.invalid.len() as u64;
    if unlisted > 0 {
        eprintln!("... and {unlisted} more invalid lines");
    }
}

/// Second pass: sends each valid line, in order, one at a time.
async fn send_lines(input: &mut Input, sender: &mut Sender<'_>) -> anyhow::Result<()> {
    let reader = (input.reader)().context("cannot read the input again")?;
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
