//! One import run's lines: handed over to the threads that read them, and what they are
//! counted and queued in the order of the lines, whatever the source (files, a followed file,
//! an S3 prefix).

use crate::cmd::context::Context;
use crate::import::input::{Next, Opened, Source};
use crate::import::summary::Summary;
use crate::import::worker::{Batch, Done, LineWorker};
use crate::model::bad_input::BadInput;
use crate::model::event::Kind;
use crate::output::counted;
use crate::pipeline::ndjson::{numbered_lines, Line};
use crate::pipeline::send::Sender;
use crate::pipeline::shutdown::Shutdown;

/// One import run: the threads that read lines, the sender and the summary.
pub(super) struct Run<'a> {
    pub(super) ctx: &'a Context,
    pub(super) worker: LineWorker,
    pub(super) sender: Sender<'a>,
    pub(super) summary: Summary,
    pub(super) strict: bool,
}

impl Run<'_> {
    /// Hands line `number` of `input` over to be read (its text taken), and handles the
    /// outcomes of lines before it that are ready.
    async fn line(&mut self, input: &str, number: u64, line: &mut Line) -> anyhow::Result<()> {
        match self.worker.push(input, number, line).await? {
            Some(batch) => self.outcomes(batch).await,
            None => Ok(()),
        }
    }

    /// Handles the outcomes of every line handed over: before the views are sent, a source is
    /// told an input was read, or the run stops.
    async fn settle(&mut self) -> anyhow::Result<()> {
        let mut next = self.worker.hand_over_all().await?;
        while let Some(batch) = next {
            self.outcomes(batch).await?;
            next = self.worker.next_ready().await?;
        }
        Ok(())
    }

    /// An error reading the input, after what was read before it is handled (and sent): a
    /// line that stops the import is the error then.
    async fn after_settling(&mut self, err: anyhow::Error) -> anyhow::Error {
        match self.settle().await {
            Ok(()) => err,
            Err(first) => first,
        }
    }

    async fn outcomes(&mut self, mut batch: Batch) -> anyhow::Result<()> {
        for (number, done) in batch.numbers.iter().zip(batch.done.drain(..)) {
            self.outcome(&batch.input, *number, done, &batch.events)
                .await?;
        }
        self.worker.reuse(batch);
        Ok(())
    }

    /// Counts and queues what line `number` of `file` is (an event encoded in `events`); an
    /// error stops the import.
    async fn outcome(
        &mut self,
        file: &str,
        number: u64,
        done: Done,
        events: &str,
    ) -> anyhow::Result<()> {
        self.summary.lines += 1;
        match done {
            Done::Blank => self.summary.lines -= 1,
            Done::Event { json, kind } => {
                self.sender.push_encoded(&events[json]).await?;
                match kind {
                    Kind::Bot => self.summary.bot_hits += 1,
                    _ => self.summary.views += 1,
                }
            }
            Done::Skipped(skip) => self.summary.skip(skip),
            Done::Unparsable(reason) => {
                if self.strict {
                    return Err(BadInput(format!(
                        "{file}:{number}: {reason}; stopped by --strict ({} before it \
                         queued: importing again after fixing the line counts each line once)",
                        counted(self.summary.views, "view")
                    ))
                    .into());
                }
                if self.summary.unparsable(file, number, reason.clone()) {
                    self.ctx.say(format!("{file}:{number}: {reason}"));
                }
            }
        }
        Ok(())
    }

    /// Reads `source` to its end, or, for a source that waits for more, until SIGINT or
    /// SIGTERM; what is read is sent whenever the source has nothing new, and before an input
    /// read in parts is reported read whole.
    pub(super) async fn read(&mut self, source: &mut dyn Source) -> anyhow::Result<()> {
        // Only a run that waits for more stops on a signal by itself; any other is stopped
        // by the signal's default action, its lines counted once when imported again.
        let shutdown = source.follows().then(Shutdown::on_signals);
        let stopping = || shutdown.as_ref().is_some_and(Shutdown::is_requested);
        loop {
            let next = match source.next().await {
                Ok(next) => next,
                Err(err) => return Err(self.after_settling(err).await),
            };
            match next {
                Next::Input(opened) => self.input(opened).await?,
                Next::Lines { name, first, lines } => {
                    for (number, mut line) in (first..).zip(lines) {
                        self.line(&name, number, &mut line).await?;
                    }
                    if stopping() {
                        return self.settle().await;
                    }
                }
                Next::Finished { name } => {
                    self.summary.files += 1;
                    self.settle().await?;
                    self.sender.flush().await?;
                    source.read_whole(&name).await?;
                }
                Next::Idle(wait) => {
                    self.settle().await?;
                    self.sender.flush().await?;
                    let Some(shutdown) = &shutdown else {
                        tokio::time::sleep(wait).await;
                        continue;
                    };
                    tokio::select! {
                        () = shutdown.requested() => return Ok(()),
                        () = tokio::time::sleep(wait) => {}
                    }
                }
                Next::End => return self.settle().await,
            }
        }
    }

    async fn input(&mut self, opened: Opened) -> anyhow::Result<()> {
        self.summary.files += 1;
        let mut lines = numbered_lines(opened.reader);
        let mut line = Line::Text(Vec::new());
        while let Some(number) = lines.next_into(&mut line) {
            let number = match number {
                Ok(number) => number,
                Err(err) => {
                    let err = err.context(format!("cannot read {}", opened.name));
                    return Err(self.after_settling(err).await);
                }
            };
            self.line(&opened.name, number, &mut line).await?;
        }
        Ok(())
    }
}
