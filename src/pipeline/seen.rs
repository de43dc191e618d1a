//! The event ids a count has seen, exactly, in little memory (pure code): where a store keeps
//! copies of an event (DynamoDB's packed items: the same event in two messages), the count keeps
//! the first and skips the others.
//!
//! Each id is kept once, whole, in one buffer (its length, then its bytes), and found again by a
//! 64-bit hash of it: a map from each hash to where its first id sits. Two ids with one hash (a
//! chance of about n² / 2^65 among n ids) are told apart by comparing the ids; the second is
//! kept whole in a set of its own. So the answer is exact, and an id costs its length plus about
//! 21 bytes (the map's entry and control byte at its load factor), up to twice that while the
//! map and the buffer grow: [`SeenIds::bytes`] says what it holds.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Keys that are hashes already need no more hashing.
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

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Ids seen so far; see the module's description.
#[derive(Default)]
pub struct SeenIds {
    first: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    ids: Vec<u8>,
    others: HashSet<Box<str>>,
}

impl SeenIds {
    /// Whether `id` is new (and now seen). Ids are 1 to 256 bytes (`event::validate_id`).
    pub fn insert(&mut self, id: &str) -> bool {
        let hash = hash_of(id);
        match self.first.entry(hash) {
            Entry::Vacant(slot) => {
                let at = u32::try_from(self.ids.len()).expect("under 4 GiB of ids in one count");
                slot.insert(at);
                self.ids.push((id.len().max(1) - 1) as u8);
                self.ids.extend_from_slice(id.as_bytes());
                true
            }
            Entry::Occupied(slot) => {
                if stored(&self.ids, *slot.get()) == id.as_bytes() {
                    false
                } else {
                    self.others.insert(id.into())
                }
            }
        }
    }

    /// Distinct ids seen.
    pub fn len(&self) -> usize {
        self.first.len() + self.others.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held: the map's buckets and control bytes, the buffer, the rare whole ids.
    pub fn bytes(&self) -> usize {
        let buckets = (self.first.capacity() * 8).div_ceil(7).next_power_of_two();
        buckets * (std::mem::size_of::<(u64, u32)>() + 1)
            + self.ids.capacity()
            + self
                .others
                .iter()
                .map(|id| id.len() + 2 * std::mem::size_of::<usize>() + 1)
                .sum::<usize>()
    }
}

fn stored(ids: &[u8], at: u32) -> &[u8] {
    let at = at as usize;
    let len = ids[at] as usize + 1;
    &ids[at + 1..at + 1 + len]
}

fn hash_of(id: &str) -> u64 {
    // SipHash with fixed keys: the same on every run, and well spread.
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
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
        let hash = hash_of("b");
        seen.first.insert(hash, 0);
        assert!(seen.insert("b"), "b is not a");
        assert!(!seen.insert("b"));
        assert!(!seen.insert("a"));
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
        // Ids of 18 to 23 bytes: 24 bytes in the buffer, about 21 in the map, growth aside.
        assert!((40.0..=90.0).contains(&per_id), "{per_id} bytes an id");
    }
}
