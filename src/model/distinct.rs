//! A set of visitor numbers counted exactly with less memory and time than a hash set: numbers
//! are appended to a list, sorted and deduplicated now and then.

/// The list is compacted (sorted, duplicates dropped) when it has grown to twice its size after
/// the last compaction, and never below this many numbers: small sets are never sorted until
/// they are counted.
const FIRST_COMPACTION: usize = 64;

/// Distinct `u32`s: appended, then sorted and deduplicated when the list doubles, so memory
/// stays within twice the distinct numbers (plus the first few) and each insert is a push.
#[derive(Debug, Default, Clone)]
pub struct DistinctNumbers {
    numbers: Vec<u32>,
    /// How many numbers the list held after its last compaction (all distinct, sorted).
    compacted: usize,
}

impl DistinctNumbers {
    pub fn insert(&mut self, number: u32) {
        self.numbers.push(number);
        if self.numbers.len() >= (2 * self.compacted).max(FIRST_COMPACTION) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.numbers.sort_unstable();
        self.numbers.dedup();
        self.compacted = self.numbers.len();
    }

    /// How many distinct numbers were inserted.
    pub fn count(&mut self) -> u64 {
        self.compact();
        self.numbers.len() as u64
    }

    /// The distinct numbers, in order.
    pub fn into_sorted(mut self) -> Vec<u32> {
        self.compact();
        self.numbers
    }
}

impl Extend<u32> for DistinctNumbers {
    fn extend<I: IntoIterator<Item = u32>>(&mut self, numbers: I) {
        for number in numbers {
            self.insert(number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn counts_each_number_once_whatever_the_order_and_repeats() {
        let mut distinct = DistinctNumbers::default();
        let mut expected = BTreeSet::new();
        // A pseudo-random walk over 5,000 numbers with many repeats, past several compactions.
        let mut x: u32 = 7;
        for _ in 0..100_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let number = (x >> 8) % 5_000;
            distinct.insert(number);
            expected.insert(number);
        }
        assert_eq!(distinct.count(), expected.len() as u64);
        // Counting compacts but keeps the set: more inserts still count once.
        distinct.extend([0, 1, 2, 4_999]);
        assert_eq!(distinct.count(), 5_000);
        assert_eq!(
            distinct.into_sorted(),
            expected.into_iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn memory_stays_within_twice_the_distinct_numbers() {
        let mut distinct = DistinctNumbers::default();
        for round in 0..1_000u32 {
            for number in 0..300 {
                distinct.insert(number + round % 2);
            }
            assert!(
                distinct.numbers.len() <= 2 * 301 + 1,
                "{}",
                distinct.numbers.len()
            );
        }
        assert_eq!(distinct.count(), 301);
        let mut empty = DistinctNumbers::default();
        assert_eq!(empty.count(), 0);
    }
}
