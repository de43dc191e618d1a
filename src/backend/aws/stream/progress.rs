//! What one drain process has read of one shard and what of it is stored (pure code): the
//! records handed out and not yet done, in sequence order, so the checkpoint only ever moves
//! over records that are all stored; and the receipts that name one reading of a record.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

/// Orders two Kinesis sequence numbers (decimal strings without leading zeros, up to 129
/// digits: longer is larger, then by digits).
pub(super) fn sequence_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A receipt of one reading of one record: shard, reading generation, sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Receipt {
    pub shard: String,
    pub generation: u64,
    pub sequence: String,
}

impl Receipt {
    pub(super) fn encode(&self) -> String {
        format!("{}|{}|{}", self.shard, self.generation, self.sequence)
    }

    pub(super) fn decode(receipt: &str) -> Option<Receipt> {
        let mut parts = receipt.split('|');
        let receipt = Receipt {
            shard: parts.next()?.to_owned(),
            generation: parts.next()?.parse().ok()?,
            sequence: parts.next()?.to_owned(),
        };
        parts.next().is_none().then_some(receipt)
    }
}

/// A record handed out and not yet past the checkpoint.
#[derive(Debug)]
struct InFlight {
    sequence: String,
    done: bool,
    hidden_until: Instant,
}

/// One shard's reading in this process.
#[derive(Debug, Default)]
pub(super) struct ShardProgress {
    /// Bumped at each rewind: receipts of an earlier reading no longer count.
    generation: u64,
    /// The last record stored with all before it (durable once written to the lease).
    checkpoint: Option<String>,
    in_flight: VecDeque<InFlight>,
    /// Readings of each record not yet past the checkpoint, this process's receive count.
    readings: HashMap<String, u32>,
}

/// Why a receipt no longer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stale {
    /// The shard was read again from its checkpoint since: the record comes back.
    Reread,
    /// Not handed out by this reading (or already past the checkpoint).
    Unknown,
}

impl ShardProgress {
    pub(super) fn starting_at(checkpoint: Option<String>) -> Self {
        ShardProgress {
            checkpoint,
            ..ShardProgress::default()
        }
    }

    /// Goes on counting the receives of records read before (those past the checkpoint).
    pub(super) fn with_readings(mut self, readings: Option<HashMap<String, u32>>) -> Self {
        let checkpoint = self.checkpoint.clone();
        self.readings = readings
            .unwrap_or_default()
            .into_iter()
            .filter(|(sequence, _)| {
                checkpoint
                    .as_deref()
                    .is_none_or(|checkpoint| sequence_order(sequence, checkpoint).is_gt())
            })
            .collect();
        self
    }

    /// How often each record not yet past the checkpoint was read.
    pub(super) fn take_readings(&mut self) -> HashMap<String, u32> {
        std::mem::take(&mut self.readings)
    }

    pub(super) fn checkpoint(&self) -> Option<&str> {
        self.checkpoint.as_deref()
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Records out and not stored that are still hidden at `now` (those overdue are read
    /// again at the next receive: they count as waiting).
    pub(super) fn hidden(&self, now: Instant) -> usize {
        self.in_flight
            .iter()
            .filter(|record| !record.done && record.hidden_until > now)
            .count()
    }

    /// Records `sequence` handed out, hidden until `until`; returns its receive count.
    pub(super) fn handed_out(&mut self, sequence: &str, until: Instant) -> u32 {
        self.in_flight.push_back(InFlight {
            sequence: sequence.to_owned(),
            done: false,
            hidden_until: until,
        });
        let readings = self.readings.entry(sequence.to_owned()).or_default();
        *readings += 1;
        *readings
    }

    fn find(&mut self, receipt: &Receipt) -> Result<&mut InFlight, Stale> {
        if receipt.generation != self.generation {
            return Err(Stale::Reread);
        }
        self.in_flight
            .iter_mut()
            .find(|record| record.sequence == receipt.sequence)
            .ok_or(Stale::Unknown)
    }

    /// Marks a record stored.
    pub(super) fn done(&mut self, receipt: &Receipt) -> Result<(), Stale> {
        self.find(receipt)?.done = true;
        Ok(())
    }

    /// Hides a record until `until` (`now`: hands it back: the next receive reads the shard
    /// again from the checkpoint).
    pub(super) fn hide(&mut self, receipt: &Receipt, until: Instant) -> Result<(), Stale> {
        self.find(receipt)?.hidden_until = until;
        Ok(())
    }

    /// Moves the checkpoint over the stored records at the head; returns the new checkpoint if
    /// it moved.
    pub(super) fn advance(&mut self) -> Option<String> {
        let mut moved = None;
        while self.in_flight.front().is_some_and(|record| record.done) {
            let record = self.in_flight.pop_front().expect("a head");
            self.readings.remove(&record.sequence);
            moved = Some(record.sequence);
        }
        if let Some(sequence) = &moved {
            self.checkpoint = Some(sequence.clone());
        }
        moved
    }

    /// Whether a record not yet stored has been out longer than it was hidden for: the shard
    /// must be read again from the checkpoint, as SQS would deliver it again.
    pub(super) fn overdue(&self, now: Instant) -> bool {
        self.in_flight
            .iter()
            .any(|record| !record.done && record.hidden_until <= now)
    }

    /// Forgets what was handed out after the checkpoint (it will be read again); earlier
    /// receipts become stale.
    pub(super) fn rewind(&mut self) {
        self.generation += 1;
        self.in_flight.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;
    use std::time::Duration;

    fn receipt(progress: &ShardProgress, sequence: &str) -> Receipt {
        Receipt {
            shard: "shardId-000000000000".into(),
            generation: progress.generation(),
            sequence: sequence.into(),
        }
    }

    #[test]
    fn sequence_numbers_order_by_value() {
        assert_eq!(sequence_order("9", "10"), Ordering::Less);
        assert_eq!(
            sequence_order(
                "49590338271490256608559692538361571095921575989136588898",
                "49590338271490256608559692538361571095921575989136588899"
            ),
            Ordering::Less
        );
        assert_eq!(sequence_order("12", "12"), Ordering::Equal);
    }

    #[test]
    fn receipts_round_trip_and_refuse_other_text() {
        let receipt = Receipt {
            shard: "shardId-000000000003".into(),
            generation: 7,
            sequence: "4959".into(),
        };
        assert_eq!(Receipt::decode(&receipt.encode()), Some(receipt));
        assert_eq!(Receipt::decode("shardId-1|x|5"), None);
        assert_eq!(Receipt::decode("a|1|2|3"), None);
        assert_eq!(Receipt::decode("a|1"), None);
    }

    #[test]
    fn the_checkpoint_moves_only_over_records_all_stored() {
        let now = Instant::now();
        let mut progress = ShardProgress::starting_at(Some("1".into()));
        for sequence in ["2", "3", "4"] {
            assert_eq!(progress.handed_out(sequence, now), 1);
        }
        progress.done(&receipt(&progress, "3")).unwrap();
        assert_eq!(progress.advance(), None, "2 is not stored yet");
        assert_eq!(progress.checkpoint(), Some("1"));
        progress.done(&receipt(&progress, "2")).unwrap();
        assert_eq!(progress.advance().as_deref(), Some("3"));
        assert_eq!(progress.in_flight(), 1);
        progress.done(&receipt(&progress, "4")).unwrap();
        assert_eq!(progress.advance().as_deref(), Some("4"));
        assert_eq!(progress.in_flight(), 0);
        assert_eq!(progress.checkpoint(), Some("4"));
    }

    #[test]
    fn an_overdue_record_rewinds_and_its_old_receipts_go_stale() {
        let now = Instant::now();
        let mut progress = ShardProgress::starting_at(None);
        progress.handed_out("1", now + Duration::from_secs(30));
        progress.handed_out("2", now + Duration::from_secs(30));
        let old = receipt(&progress, "2");
        assert!(!progress.overdue(now));
        progress.hide(&receipt(&progress, "1"), now).unwrap();
        assert!(progress.overdue(now), "handed back");
        progress.rewind();
        assert_eq!(progress.done(&old), Err(Stale::Reread));
        assert_eq!(progress.checkpoint(), None);
        // Read again: the receive count goes on.
        assert_eq!(progress.handed_out("1", now), 2);
        assert_eq!(progress.handed_out("2", now), 2);
        assert_eq!(progress.done(&receipt(&progress, "9")), Err(Stale::Unknown));
    }

    #[test]
    fn only_records_not_stored_and_not_overdue_count_as_hidden() {
        let now = Instant::now();
        let mut progress = ShardProgress::starting_at(None);
        progress.handed_out("1", now + Duration::from_secs(30));
        progress.handed_out("2", now);
        progress.handed_out("3", now + Duration::from_secs(30));
        progress.done(&receipt(&progress, "3")).unwrap();
        assert_eq!(progress.hidden(now), 1);
    }

    #[test]
    fn readings_carried_to_a_new_holding_keep_counting_past_the_checkpoint_only() {
        let now = Instant::now();
        let mut first = ShardProgress::starting_at(Some("1".into()));
        first.handed_out("2", now);
        first.handed_out("3", now);
        let readings = first.take_readings();
        let mut again = ShardProgress::starting_at(Some("2".into())).with_readings(Some(readings));
        assert_eq!(again.handed_out("3", now), 2);
        assert_eq!(again.handed_out("4", now), 1);
        assert_eq!(again.take_readings().get("2"), None);
    }

    #[test]
    fn a_stored_record_is_never_overdue() {
        let now = Instant::now();
        let mut progress = ShardProgress::starting_at(None);
        progress.handed_out("1", now);
        progress.handed_out("2", now + Duration::from_secs(60));
        progress.done(&receipt(&progress, "1")).unwrap();
        assert!(!progress.overdue(now));
    }
}
