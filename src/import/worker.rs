//! The import's lines read on threads of their own, a batch at a time, while the caller reads
//! the next lines and queues the views of those before: an import on every core.
//!
//! Batches go round the threads in turn and come back in the same turn, so their outcomes are
//! handled in the order of the lines. What depends on the lines before is kept in that order:
//! a W3C log's `#Fields:` line is followed here as the lines are handed over, and each batch
//! carries the parser as it was at its first line; the count of identical lines in each id is
//! given here as the batches come back ([`LineIds`]). A thread hands back its events encoded
//! for the queue (but for the ids), in one text a batch: handing them back as events, each a
//! dozen small allocations, made the side that queues them slower than the threads were fast.

use std::ops::Range;
use std::thread::JoinHandle;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::filter::Skip;
use super::format::Parser;
use super::{LineDigest, LineIds, LineReader, Outcome};
use crate::model::event::Kind;
use crate::pipeline::ndjson::{Line, MAX_LINE_BYTES};

/// Lines handed over at once: enough that handing over costs little, few enough that a batch
/// holds little memory (about 400 KiB of CloudFront's lines).
const BATCH_LINES: usize = 1024;
/// Batches handed over to each thread and not yet taken back: the reading side stays ahead by
/// this much.
const BATCHES_PER_THREAD: usize = 2;
/// How an encoded event begins: its id is first ([`crate::model::event::Event::write_json`]).
const ID_OPENING: &str = "{\"id\":\"";

/// What a line handed over is, once its batch is back.
#[derive(Debug)]
pub enum Done {
    /// A view or a bot's hit, encoded for the queue, id included, at `json` in
    /// [`Batch::events`].
    Event {
        json: Range<usize>,
        kind: Kind,
    },
    Blank,
    Skipped(Skip),
    Unparsable(String),
}

/// What a thread made of a line: as done, or an event encoded with an empty id when it still
/// needs its id (`digest`).
enum Read {
    Event {
        json: Range<usize>,
        kind: Kind,
        digest: Option<LineDigest>,
    },
    Done(Done),
}

/// Lines of one input, each with its number in it, and once read, what they are.
pub struct Batch {
    /// The input the lines are from.
    pub input: String,
    /// Each line's number in its input.
    pub numbers: Vec<u64>,
    /// Filled to `numbers.len()`; the slots after that keep their buffers for the next lines.
    lines: Vec<Line>,
    /// The parser as the lines before the batch left it.
    parser: Parser,
    /// What each line is, as its thread read it.
    read: Vec<Read>,
    /// The events its thread encoded, one after the other, ids empty where still to be given.
    encoded: String,
    /// What each line is, in order, once the batch is back.
    pub done: Vec<Done>,
    /// The events of `done`, with their ids.
    pub events: String,
}

impl Batch {
    fn new(parser: &Parser) -> Self {
        Batch {
            input: String::new(),
            numbers: Vec::with_capacity(BATCH_LINES),
            lines: Vec::with_capacity(BATCH_LINES),
            parser: parser.clone(),
            read: Vec::with_capacity(BATCH_LINES),
            encoded: String::new(),
            done: Vec::with_capacity(BATCH_LINES),
            events: String::new(),
        }
    }

    /// Takes `line`'s text, giving it a buffer used before in its place.
    fn push(&mut self, number: u64, line: &mut Line) {
        let slot = self.numbers.len();
        if slot == self.lines.len() {
            self.lines.push(Line::Text(Vec::new()));
        }
        std::mem::swap(&mut self.lines[slot], line);
        self.numbers.push(number);
    }

    /// Reads the lines on `reader`, starting from the batch's parser, and encodes the events.
    fn read_on(&mut self, reader: &mut LineReader) {
        reader.set_parser(&self.parser);
        let mut encoded = std::mem::take(&mut self.encoded).into_bytes();
        encoded.clear();
        let count = self.numbers.len();
        for line in &self.lines[..count] {
            let read = match read(reader, line) {
                (Outcome::View(mut event), digest) => {
                    if digest.is_some() {
                        event.id.clear();
                    }
                    let start = encoded.len();
                    event.write_json(&mut encoded);
                    Read::Event {
                        json: start..encoded.len(),
                        kind: event.kind,
                        digest,
                    }
                }
                (Outcome::Blank, _) => Read::Done(Done::Blank),
                (Outcome::Skipped(skip), _) => Read::Done(Done::Skipped(skip)),
                (Outcome::Unparsable(reason), _) => Read::Done(Done::Unparsable(reason)),
            };
            self.read.push(read);
        }
        self.encoded = String::from_utf8(encoded).expect("JSON is UTF-8");
    }

    /// Gives the events their ids, in order, into `done` and `events`.
    fn finish(&mut self, ids: &mut LineIds) {
        for read in self.read.drain(..) {
            ids.next_line();
            let done = match read {
                Read::Done(done) => done,
                Read::Event { json, kind, digest } => {
                    let start = self.events.len();
                    let encoded = &self.encoded[json];
                    match digest {
                        Some(digest) => {
                            debug_assert!(encoded.starts_with(ID_OPENING));
                            self.events.push_str(ID_OPENING);
                            ids.write_id(digest, &mut self.events);
                            // The rest begins with the empty id's closing quote.
                            self.events.push_str(&encoded[ID_OPENING.len()..]);
                        }
                        None => self.events.push_str(encoded),
                    }
                    Done::Event {
                        json: start..self.events.len(),
                        kind,
                    }
                }
            };
            self.done.push(done);
        }
    }
}

/// One thread that reads batches, and the way to it and back.
struct Thread {
    to: Option<UnboundedSender<Batch>>,
    from: UnboundedReceiver<Batch>,
    handle: Option<JoinHandle<()>>,
}

impl Thread {
    fn start(mut reader: LineReader, number: usize) -> std::io::Result<Thread> {
        let (to, mut batches) = unbounded_channel::<Batch>();
        let (done, from) = unbounded_channel();
        let handle = std::thread::Builder::new()
            .name(format!("import-lines-{number}"))
            .spawn(move || {
                while let Some(mut batch) = batches.blocking_recv() {
                    batch.read_on(&mut reader);
                    if done.send(batch).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Thread {
            to: Some(to),
            from,
            handle: Some(handle),
        })
    }

    /// The error of a thread that stopped: its panic's message, if it panicked.
    fn stopped(&mut self) -> anyhow::Error {
        self.to = None;
        let panic = self.handle.take().and_then(|thread| thread.join().err());
        let reason = panic.and_then(|panic| match panic.downcast::<String>() {
            Ok(text) => Some(*text),
            Err(panic) => panic.downcast_ref::<&str>().map(|text| text.to_string()),
        });
        anyhow::anyhow!(
            "a thread that reads the import's lines stopped{}",
            reason.map_or(String::new(), |reason| format!(": {reason}"))
        )
    }
}

/// The threads that read lines into outcomes, and the batches on their way to them and back.
pub struct LineWorker {
    threads: Vec<Thread>,
    /// The parser as the lines handed over so far leave it.
    parser: Parser,
    ids: LineIds,
    /// The batch being filled.
    filling: Batch,
    /// Batches back from the threads, to be filled again.
    spare: Vec<Batch>,
    /// Batches handed over and those taken back, in all: the next of each goes to (comes
    /// from) thread `count % threads`.
    handed_over: usize,
    taken_back: usize,
}

impl LineWorker {
    /// Starts `threads` threads (at least one), each reading lines with a copy of `reader`.
    pub fn start(reader: LineReader, threads: usize) -> std::io::Result<Self> {
        let parser = reader.parser().clone();
        let threads = (0..threads.max(1))
            .map(|number| Thread::start(reader.clone(), number))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(LineWorker {
            threads,
            filling: Batch::new(&parser),
            parser,
            ids: LineIds::default(),
            spare: Vec::new(),
            handed_over: 0,
            taken_back: 0,
        })
    }

    fn in_flight(&self) -> usize {
        self.handed_over - self.taken_back
    }

    /// Adds `line` (its text taken, a used buffer left in its place), number `number` of
    /// `input`, first handing over the batch being filled when the line does not fit it.
    /// Returns a batch whose outcomes are ready when one had to be waited for (as many
    /// batches on their way as are let be); the caller hands it back with
    /// [`LineWorker::reuse`].
    pub async fn push(
        &mut self,
        input: &str,
        number: u64,
        line: &mut Line,
    ) -> anyhow::Result<Option<Batch>> {
        // A batch is handed over when the next line does not fit it: full, or of another input.
        let fits = self.filling.numbers.len() < BATCH_LINES && self.filling.input == input;
        let ready = match self.filling.numbers.is_empty() || fits {
            true => None,
            false => self.hand_over().await?,
        };
        if self.filling.numbers.is_empty() {
            input.clone_into(&mut self.filling.input);
        }
        if let Line::Text(text) = line {
            self.parser.follow(text);
        }
        self.filling.push(number, line);
        Ok(ready)
    }

    /// Hands over the batch being filled, even if not full, first taking back the oldest
    /// batch on its way when as many are on their way as are let be.
    async fn hand_over(&mut self) -> anyhow::Result<Option<Batch>> {
        let ready = match self.in_flight() == self.threads.len() * BATCHES_PER_THREAD {
            true => self.next_ready().await?,
            false => None,
        };
        let next = match self.spare.pop() {
            Some(mut batch) => {
                batch.parser.clone_from(&self.parser);
                batch
            }
            None => Batch::new(&self.parser),
        };
        let batch = std::mem::replace(&mut self.filling, next);
        let turn = self.handed_over % self.threads.len();
        let thread = &mut self.threads[turn];
        if thread.to.as_ref().is_none_or(|to| to.send(batch).is_err()) {
            return Err(thread.stopped());
        }
        self.handed_over += 1;
        Ok(ready)
    }

    /// Hands over what is being filled, for the caller to take every batch back with
    /// [`Self::next_ready`] until it gives none: for a pause in the input, its end, or an error.
    pub async fn hand_over_all(&mut self) -> anyhow::Result<Option<Batch>> {
        if !self.filling.numbers.is_empty() {
            if let Some(ready) = self.hand_over().await? {
                return Ok(Some(ready));
            }
        }
        self.next_ready().await
    }

    /// The oldest batch on its way, once its outcomes are ready, with their ids; none when
    /// none is on its way.
    pub async fn next_ready(&mut self) -> anyhow::Result<Option<Batch>> {
        if self.in_flight() == 0 {
            return Ok(None);
        }
        let turn = self.taken_back % self.threads.len();
        let thread = &mut self.threads[turn];
        let Some(mut batch) = thread.from.recv().await else {
            return Err(thread.stopped());
        };
        self.taken_back += 1;
        batch.finish(&mut self.ids);
        Ok(Some(batch))
    }

    /// Takes back a batch whose outcomes were used, to be filled again.
    pub fn reuse(&mut self, mut batch: Batch) {
        batch.input.clear();
        batch.numbers.clear();
        batch.done.clear();
        batch.events.clear();
        self.spare.push(batch);
    }
}

/// What `line` is on `reader`, a line too long to be kept included.
fn read(reader: &mut LineReader, line: &Line) -> (Outcome, Option<LineDigest>) {
    match line {
        Line::Text(text) => reader.line(text),
        Line::TooLong(length) => (
            Outcome::Unparsable(format!(
                "line is {length} bytes, more than the {MAX_LINE_BYTES} read"
            )),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::filter::Rules;
    use crate::import::format::LogFormat;
    use crate::import::key::{ImportKey, KEY_BYTES};
    use crate::import::Importer;
    use crate::model::zone::Zone;

    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    const IIS_FIREFOX: &str =
        "Mozilla/5.0+(X11;+Linux+x86_64;+rv:133.0)+Gecko/20100101+Firefox/133.0";

    fn reader(format: LogFormat) -> LineReader {
        LineReader::new(
            format,
            Rules::new(Vec::new(), Vec::new(), Some("example.com".into())),
            Zone::UTC,
            ImportKey::from_bytes([7; KEY_BYTES]),
        )
    }

    /// Both halves on one thread: each line read and given its id before the next.
    fn importer(format: LogFormat) -> Importer {
        Importer::from_parts(reader(format), LineIds::default())
    }

    /// Line `i` of a combined log; every third line is the one before it again, so ids count
    /// identical lines in order.
    fn combined(i: u64) -> String {
        let second = i - u64::from(i % 3 == 2);
        format!(
            "203.0.113.{} - - [13/Mar/2021:10:{:02}:{:02} +0000] \"GET /p/{} HTTP/1.1\" 200 5 \"-\" \"{FIREFOX}\"",
            second % 200,
            second / 60 % 60,
            second % 60,
            second % 7,
        )
    }

    /// Line `i` of a W3C log whose `#Fields:` line changes the order of its fields every
    /// 1,500 lines (and says nothing a view needs once, so the lines after it are unparsable).
    fn w3c(i: u64) -> String {
        let address = format!("198.51.100.{}", i % 250);
        let clock = format!("10:{:02}:{:02}", i / 60 % 60, i % 60);
        let page = format!("/w/{}", i % 11);
        match (i / 1500) % 3 {
            _ if i.is_multiple_of(1500) => {
                match (i / 1500) % 3 {
                    0 => "#Fields: date time c-ip cs-method cs-uri-stem sc-status cs(User-Agent)"
                        .into(),
                    1 => "#Fields: date time cs-uri-stem c-ip sc-status cs-method cs(User-Agent)"
                        .into(),
                    _ => "#Fields: date time".into(),
                }
            }
            0 => format!("2021-03-13 {clock} {address} GET {page} 200 {IIS_FIREFOX}"),
            _ => format!("2021-03-13 {clock} {page} {address} 200 GET {IIS_FIREFOX}"),
        }
    }

    /// The outcomes, batch by batch, with their inputs and numbers, through `threads` threads.
    async fn through_threads(
        format: LogFormat,
        text: fn(u64) -> String,
        inputs: &[(&str, u64)],
        threads: usize,
    ) -> Vec<(String, u64, String)> {
        let mut worker = LineWorker::start(reader(format), threads).unwrap();
        let mut seen = Vec::new();
        let take = |worker: &mut LineWorker, batch: Batch, seen: &mut Vec<_>| {
            for (number, done) in batch.numbers.iter().zip(&batch.done) {
                seen.push((batch.input.clone(), *number, described(done, &batch.events)));
            }
            worker.reuse(batch);
        };
        for (input, lines) in inputs {
            for number in 1..=*lines {
                let mut line = Line::Text(text(number).into_bytes());
                if let Some(batch) = worker.push(input, number, &mut line).await.unwrap() {
                    take(&mut worker, batch, &mut seen);
                }
            }
        }
        let mut next = worker.hand_over_all().await.unwrap();
        while let Some(batch) = next {
            take(&mut worker, batch, &mut seen);
            next = worker.next_ready().await.unwrap();
        }
        seen
    }

    /// A line's outcome as the import handles it: an event as its JSON, anything else as is.
    fn described(done: &Done, events: &str) -> String {
        match done {
            Done::Event { json, kind } => format!("{kind:?} {}", &events[json.clone()]),
            other => format!("{other:?}"),
        }
    }

    /// The outcomes of the same lines read by one importer, line by line.
    fn alone(
        format: LogFormat,
        text: fn(u64) -> String,
        inputs: &[(&str, u64)],
    ) -> Vec<(String, u64, String)> {
        let mut importer = importer(format);
        let mut expected = Vec::new();
        for (input, lines) in inputs {
            for number in 1..=*lines {
                let described = match importer.line(text(number).as_bytes()) {
                    Outcome::View(event) => format!("{:?} {}", event.kind, event.to_json()),
                    Outcome::Blank => format!("{:?}", Done::Blank),
                    Outcome::Skipped(skip) => format!("{:?}", Done::Skipped(skip)),
                    Outcome::Unparsable(reason) => format!("{:?}", Done::Unparsable(reason)),
                };
                expected.push((input.to_string(), number, described));
            }
        }
        expected
    }

    #[tokio::test]
    async fn outcomes_come_back_in_order_as_one_importer_reads_them() {
        let inputs = [("a.log", 5000), ("b.log", 3), ("c.log", 1024), ("d.log", 1)];
        let expected = alone(LogFormat::Combined, combined, &inputs);
        assert_eq!(expected.len(), 5000 + 3 + 1024 + 1);
        assert!(expected[1].2.contains("-2\",\"page\""), "{}", expected[1].2);
        for threads in [1, 2, 3] {
            let seen = through_threads(LogFormat::Combined, combined, &inputs, threads).await;
            assert_eq!(seen, expected, "{threads} threads");
        }
    }

    #[tokio::test]
    async fn a_fields_line_applies_to_the_lines_after_it_on_every_thread() {
        let inputs = [("u_ex210313.log", 6000)];
        let expected = alone(LogFormat::W3c, w3c, &inputs);
        let views = expected
            .iter()
            .filter(|(_, _, o)| o.starts_with("View"))
            .count();
        let unparsable = expected
            .iter()
            .filter(|(_, _, o)| o.starts_with("Unparsable"));
        // Lines 1 to 1,499 come before any #Fields line; 1,501 to 2,999 and 4,501 to 5,999 are
        // read; the #Fields line at 3,000 names no c-ip, so it and the lines up to 4,499 are not.
        assert_eq!(views, 2 * 1499);
        assert_eq!(unparsable.count(), 1499 + 1 + 1499);
        for threads in [1, 2, 4] {
            let seen = through_threads(LogFormat::W3c, w3c, &inputs, threads).await;
            assert_eq!(seen, expected, "{threads} threads");
        }
    }

    #[tokio::test]
    async fn a_line_too_long_is_unparsable() {
        let mut worker = LineWorker::start(reader(LogFormat::Combined), 2).unwrap();
        let mut long = Line::TooLong(70_000);
        assert!(worker.push("x", 1, &mut long).await.unwrap().is_none());
        let batch = worker.hand_over_all().await.unwrap().unwrap();
        assert!(
            matches!(&batch.done[..], [Done::Unparsable(reason)] if reason.contains("70000 bytes"))
        );
        worker.reuse(batch);
        assert!(worker.next_ready().await.unwrap().is_none());
    }
}
