//! The event ids a count has seen, exactly, in little memory (pure code): where a store keeps
//! copies of an event (DynamoDB's packed items: the same event in two messages), the count keeps
//! the first and skips the others.
//!
//! Each id is kept once, whole, in blocks of 1 MiB (its length, then its bytes), and found again
//! by 32 bits of a hash of it: a map from each hash to where its first id sits. Two ids of one
//! hash (about n / 2^32 of them among n ids: a few hundred in ten million) are told apart by
//! comparing the ids; the second is kept whole in a set of its own. So the answer is exact, and
//! an id costs its length and one byte in the blocks, plus 9 bytes a bucket of the map, which
//! keeps between 7/16 and 7/8 of its buckets full: 33 to 44 bytes for a 22-byte id (and for a
//! moment twice the map while it grows). [`SeenIds::bytes`] says what it holds.

use foldhash::fast::FixedState;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use crate::model::visitor_numbers::hex_number;

/// Ids are kept in blocks of this many bytes, so the buffer never doubles (nor copies) as it
/// grows: a block is filled, then the next one begun.
const BLOCK_BYTES: usize = 1 << 20;
/// Blocks of one count: 4 GiB of ids, about 180 million of 22 bytes.
const MAX_BLOCKS: usize = 1 << 12;

/// The map's keys are 32 bits of the id's hash already: spread over the 64 bits hashbrown looks
/// at (its control bytes come from the top ones), without hashing them again.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.0 = u64::from(value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Ids seen so far; see the module's description.
#[derive(Default)]
pub struct SeenIds {
    /// Where the first id of each 32-bit hash is kept: block (high 12 bits), then place.
    first: HashMap<u32, u32, BuildHasherDefault<Prehashed>>,
    blocks: Vec<Vec<u8>>,
    /// Ids whose hash is another's, kept whole.
    others: HashSet<Box<[u8]>>,
}

impl SeenIds {
    /// Whether `id` is new (and now seen). Ids are 1 to 65,535 bytes: an event's id is at most
    /// 256 (`event::validate_id`).
    pub fn insert(&mut self, id: &str) -> bool {
        self.insert_bytes(id.as_bytes())
    }

    /// Whether the key `id` is new (and now seen): an id's bytes, or a beacon's key
    /// (`beacon_key`).
    pub fn insert_bytes(&mut self, id: &[u8]) -> bool {
        match self.first.entry(hash_of(id)) {
            Entry::Vacant(slot) => {
                slot.insert(keep(&mut self.blocks, id));
                true
            }
            Entry::Occupied(slot) => {
                if stored(&self.blocks, *slot.get()) == id {
                    false
                } else {
                    self.others.insert(id.into())
                }
            }
        }
    }

    /// Distinct ids seen. (Nothing asks whether none were: no `is_empty`.)
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.first.len() + self.others.len()
    }

    /// Heap bytes held: the map's buckets and control bytes, the blocks, the whole ids.
    pub fn bytes(&self) -> usize {
        let buckets = (self.first.capacity() * 8).div_ceil(7).next_power_of_two();
        buckets * (std::mem::size_of::<(u32, u32)>() + 1)
            + self.blocks.iter().map(Vec::capacity).sum::<usize>()
            + self
                .others
                .iter()
                .map(|id| id.len() + 2 * std::mem::size_of::<usize>() + 1)
                .sum::<usize>()
    }
}

/// The key a count keeps an engagement beacon under: its id and the visitor key it came with,
/// built in `scratch`. A beacon is counted once per visitor it came from, so that every range
/// of visitors counts its own beacons whatever the others hold (a day counted in parts is the
/// sum of its parts, `model::parts`); the same beacon replayed from another address (another
/// visitor key) counts for that visitor too.
///
/// A collected beacon's id (`p`, 16 hex digits, `.`, its number) with a collected visitor key
/// (16 hex digits) is kept as their 8 bytes each and the number's digits after a tag byte: 18
/// bytes for the 35 of the two texts with a one-digit number (a day's beacons are about half
/// its events, and their keys most of a count's memory). Any other is the id and the key as
/// text with a newline between, after another tag byte. Ids and keys hold no control
/// characters, so the two shapes never meet and no two beacons share a key.
pub fn beacon_key<'s>(scratch: &'s mut Vec<u8>, id: &str, visitor: Option<&str>) -> &'s [u8] {
    scratch.clear();
    let compact = id
        .strip_prefix('p')
        .and_then(|rest| rest.split_at_checked(16))
        .and_then(|(token, seq)| Some((hex_number(token)?, seq.strip_prefix('.')?)))
        .filter(|(_, seq)| !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()))
        .zip(visitor.and_then(hex_number));
    match compact {
        Some(((token, seq), visitor)) => {
            scratch.push(1);
            scratch.extend_from_slice(&token.to_be_bytes());
            scratch.extend_from_slice(&visitor.to_be_bytes());
            scratch.extend_from_slice(seq.as_bytes());
        }
        None => {
            scratch.push(2);
            scratch.extend_from_slice(id.as_bytes());
            scratch.push(b'\n');
            scratch.extend_from_slice(visitor.unwrap_or_default().as_bytes());
        }
    }
    scratch
}

/// A length of at most this many bytes is kept in one byte (less one); a longer one is this
/// byte's mark and then two bytes.
const SHORT_ID_BYTES: usize = 255;

/// Appends `id` (its length, then its bytes) to the last block, or to a new one; returns where
/// it is.
fn keep(blocks: &mut Vec<Vec<u8>>, id: &[u8]) -> u32 {
    let id = &id[..id.len().min(usize::from(u16::MAX))];
    let needed = id.len() + 3;
    if blocks
        .last()
        .is_none_or(|block| block.len() + needed > BLOCK_BYTES)
    {
        assert!(blocks.len() < MAX_BLOCKS, "over 4 GiB of ids in one count");
        blocks.push(Vec::with_capacity(BLOCK_BYTES));
    }
    let number = blocks.len() - 1;
    let block = &mut blocks[number];
    let at = block.len();
    if id.len() <= SHORT_ID_BYTES {
        block.push((id.len().max(1) - 1) as u8);
    } else {
        block.push(SHORT_ID_BYTES as u8);
        block.extend_from_slice(&(id.len() as u16).to_le_bytes());
    }
    block.extend_from_slice(id);
    ((number << 20) | at) as u32
}

fn stored(blocks: &[Vec<u8>], at: u32) -> &[u8] {
    let (block, at) = (&blocks[(at >> 20) as usize], (at & 0xf_ffff) as usize);
    match block[at] as usize {
        short if short < SHORT_ID_BYTES => &block[at + 1..at + 2 + short],
        _ => {
            let len = u16::from_le_bytes([block[at + 1], block[at + 2]]) as usize;
            &block[at + 3..at + 3 + len]
        }
    }
}

fn hash_of(id: &[u8]) -> u32 {
    // foldhash with a fixed seed: the same on every run, well spread, and several times faster
    // than SipHash on ids this short. Ids crafted to share a hash cost only a place in
    // `others` each, never a wrong answer.
    (FixedState::default().hash_one(id) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_new_once() {
        let mut seen = SeenIds::default();
        assert!(seen.insert("0000000000000001-1"));
        assert!(seen.insert("0000000000000001-2"));
        assert!(!seen.insert("0000000000000001-1"));
        let long = "i".repeat(256);
        assert!(seen.insert(&long));
        assert!(!seen.insert(&long));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn ids_of_one_hash_are_told_apart() {
        let mut seen = SeenIds::default();
        assert!(seen.insert("a"));
        // Another id filed under the same hash, as a collision would be.
        let hash = hash_of(b"b");
        seen.first.insert(hash, 0);
        assert!(seen.insert("b"), "b is not a");
        assert!(!seen.insert("b"));
        assert!(!seen.insert("a"));
    }

    #[test]
    fn ids_longer_than_a_byte_can_say_are_kept_whole() {
        let mut seen = SeenIds::default();
        for len in [254, 255, 256, 257, 321, 1000] {
            let id = "x".repeat(len);
            assert!(seen.insert(&id), "{len}");
            assert!(!seen.insert(&id), "{len}");
            let longer = format!("{id}y");
            assert!(seen.insert(&longer), "{len} + 1");
        }
        assert_eq!(seen.len(), 12);
    }

    #[test]
    fn a_beacon_is_one_per_visitor_it_came_from() {
        let (mut seen, mut scratch) = (SeenIds::default(), Vec::new());
        let (id, other) = ("p0123456789abcdef.0", "p0123456789abcdef.1");
        let (a, b) = (Some("00000000000000aa"), Some("00000000000000bb"));
        let mut insert = |id: &str, visitor: Option<&str>| {
            seen.insert_bytes(beacon_key(&mut scratch, id, visitor))
        };
        assert!(insert(id, a));
        assert!(!insert(id, a));
        assert!(insert(id, b));
        assert!(insert(other, a));
        assert!(insert(id, None));
        assert!(!insert(id, None));
        // Ids and keys of other shapes, kept as text.
        assert!(insert("view-1.0", Some("visitor-1")));
        assert!(!insert("view-1.0", Some("visitor-1")));
        assert!(insert("view-1.0", Some("visitor-2")));
        assert!(insert(id, Some("visitor-1")));
        assert!(insert("p0123456789ABCDEF.0", a), "uppercase is another id");
        assert!(insert("p0123456789abcdef.", a));
        assert!(insert("p0123456789abcdef.00", a), "another number's text");
        assert_eq!(seen.len(), 10);
    }

    #[test]
    fn a_collected_beacons_key_is_half_its_text() {
        let mut scratch = Vec::new();
        let key = beacon_key(
            &mut scratch,
            "p0123456789abcdef.12",
            Some("fedcba9876543210"),
        );
        assert_eq!(key.len(), 1 + 8 + 8 + 2);
        assert_eq!(key[0], 1);
        assert_eq!(&key[1..9], &0x0123_4567_89ab_cdef_u64.to_be_bytes());
        let key = beacon_key(&mut scratch, "p0123456789abcdef.12", Some("visitor"));
        assert_eq!(key, b"\x02p0123456789abcdef.12\nvisitor");
    }

    #[test]
    fn a_million_ids_take_about_their_length_and_a_few_dozen_bytes() {
        let mut seen = SeenIds::default();
        for i in 0..1_000_000u64 {
            assert!(seen.insert(&format!("{:016x}-{i}", 7)));
        }
        assert!(!seen.insert(&format!("{:016x}-{}", 7, 999_999)));
        assert_eq!(seen.len(), 1_000_000);
        let per_id = seen.bytes() as f64 / 1e6;
        // Ids of 18 to 23 bytes: up to 24 in the blocks, 9 to 21 in the map.
        assert!((25.0..=45.0).contains(&per_id), "{per_id} bytes an id");
    }
}
