//! Benchmark (pure computation, no AWS): what the packed layout costs per event for each item
//! size, with the items `pageviews` really builds. Events come from `send`'s generator, are
//! packed into queue messages as `send` packs them (64 KiB), and each message's events are
//! packed into raw items as the drain packs them; write units, storage and BatchWriteItem calls
//! are computed from the items' sizes by DynamoDB's rules. Then the CPU side of one shard: how
//! fast the drain packs events and a count reads them back (decoding, removing duplicates,
//! counting views and visitors), and the memory a count of one shard holds, measured by a
//! counting allocator. Run with `cargo bench --bench packing`
//! (`PAGEVIEWS_PACKING_SHARD_EVENTS=N` for one shard of N events only).

use pageviews::backend::aws::layout::{
    each_event, item_bytes, pack_messages, Item, Sharding, PACKED_ITEM_BYTES,
};
use pageviews::backend::aws::DeploymentConfig;
use pageviews::backend::MessageEvents;
use pageviews::cost::sizes::raw_item_bytes;
use pageviews::model::count::DayCounter;
use pageviews::model::day::{Day, DayRange};
use pageviews::model::event::{Event, Packer};
use pageviews::model::seen::SeenIds;
use pageviews::model::zone::Zone;
use pageviews::pipeline::send::MESSAGE_BYTES;
use pageviews::synth::Synth;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const DAY: &str = "2021-03-13";

/// The system allocator, counting the bytes held now and at most since the last reset.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;
/// DynamoDB bills storage per item as its size plus 100 bytes.
const ITEM_OVERHEAD: usize = 100;

struct Scenario {
    name: &'static str,
    events: u64,
    pages: usize,
    visitors: Option<u64>,
    /// Pages as long as this (bytes), instead of the generator's own short paths.
    page_bytes: Option<usize>,
    shards: u32,
}

/// The events of `scenario`, in the messages `send` would put them in.
fn messages(scenario: &Scenario) -> Vec<MessageEvents> {
    let range = DayRange::single(Day::parse(DAY).unwrap());
    let synth =
        Synth::new(scenario.events, range, scenario.pages, 1).with_visitors(scenario.visitors);
    let mut packer = Packer::new(MESSAGE_BYTES, usize::MAX);
    let mut messages = Vec::new();
    let mut current: Vec<Event> = Vec::new();
    for mut event in synth {
        if let Some(width) = scenario.page_bytes {
            let rank = event.page.trim_start_matches("/posts/post-");
            event.page = format!("/posts/2021/03/{rank:0>w$}", w = width - 15);
        }
        if packer.push(&event).is_some() {
            messages.push(std::mem::take(&mut current));
        }
        current.push(event);
    }
    messages.push(current);
    messages
        .into_iter()
        .enumerate()
        .map(|(i, events)| MessageEvents {
            // An SQS message id: a UUID.
            source: format!("{:08x}-7c1e-4a6b-9a7e-{:012x}", i, i * 7919),
            events: events.into(),
        })
        .collect()
}

fn per_thousand(value: f64, events: u64) -> f64 {
    value * 1000.0 / events as f64
}

fn run(scenario: &Scenario) {
    let messages = messages(scenario);
    let config = DeploymentConfig {
        shards: scenario.shards,
        retention_days: 400,
        zone: Zone::UTC,
    };
    let events: Vec<&Event> = messages.iter().flat_map(|m| m.events.iter()).collect();
    let count = events.len() as u64;
    let old_bytes: usize = events
        .iter()
        .map(|e| {
            raw_item_bytes(e.page.len() as u64, e.id.len() as u64) as usize
                + e.visitor.as_ref().map_or(0, |v| 1 + v.len())
        })
        .sum();
    let old_units: u64 = events
        .iter()
        .map(|e| {
            (raw_item_bytes(e.page.len() as u64, e.id.len() as u64) as usize
                + e.visitor.as_ref().map_or(0, |v| 1 + v.len()))
            .div_ceil(1024) as u64
        })
        .sum();
    println!(
        "\n{}: {} events in {} messages, {} shards; mean page {:.1} B, id {:.1} B{}",
        scenario.name,
        count,
        messages.len(),
        scenario.shards,
        events.iter().map(|e| e.page.len()).sum::<usize>() as f64 / count as f64,
        events.iter().map(|e| e.id.len()).sum::<usize>() as f64 / count as f64,
        if scenario.visitors.is_some() {
            ", visitor keys of 16 hex digits"
        } else {
            ""
        },
    );
    println!(
        "  one item per event (before): {:>7.1} WCU, {:>6.1} items, {:>5.1} BatchWriteItem calls per 1,000 events; {:>5.1} B stored per event",
        per_thousand(old_units as f64, count),
        1000.0,
        40.0,
        (old_bytes + ITEM_OVERHEAD * count as usize) as f64 / count as f64,
    );
    println!(
        "  {:>8} {:>9} {:>9} {:>9} {:>12} {:>15}",
        "item ≤", "WCU/1k", "items/1k", "calls/1k", "B/event", "event B inside"
    );
    for kilobytes in [1usize, 2, 4, 8, 16, 32, 64] {
        let size = kilobytes * 1024;
        // Per message, as the drain writes them (one put per message here: the cost is the same
        // per item whichever group of messages a write holds).
        let mut units = 0;
        let mut items = 0;
        let mut bytes = 0;
        let mut calls = 0;
        let mut blob = 0;
        for message in &messages {
            let packed = pack_messages(
                std::slice::from_ref(message),
                &config,
                1_615_600_000,
                size,
                |_| Sharding::ByVisitor,
            );
            calls += packed.items.len();
            for item in &packed.items {
                let size = item_bytes(item);
                units += size.div_ceil(1024);
                bytes += size + ITEM_OVERHEAD;
                blob += item["e"].as_b().unwrap().as_ref().len();
                items += 1;
            }
        }
        let mark = if size == PACKED_ITEM_BYTES {
            "  <- PACKED_ITEM_BYTES"
        } else {
            ""
        };
        println!(
            "  {:>5} KB {:>9.1} {:>9.1} {:>9.2} {:>12.1} {:>15.1}{mark}",
            kilobytes,
            per_thousand(units as f64, count),
            per_thousand(items as f64, count),
            per_thousand(calls.div_ceil(25) as f64, count),
            bytes as f64 / count as f64,
            blob as f64 / count as f64,
        );
    }
}

/// One shard's day: `events` events with visitor keys, each stored `copies` times (in as many
/// messages), packed and then counted.
fn one_shard(events: u64, copies: usize) {
    let scenario = Scenario {
        name: "",
        events,
        pages: 500,
        visitors: Some(events * 3 / 10),
        page_bytes: Some(30),
        shards: 1,
    };
    let messages = messages(&scenario);
    let config = DeploymentConfig {
        shards: 1,
        retention_days: 400,
        zone: Zone::UTC,
    };
    let started = Instant::now();
    let mut items: Vec<Item> = Vec::new();
    for copy in 0..copies {
        for message in &messages {
            let copied = MessageEvents {
                source: format!("{}-{copy}", message.source),
                events: message.events.clone(),
            };
            let by_visitor = |_| Sharding::ByVisitor;
            items.extend(
                pack_messages(
                    &[copied],
                    &config,
                    1_615_600_000,
                    PACKED_ITEM_BYTES,
                    by_visitor,
                )
                .items,
            );
        }
    }
    let packing = started.elapsed().as_secs_f64();
    let stored = events * copies as u64;
    let held_before = HELD.load(Ordering::Relaxed);
    PEAK.store(held_before, Ordering::Relaxed);
    let started = Instant::now();
    let mut seen = SeenIds::default();
    let mut counter = DayCounter::new(Zone::UTC, Day::parse(DAY).unwrap());
    for item in &items {
        each_event(item, 0, |event| {
            if seen.insert(event.id) {
                counter.add(&event.event);
            }
        })
        .unwrap();
    }
    let seen_bytes = seen.bytes();
    let peak = PEAK.load(Ordering::Relaxed) - held_before;
    let tally = counter.finish();
    let counting = started.elapsed().as_secs_f64();
    drop(seen);
    assert_eq!(tally.views(), events);
    println!(
        "  {} events stored {} time(s), {} items: packed at {:.0} events/s; counted at {:.0} \
         events/s ({:.0} items/s), {} views and {} visitors; the count held at most {:.1} MB \
         ({:.0} B an event), the ids seen {:.1} MB ({:.1} B an id)",
        events,
        copies,
        items.len(),
        stored as f64 / packing,
        stored as f64 / counting,
        items.len() as f64 / counting,
        tally.views(),
        tally.visitors,
        peak as f64 / 1e6,
        peak as f64 / events as f64,
        seen_bytes as f64 / 1e6,
        seen_bytes as f64 / events as f64,
    );
}

fn main() {
    println!("One shard on one core (realistic sizes, 500 pages, 30% distinct visitors):");
    // PAGEVIEWS_PACKING_SHARD_EVENTS=N counts one shard of N events only: a part of a large
    // day (16 million events: a billion views a day in 64 parts, docs/scaling.md).
    if let Ok(events) = std::env::var("PAGEVIEWS_PACKING_SHARD_EVENTS") {
        let events = events
            .parse()
            .expect("PAGEVIEWS_PACKING_SHARD_EVENTS: a whole number");
        one_shard(events, 1);
        return;
    }
    for (events, copies) in [(1_000_000, 1), (1_000_000, 2), (4_000_000, 1)] {
        one_shard(events, copies);
    }
    for scenario in [
        Scenario {
            name: "the AWS benchmark's day (send --count 10000 --pages 50 --seed 1)",
            events: 10_000,
            pages: 50,
            visitors: None,
            page_bytes: None,
            shards: 8,
        },
        Scenario {
            name: "realistic sizes (30-byte pages, 22-byte ids, visitor keys), 100 pages",
            events: 100_000,
            pages: 100,
            visitors: Some(30_000),
            page_bytes: Some(30),
            shards: 8,
        },
        Scenario {
            name: "realistic sizes, 32 shards",
            events: 100_000,
            pages: 100,
            visitors: Some(30_000),
            page_bytes: Some(30),
            shards: 32,
        },
    ] {
        run(&scenario);
    }
}
