//! A set of visitor numbers counted exactly with less memory and time than a hash set: numbers
//! are appended to a list, sorted and deduplicated now and then; once they are dense (a bit
//! per number up to the largest takes less room than the list), a bit is set per number.

/// The list is compacted (sorted, duplicates dropped) when it has grown to twice its size after
/// the last compaction, and never below this many numbers: small sets are never sorted until
/// they are counted.
const FIRST_COMPACTION: usize = 64;

/// Distinct `u32`s: appended, then sorted and deduplicated when the list doubles, so memory
/// stays within twice the distinct numbers (plus the first few) and each insert is a push; or,
/// once a compacted list holds at least one number in 32 up to its largest, a bit per number
/// (visitor numbers are handed out from 0, so a row most visitors are in turns to bits soon,
/// and a bit costs less than a push and its share of the sorting).
#[derive(Debug, Default, Clone)]
pub struct DistinctNumbers {
    numbers: Vec<u32>,
    /// How many numbers the list held after its last compaction (all distinct, sorted).
    compacted: usize,
    /// Bit n of word n / 64 set for each number n, once the numbers are dense; `None` before.
    bits: Option<Bits>,
}

#[derive(Debug, Default, Clone)]
struct Bits {
    words: Vec<u64>,
    ones: u64,
}

impl Bits {
    fn insert(&mut self, number: u32) {
        let (word, bit) = ((number / 64) as usize, number % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let mask = 1u64 << bit;
        if self.words[word] & mask == 0 {
            self.words[word] |= mask;
            self.ones += 1;
        }
    }

    fn numbers(&self) -> Vec<u32> {
        let mut numbers = Vec::with_capacity(self.ones as usize);
        for (at, &word) in self.words.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                numbers.push(at as u32 * 64 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
        numbers
    }
}

impl DistinctNumbers {
    pub fn insert(&mut self, number: u32) {
        if let Some(bits) = &mut self.bits {
            bits.insert(number);
            return;
        }
        self.numbers.push(number);
        if self.numbers.len() >= (2 * self.compacted).max(FIRST_COMPACTION) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        if self.bits.is_some() {
            return;
        }
        self.numbers.sort_unstable();
        self.numbers.dedup();
        self.compacted = self.numbers.len();
        let largest = self.numbers.last().map_or(0, |n| u64::from(*n));
        // 4 bytes a number in the list against one bit per number up to the largest.
        if self.compacted >= FIRST_COMPACTION && self.compacted as u64 * 32 > largest {
            let mut bits = Bits::default();
            self.numbers.iter().for_each(|number| bits.insert(*number));
            self.bits = Some(bits);
            self.numbers = Vec::new();
        }
    }

    /// How many distinct numbers were inserted.
    pub fn count(&mut self) -> u64 {
        self.compact();
        match &self.bits {
            Some(bits) => bits.ones,
            None => self.numbers.len() as u64,
        }
    }

    /// The distinct numbers, in order.
    pub fn into_sorted(mut self) -> Vec<u32> {
        self.compact();
        match self.bits {
            Some(bits) => bits.numbers(),
            None => self.numbers,
        }
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
    fn dense_numbers_turn_to_bits_and_still_count_each_once() {
        let mut distinct = DistinctNumbers::default();
        let mut expected = BTreeSet::new();
        // Every third number of 0..30,000, each twice: dense enough for bits.
        for number in (0..30_000).step_by(3).chain((0..30_000).step_by(3)) {
            distinct.insert(number);
            expected.insert(number);
        }
        assert!(distinct.bits.is_some(), "dense numbers are bits");
        assert!(distinct.numbers.is_empty());
        // Numbers past the bits' end, and repeats, once bits are in use.
        for number in [29_999, 100_000, 100_000, 0, 64, 63] {
            distinct.insert(number);
            expected.insert(number);
        }
        assert_eq!(distinct.count(), expected.len() as u64);
        assert_eq!(
            distinct.clone().into_sorted(),
            expected.iter().copied().collect::<Vec<_>>()
        );
        // A bit per number up to the largest: 100,001 bits.
        assert_eq!(distinct.bits.unwrap().words.len(), 100_000 / 64 + 1);
    }

    #[test]
    fn sparse_numbers_stay_a_list() {
        let mut distinct = DistinctNumbers::default();
        for number in (0..1_000u32).map(|n| n * 1_000) {
            distinct.insert(number);
        }
        assert_eq!(distinct.count(), 1_000);
        assert!(distinct.bits.is_none());
    }

    #[test]
    fn memory_stays_within_twice_the_distinct_numbers() {
        let mut distinct = DistinctNumbers::default();
        for round in 0..1_000u32 {
            for number in 0..300 {
                // Sparse (a number in a thousand), so the list is what holds them.
                distinct.insert((number + round % 2) * 1_000);
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
