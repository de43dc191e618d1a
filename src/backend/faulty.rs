//! A fault-injecting wrapper around a backend, for tests: fails chosen calls before or after the
//! real call (an answer lost after the service acted), fails single batch entries, holds a
//! call's answer until the test lets it through (a stop arriving while a receive is under way),
//! slows calls down (a throttled table), or refuses writes holding a chosen event (an item the
//! store will never take).

use async_trait::async_trait;
use futures::stream::BoxStream;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

use super::{
    Backend, BackendError, BackendResult, BatchResults, BreakdownRow, DailyRow, DailyStore,
    DayCount, DayParts, DayStatus, DayWrite, DeadLetter, EventStore, MessageEvents, Poison, Queue,
    QueueStats, ReceiveOptions, ReceivedMessage, RedriveOutcome, StreamState, WriteOutcome,
};
use crate::model::day::{Day, DayRange};
use crate::model::dimension::Dimension;
use crate::model::event::Event;
use crate::model::parts::Part;

/// The backend calls a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Send,
    Receive,
    Delete,
    ChangeVisibility,
    DeadLetter,
    PutEvents,
    CountDay,
    PutDay,
}

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call fails with a transient error and does nothing.
    Refuse,
    /// The call does its work, then the answer is lost: the caller sees a transient error.
    LoseAnswer,
    /// Batch calls (send, delete, release) answer, but with every entry failed; nothing is done.
    FailEntries,
}

#[derive(Debug, Clone)]
struct Rule {
    op: Op,
    fault: Fault,
    remaining: u32,
}

/// One call's answer, held after the service acted and before the caller sees it.
#[derive(Debug, Default)]
pub struct Hold {
    reached: Notify,
    released: Notify,
}

impl Hold {
    /// Resolves once the held call has done its work and waits for [`Hold::release`].
    pub async fn reached(&self) {
        self.reached.notified().await;
    }

    /// Lets the held answer through (now, or as soon as the call gets there).
    pub fn release(&self) {
        self.released.notify_one();
    }

    /// `notify_one` keeps a permit when nobody waits yet, so neither side can miss the other.
    async fn hold(&self) {
        self.reached.notify_one();
        self.released.notified().await;
    }
}

#[derive(Debug)]
struct HoldRule {
    op: Op,
    /// Calls of `op` to let through before the one that is held.
    skip: u32,
    hold: Arc<Hold>,
}

/// The next `remaining` calls of `op` take `delay` longer before they act.
#[derive(Debug, Clone)]
struct DelayRule {
    op: Op,
    delay: Duration,
    remaining: u32,
}

/// Which faults to inject: scripted ones (the next N calls of an op), then random ones.
#[derive(Debug)]
pub struct FaultPlan {
    rules: Mutex<Vec<Rule>>,
    holds: Mutex<Vec<HoldRule>>,
    delays: Mutex<Vec<DelayRule>>,
    /// Event ids whose writes the store refuses, as DynamoDB refuses an invalid item.
    refused_ids: Mutex<Vec<String>>,
    random: Mutex<Option<(f64, ChaCha8Rng)>>,
    injected: Mutex<u64>,
    /// Calls that could have been faulted.
    calls: Mutex<u64>,
}

impl FaultPlan {
    pub fn new() -> Arc<Self> {
        Arc::new(FaultPlan {
            rules: Mutex::new(Vec::new()),
            holds: Mutex::new(Vec::new()),
            delays: Mutex::new(Vec::new()),
            refused_ids: Mutex::new(Vec::new()),
            random: Mutex::new(None),
            injected: Mutex::new(0),
            calls: Mutex::new(0),
        })
    }

    /// Injects `fault` into the next `times` calls of `op`.
    pub fn inject(&self, op: Op, fault: Fault, times: u32) {
        lock(&self.rules).push(Rule {
            op,
            fault,
            remaining: times,
        });
    }

    /// Holds the answer of the call of `op` that comes after `skip` others, once the real call
    /// has done its work, until the returned hold is released.
    pub fn hold(&self, op: Op, skip: u32) -> Arc<Hold> {
        let hold = Arc::new(Hold::default());
        lock(&self.holds).push(HoldRule {
            op,
            skip,
            hold: hold.clone(),
        });
        hold
    }

    /// Makes the next `times` calls of `op` wait `delay` before they act (a slow or throttled
    /// service: the call succeeds, late).
    pub fn delay(&self, op: Op, delay: Duration, times: u32) {
        lock(&self.delays).push(DelayRule {
            op,
            delay,
            remaining: times,
        });
    }

    /// Refuses, for good, every write of events that holds an event with this id: the
    /// store's answer to an item it will never take (DynamoDB's ValidationException).
    pub fn refuse_event(&self, id: &str) {
        lock(&self.refused_ids).push(id.to_owned());
    }

    /// Besides scripted faults, faults `rate` of all calls at random (refused or answer lost).
    pub fn random(&self, rate: f64, seed: u64) {
        *lock(&self.random) = Some((rate, ChaCha8Rng::seed_from_u64(seed)));
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> u64 {
        *lock(&self.injected)
    }

    /// How many calls could have been faulted so far (those faulted included).
    pub fn calls(&self) -> u64 {
        *lock(&self.calls)
    }

    fn next_hold(&self, op: Op) -> Option<Arc<Hold>> {
        let mut holds = lock(&self.holds);
        let index = holds.iter().position(|rule| rule.op == op)?;
        let rule = &mut holds[index];
        if rule.skip > 0 {
            rule.skip -= 1;
            return None;
        }
        Some(holds.remove(index).hold)
    }

    fn next_delay(&self, op: Op) -> Option<Duration> {
        let mut delays = lock(&self.delays);
        let rule = delays
            .iter_mut()
            .find(|rule| rule.op == op && rule.remaining > 0)?;
        rule.remaining -= 1;
        Some(rule.delay)
    }

    fn refused_in<'a>(&self, mut events: impl Iterator<Item = &'a Event>) -> Option<String> {
        let refused = lock(&self.refused_ids);
        events
            .find(|event| refused.contains(&event.id))
            .map(|event| event.id.clone())
    }

    fn next_fault(&self, op: Op) -> Option<Fault> {
        *lock(&self.calls) += 1;
        let scripted = {
            let mut rules = lock(&self.rules);
            let rule = rules
                .iter_mut()
                .find(|rule| rule.op == op && rule.remaining > 0);
            rule.map(|rule| {
                rule.remaining -= 1;
                rule.fault
            })
        };
        let fault = scripted.or_else(|| {
            let mut random = lock(&self.random);
            let (rate, rng) = random.as_mut()?;
            if !rng.gen_bool(*rate) {
                return None;
            }
            Some(if rng.gen_bool(0.5) {
                Fault::Refuse
            } else {
                Fault::LoseAnswer
            })
        });
        if fault.is_some() {
            *lock(&self.injected) += 1;
        }
        fault
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn injected(op: Op) -> BackendError {
    BackendError::transient(format!("injected fault in {op:?}"))
}

/// Wraps every part of `backend` so that `plan` decides which calls fail.
pub fn wrap(backend: Backend, plan: Arc<FaultPlan>) -> Backend {
    let faulty = Arc::new(Faulty {
        inner: backend.clone(),
        plan,
    });
    Backend {
        queue: faulty.clone(),
        events: faulty.clone(),
        daily: faulty,
        ..backend
    }
}

struct Faulty {
    inner: Backend,
    plan: Arc<FaultPlan>,
}

impl Faulty {
    /// Runs `call` under the plan's fault for `op`. Entry failures are handled by the batch
    /// calls themselves; elsewhere they act as a refusal.
    async fn guard<T>(
        &self,
        op: Op,
        call: impl std::future::Future<Output = BackendResult<T>>,
    ) -> BackendResult<T> {
        let hold = self.plan.next_hold(op);
        if let Some(delay) = self.plan.next_delay(op) {
            tokio::time::sleep(delay).await;
        }
        let result = match self.plan.next_fault(op) {
            None => call.await,
            Some(Fault::Refuse | Fault::FailEntries) => Err(injected(op)),
            Some(Fault::LoseAnswer) => match call.await {
                Ok(_) => Err(injected(op)),
                Err(err) => Err(err),
            },
        };
        if let Some(hold) = hold {
            hold.hold().await;
        }
        result
    }

    async fn guard_batch(
        &self,
        op: Op,
        entries: usize,
        call: impl std::future::Future<Output = BatchResults>,
    ) -> BatchResults {
        match self.plan.next_fault(op) {
            None => call.await,
            Some(Fault::Refuse) => Err(injected(op)),
            Some(Fault::FailEntries) => Ok((0..entries).map(|_| Err(injected(op))).collect()),
            Some(Fault::LoseAnswer) => {
                call.await?;
                Err(injected(op))
            }
        }
    }
}

#[async_trait]
impl Queue for Faulty {
    fn batch_limit(&self) -> usize {
        self.inner.queue.batch_limit()
    }

    fn batch_bytes(&self) -> usize {
        self.inner.queue.batch_bytes()
    }

    async fn send_batch(&self, bodies: &[String]) -> BatchResults {
        self.guard_batch(Op::Send, bodies.len(), self.inner.queue.send_batch(bodies))
            .await
    }

    async fn receive(&self, options: ReceiveOptions) -> BackendResult<Vec<ReceivedMessage>> {
        self.guard(Op::Receive, self.inner.queue.receive(options))
            .await
    }

    async fn delete_batch(&self, receipts: &[String]) -> BatchResults {
        self.guard_batch(
            Op::Delete,
            receipts.len(),
            self.inner.queue.delete_batch(receipts),
        )
        .await
    }

    async fn change_visibility(&self, receipts: &[String], timeout: Duration) -> BatchResults {
        self.guard_batch(
            Op::ChangeVisibility,
            receipts.len(),
            self.inner.queue.change_visibility(receipts, timeout),
        )
        .await
    }

    async fn visibility_timeout(&self) -> BackendResult<Duration> {
        self.inner.queue.visibility_timeout().await
    }

    async fn send_dead_letter(&self, poison: &Poison) -> BackendResult<()> {
        self.guard(Op::DeadLetter, self.inner.queue.send_dead_letter(poison))
            .await
    }

    async fn stats(&self) -> BackendResult<QueueStats> {
        self.inner.queue.stats().await
    }

    // Operator commands, not the pipeline: forwarded without faults.
    async fn list_dead_letters(&self, limit: usize) -> BackendResult<Vec<DeadLetter>> {
        self.inner.queue.list_dead_letters(limit).await
    }

    async fn redrive_dead_letters(&self) -> BackendResult<RedriveOutcome> {
        self.inner.queue.redrive_dead_letters().await
    }

    async fn purge_dead_letters(&self) -> BackendResult<u64> {
        self.inner.queue.purge_dead_letters().await
    }

    async fn finish_reading(&self) -> BackendResult<()> {
        self.inner.queue.finish_reading().await
    }

    async fn stream_state(&self) -> BackendResult<Option<StreamState>> {
        self.inner.queue.stream_state().await
    }
}

#[async_trait]
impl EventStore for Faulty {
    async fn put_events(&self, messages: &[MessageEvents]) -> BackendResult<WriteOutcome> {
        if let Some(id) = self.plan.refused_in(MessageEvents::all(messages)) {
            *lock(&self.plan.injected) += 1;
            return Err(BackendError::invalid(format!(
                "injected: ValidationException: the item holding event {id} is refused"
            )));
        }
        self.guard(Op::PutEvents, self.inner.events.put_events(messages))
            .await
    }

    async fn count_day(&self, day: Day) -> BackendResult<DayCount> {
        self.guard(Op::CountDay, self.inner.events.count_day(day))
            .await
    }

    async fn event_count(&self) -> BackendResult<u64> {
        self.inner.events.event_count().await
    }

    fn day_events(&self, day: Day, chunk: usize) -> BoxStream<'_, BackendResult<Vec<Event>>> {
        self.inner.events.day_events(day, chunk)
    }

    async fn delete_day(&self, day: Day, version: u64) -> BackendResult<Option<u64>> {
        self.inner.events.delete_day(day, version).await
    }

    async fn record_day(&self, day: Day, version: u64) -> BackendResult<bool> {
        self.inner.events.record_day(day, version).await
    }

    async fn count_part(&self, day: Day, part: Part) -> BackendResult<DayCount> {
        self.guard(Op::CountDay, self.inner.events.count_part(day, part))
            .await
    }

    async fn put_part(&self, day: Day, part: Part, count: &DayCount) -> BackendResult<()> {
        self.guard(Op::PutDay, self.inner.events.put_part(day, part, count))
            .await
    }

    async fn read_parts(&self, day: Day, parts: u32) -> BackendResult<DayParts> {
        self.inner.events.read_parts(day, parts).await
    }

    async fn read_part_counts(
        &self,
        day: Day,
        parts: u32,
    ) -> BackendResult<Vec<Option<crate::model::count::Tally>>> {
        self.inner.events.read_part_counts(day, parts).await
    }
}

#[async_trait]
impl DailyStore for Faulty {
    async fn put_day(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite> {
        self.guard(Op::PutDay, self.inner.daily.put_day(day, count))
            .await
    }

    async fn read_rows(&self, range: DayRange, page: Option<&str>) -> BackendResult<Vec<DailyRow>> {
        self.inner.daily.read_rows(range, page).await
    }

    async fn read_breakdown(
        &self,
        range: DayRange,
        dimension: Option<Dimension>,
    ) -> BackendResult<Vec<BreakdownRow>> {
        self.inner.daily.read_breakdown(range, dimension).await
    }

    async fn day_statuses(&self, range: Option<DayRange>) -> BackendResult<Vec<DayStatus>> {
        self.inner.daily.day_statuses(range).await
    }
}
