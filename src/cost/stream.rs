//! A Kinesis data stream as the queue: what a day of traffic puts on the stream in each
//! capacity mode, how many shards it needs, and what the drains' leases and checkpoints
//! write to and read from the daily table. Pure arithmetic.
//!
//! `send` and `collect` put the same packed messages on a stream as on SQS, one record each,
//! so the records of a day are the messages of a day; what differs is how they are billed.

use super::sizes::message_bytes;

/// A provisioned stream bills each record in PUT payload units of 25 KB (taken as 1,024-byte
/// KB, as AWS counts the on-demand 1 KB below).
pub const PAYLOAD_UNIT_BYTES: u64 = 25 * 1024;
/// An on-demand stream bills each record written or read rounded up to 1 KB (1,024 bytes).
pub const ON_DEMAND_RECORD_UNIT_BYTES: u64 = 1024;
/// On-demand data is billed per GB; with 1,024-byte KB, a GB is 1,024^3 bytes.
pub const ON_DEMAND_GB_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;
/// A shard takes 1 MB/s or 1,000 records/s of writes, and gives 2 MB/s of reads shared by
/// its consumers (the drains: each record is read once).
pub const SHARD_WRITE_BYTES_PER_SECOND: f64 = 1024.0 * 1024.0;
pub const SHARD_WRITE_RECORDS_PER_SECOND: f64 = 1000.0;
pub const SHARD_READ_BYTES_PER_SECOND: f64 = 2.0 * 1024.0 * 1024.0;
/// An on-demand stream starts with 4 MB/s (4 shards) of write capacity and grows with the
/// traffic: the shards whose leases the drains keep.
pub const ON_DEMAND_MIN_SHARDS: u64 = 4;
/// A drain renews each lease it holds at half the visibility timeout (300 s by default).
pub const LEASE_RENEWAL_SECONDS: u64 = 150;
/// Every drain process says it is alive (a PutItem) and reads who else is (a Query) and
/// the leases (a Query) this often.
pub const HEARTBEAT_SECONDS: u64 = 10;
/// A lease item (shard id, owner, expiry, a 56-digit checkpoint, finished) stays under this:
/// what the leases Query reads per shard.
pub const LEASE_ITEM_BYTES: u64 = 200;
/// A drain stores at most this many records as one group, and checkpoints after it.
pub const MAX_RECORDS_PER_CHECKPOINT: u64 = 250;
const READ_UNIT_BYTES: u64 = 4096;
const SECONDS_PER_DAY: u64 = 86_400;

/// How the pipeline uses the stream in a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamDay {
    pub events: u64,
    pub wire_bytes: u64,
    pub events_per_message: u64,
    /// `drain --follow` processes sharing the shards (each heartbeats).
    pub drain_workers: u64,
    /// Records stored between two checkpoints of a shard.
    pub records_per_checkpoint: u64,
}

/// What a day puts on the stream, in each mode's billing unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamTraffic {
    pub records: u64,
    pub bytes: u64,
    /// Provisioned: 25 KB units, each record rounded up on its own.
    pub payload_units: u64,
    /// On-demand: KB written (and read), each record rounded up on its own.
    pub billed_kib: u64,
}

/// What the drains write and read in the daily table for their leases in a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseDay {
    pub checkpoints: u64,
    pub renewals: u64,
    pub heartbeats: u64,
    /// Read units of the two Queries of each heartbeat (strongly consistent).
    pub read_units: u64,
}

impl LeaseDay {
    /// Every write is an item under 1 KB: one write unit each.
    pub fn write_units(&self) -> u64 {
        self.checkpoints + self.renewals + self.heartbeats
    }
}

/// PUT payload units of a record of `bytes` (at least one).
pub fn payload_units(bytes: u64) -> u64 {
    bytes.div_ceil(PAYLOAD_UNIT_BYTES).max(1)
}

/// KB an on-demand stream bills for a record of `bytes` (at least one).
pub fn on_demand_kib(bytes: u64) -> u64 {
    bytes.div_ceil(ON_DEMAND_RECORD_UNIT_BYTES).max(1)
}

impl StreamDay {
    /// The day's records: full messages, then one with the events left over.
    pub fn traffic(&self) -> StreamTraffic {
        let epm = self.events_per_message.max(1);
        let full_records = self.events / epm;
        let full_body = message_bytes(epm, self.wire_bytes, epm);
        let mut traffic = StreamTraffic {
            records: full_records,
            bytes: full_records * full_body,
            payload_units: full_records * payload_units(full_body),
            billed_kib: full_records * on_demand_kib(full_body),
        };
        let leftover = self.events % epm;
        if leftover > 0 {
            let body = message_bytes(leftover, self.wire_bytes, epm);
            traffic.records += 1;
            traffic.bytes += body;
            traffic.payload_units += payload_units(body);
            traffic.billed_kib += on_demand_kib(body);
        }
        traffic
    }

    /// Shards a provisioned stream needs for the day's mean rate: the most of its writes in
    /// bytes, its writes in records and its reads, whole, at least one.
    pub fn shards_needed(&self) -> u64 {
        let traffic = self.traffic();
        let per_second = |count: u64| count as f64 / SECONDS_PER_DAY as f64;
        let needs = [
            per_second(traffic.bytes) / SHARD_WRITE_BYTES_PER_SECOND,
            per_second(traffic.records) / SHARD_WRITE_RECORDS_PER_SECOND,
            per_second(traffic.bytes) / SHARD_READ_BYTES_PER_SECOND,
        ];
        let most = needs.into_iter().fold(0.0, f64::max);
        (most.ceil() as u64).max(1)
    }

    /// The leases of `shards` shards through a day: a checkpoint per group of records
    /// stored, a renewal per held shard every 150 s, a heartbeat per drain every 10 s with
    /// its two Queries (who is alive; every lease, `LEASE_ITEM_BYTES` a shard).
    pub fn leases(&self, shards: u64) -> LeaseDay {
        let records = self.traffic().records;
        let heartbeats = self.drain_workers * (SECONDS_PER_DAY / HEARTBEAT_SECONDS);
        let leases_query = (shards * LEASE_ITEM_BYTES).div_ceil(READ_UNIT_BYTES).max(1);
        LeaseDay {
            checkpoints: records.div_ceil(self.records_per_checkpoint.max(1)),
            renewals: shards * (SECONDS_PER_DAY / LEASE_RENEWAL_SECONDS),
            heartbeats,
            read_units: heartbeats * (1 + leases_query),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default workload: 10,000 events of 134 bytes, 485 a message.
    fn day(events: u64, records_per_checkpoint: u64) -> StreamDay {
        StreamDay {
            events,
            wire_bytes: 134,
            events_per_message: 485,
            drain_workers: 1,
            records_per_checkpoint,
        }
    }

    #[test]
    fn payload_units_round_each_record_up_to_25_kb() {
        assert_eq!(payload_units(0), 1);
        assert_eq!(payload_units(1), 1);
        assert_eq!(payload_units(25_600), 1);
        assert_eq!(payload_units(25_601), 2);
        // A full 64 KiB message (65,476 bytes) is 2.56 units: 3.
        assert_eq!(payload_units(65_476), 3);
    }

    #[test]
    fn on_demand_rounds_each_record_up_to_1_kb() {
        assert_eq!(on_demand_kib(1), 1);
        assert_eq!(on_demand_kib(1_024), 1);
        assert_eq!(on_demand_kib(1_025), 2);
        // 4.5 KB counts as 5 KB (AWS's own example).
        assert_eq!(on_demand_kib(4_608), 5);
        assert_eq!(on_demand_kib(65_476), 64);
    }

    #[test]
    fn a_default_day_of_records() {
        // 10,000 / 485: 20 full messages of 485 x 135 + 1 = 65,476 B and one of 300 events,
        // 300 x 135 + 1 = 40,501 B. Payload units: 20 x 3 + 2 (40,501 / 25,600 = 1.58).
        // KB: 20 x 64 (65,476 / 1,024 = 63.9) + 40 (39.6).
        let traffic = day(10_000, 1).traffic();
        assert_eq!(
            traffic,
            StreamTraffic {
                records: 21,
                bytes: 20 * 65_476 + 40_501,
                payload_units: 62,
                billed_kib: 1_320,
            }
        );
    }

    #[test]
    fn shards_needed_follow_the_largest_need() {
        // 10,000 events a day: 1,350,021 B, far under a shard: at least 1.
        assert_eq!(day(10_000, 1).shards_needed(), 1);
        // 1,000,000,000 a day: 2,061,855 full records of 65,476 B and one of 325 events
        // (43,876 B) = 135,002,061,856 B/day = 1,562,524 B/s = 1.49 MiB/s: 2 shards; 23.9
        // records/s and 0.75 of a shard's 2 MiB/s of reads need fewer.
        let big = day(1_000_000_000, 1);
        assert_eq!(big.traffic().records, 2_061_856);
        assert_eq!(big.traffic().bytes, 135_002_061_856);
        assert_eq!(big.shards_needed(), 2);
        // Unpacked, 1,000,000,000 records of 134 B a day are 11,574 records/s: 12 shards for
        // the records, where the 1.5 MB/s of bytes need 2.
        let unpacked = StreamDay {
            events_per_message: 1,
            ..big
        };
        assert_eq!(unpacked.shards_needed(), 12);
    }

    #[test]
    fn checkpoint_and_lease_writes() {
        // 21 records, each stored and checkpointed on its own: 21 checkpoints; 2 shards
        // renewed every 150 s: 2 x 576 = 1,152; one drain's heartbeat every 10 s: 8,640.
        let leases = day(10_000, 1).leases(2);
        assert_eq!(
            leases,
            LeaseDay {
                checkpoints: 21,
                renewals: 1_152,
                heartbeats: 8_640,
                // Two Queries each of 1 read unit (2 x 200 B of leases).
                read_units: 17_280,
            }
        );
        assert_eq!(leases.write_units(), 9_813);
        // Groups of up to 250 records: 2,061,856 / 250 = 8,247.4 -> 8,248 checkpoints.
        assert_eq!(day(1_000_000_000, 250).leases(2).checkpoints, 8_248);
        // 100 shards' leases are 20,000 B, 5 read units a Query: 8,640 x (1 + 5).
        assert_eq!(day(10_000, 1).leases(100).read_units, 51_840);
    }
}
