//! `pageviews send`: synthetic traffic, or real events from NDJSON, onto the queue.

use anyhow::Context as _;
use chrono::Utc;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::Path;

use crate::cli::SendArgs;
use crate::context::Context;
use crate::day::{resolve_range, Day, DayRange};
use crate::error::{bad_input, BadInput};
use crate::event::{decode_input_line, MAX_EVENTS_PER_MESSAGE};
use crate::output::{rate, thousands};
use crate::pipeline::send::{SendStats, Sender};
use crate::synth::Synth;

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
    let seconds = sender.elapsed_seconds();
    let stats = sender.finish().await.with_context(resend_hint)?;
    ctx.say(format!(
        "sent {} synthetic events for {}..{} in {} messages ({}); seed {seed}",
        thousands(stats.events),
        range.from,
        range.to,
        thousands(stats.messages),
        rate(stats.events, seconds),
    ));
    Ok(())
}

/// The input, readable twice: once to validate, once to send. Stdin is spooled to a temp file.
struct Input {
    name: String,
    reader: Box<dyn FnMut() -> std::io::Result<Box<dyn BufRead>>>,
}

fn open_input(path: &Path) -> anyhow::Result<(Input, Box<dyn Read>)> {
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
        return Ok((
            input,
            Box::new(Tee {
                inner: std::io::stdin(),
                copy: spool,
            }),
        ));
    }
    let open = |path: &Path| {
        File::open(path)
            .map_err(|err| BadInput(format!("cannot read --input {}: {err}", path.display())))
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
    Ok((input, Box::new(first)))
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

/// Result of the validation pass.
struct Checked {
    digest: String,
    valid: u64,
    invalid: Vec<(u64, String)>,
    invalid_count: u64,
}

/// Reads every line once: validates it, and hashes the whole input (its id namespace).
fn check_input(reader: Box<dyn Read>) -> anyhow::Result<Checked> {
    let mut reader = BufReader::new(reader);
    let mut hasher = Sha256::new();
    let now = Utc::now();
    let mut checked = Checked {
        digest: String::new(),
        valid: 0,
        invalid: Vec::new(),
        invalid_count: 0,
    };
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .context("cannot read the input")?
            == 0
        {
            break;
        }
        number += 1;
        hasher.update(&line);
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
    let digest = hasher.finalize();
    checked.digest = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
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
    match decode_input_line(text, fallback_id, now) {
        Ok(event) => LineOutcome::Event(event),
        Err(err) => LineOutcome::Invalid(err.to_string()),
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
    for (line, reason) in &checked.invalid {
        eprintln!("{}:{line}: {reason}", input.name);
    }
    if checked.invalid_count > checked.invalid.len() as u64 {
        eprintln!(
            "... and {} more invalid lines",
            checked.invalid_count - checked.invalid.len() as u64
        );
    }
    if checked.invalid_count > 0 && !skip_invalid {
        return bad_input(format!(
            "{} of {} lines of {} are invalid; nothing was sent. Fix them, or pass \
             --skip-invalid to send the {} valid lines",
            checked.invalid_count,
            checked.invalid_count + checked.valid,
            input.name,
            checked.valid
        ));
    }
    let backend = ctx.open().await?;
    let mut sender = Sender::new(
        backend.queue.as_ref(),
        events_per_message,
        ctx.progress(Some(checked.valid), "sending"),
    );
    let stats = send_lines(&mut input, &checked.digest, &mut sender).await;
    let seconds = sender.elapsed_seconds();
    let stats: SendStats = match stats {
        Ok(()) => sender.finish().await,
        Err(err) => Err(err),
    }
    .context(
        "sending the same input again is safe: every event keeps its id, and is stored once",
    )?;
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
        rate(stats.events, seconds),
    ));
    Ok(())
}

/// Second pass: sends each valid line. A line without an id gets `<input digest>-<line>`, so
/// the same input sent twice maps to the same ids.
async fn send_lines(
    input: &mut Input,
    digest: &str,
    sender: &mut Sender<'_>,
) -> anyhow::Result<()> {
    let mut reader = (input.reader)().context("cannot read the input again")?;
    let now = Utc::now();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .context("cannot read the input")?
            == 0
        {
            return Ok(());
        }
        number += 1;
        if let LineOutcome::Event(event) = parse_line(&line, now, || format!("{digest}-{number}")) {
            sender.push(&event).await?;
        }
    }
}
