//! A day's visitor keys numbered while it is counted (pure code): each key once, whatever its
//! pages; keys of 16 lowercase hex digits (every collected and imported key) as the number
//! they spell, any other as its text.

use foldhash::fast::RandomState;

/// foldhash: several times faster than SipHash on short keys, seeded per process.
type HashMap<K, V> = std::collections::HashMap<K, V, RandomState>;

/// A visitor key's number in the day, and whether it viewed a page (the site's visitors are
/// those who did).
#[derive(Debug, Clone, Copy)]
pub struct Numbered {
    pub number: u32,
    pub viewed: bool,
}

/// The day's visitor keys, each numbered once. Keys the collector and the import make are 16
/// lowercase hex digits: those are held as the 64-bit number they spell (no allocation, a
/// cheap hash, no comparison of text), any other key as its text. A text is in one map only
/// (16 lowercase hex digits are always read as a number), so the two never hold one visitor.
#[derive(Debug, Default)]
pub struct VisitorKeys {
    hex: HashMap<u64, Numbered>,
    text: HashMap<Box<str>, Numbered>,
}

/// A visitor key as `VisitorKeys` files it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorKey<'a> {
    Hex(u64),
    Text(&'a str),
}

impl<'a> VisitorKey<'a> {
    pub fn of(key: &'a str) -> Self {
        hex_number(key).map_or(VisitorKey::Text(key), VisitorKey::Hex)
    }
}

/// The number 16 lowercase hex digits spell; `None` for any other text (uppercase digits
/// included, so that one number has one spelling). Every digit is looked up and the result
/// checked once at the end: no branch a digit (counting reads a key a row).
pub fn hex_number(key: &str) -> Option<u64> {
    let digits: &[u8; 16] = key.as_bytes().try_into().ok()?;
    let mut number = 0u64;
    let mut invalid = 0u8;
    for &byte in digits {
        let digit = HEX_DIGITS[usize::from(byte)];
        invalid |= digit;
        number = number << 4 | u64::from(digit & 0x0f);
    }
    (invalid & NOT_A_DIGIT == 0).then_some(number)
}

/// Marks a byte that is no lowercase hex digit in `HEX_DIGITS`.
const NOT_A_DIGIT: u8 = 0x80;

/// Each byte's value as a lowercase hex digit, or `NOT_A_DIGIT`.
static HEX_DIGITS: [u8; 256] = {
    let mut table = [NOT_A_DIGIT; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

impl VisitorKeys {
    pub fn get_mut(&mut self, key: VisitorKey<'_>) -> Option<&mut Numbered> {
        match key {
            VisitorKey::Hex(number) => self.hex.get_mut(&number),
            VisitorKey::Text(text) => self.text.get_mut(text),
        }
    }

    pub fn insert(&mut self, key: VisitorKey<'_>, numbered: Numbered) {
        match key {
            VisitorKey::Hex(number) => self.hex.insert(number, numbered),
            VisitorKey::Text(text) => self.text.insert(text.into(), numbered),
        };
    }

    /// The number the next new key gets: how many keys are numbered.
    pub fn next_number(&self) -> usize {
        self.hex.len() + self.text.len()
    }

    /// Every key with its number, in no order.
    pub fn numbered(&self) -> impl Iterator<Item = (VisitorKey<'_>, Numbered)> {
        let hex = self.hex.iter().map(|(key, n)| (VisitorKey::Hex(*key), *n));
        let text = self.text.iter().map(|(key, n)| (VisitorKey::Text(key), *n));
        hex.chain(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_16_lowercase_hex_digits_are_read_as_a_number() {
        assert_eq!(hex_number("3b83aa1800000000"), Some(0x3b83_aa18_0000_0000));
        assert_eq!(hex_number("ffffffffffffffff"), Some(u64::MAX));
        for text in [
            "3B83AA1800000000",
            "3b83aa180000000",
            "3b83aa18000000000",
            "3b83aa18-0000000",
            "3b83aa1800000\u{e9}",
            "",
        ] {
            assert_eq!(hex_number(text), None, "{text}");
        }
        // Every byte in every place: a digit exactly when a lowercase hex digit.
        for place in 0..16 {
            for byte in 0..=255u8 {
                let mut key = *b"0000000000000000";
                key[place] = byte;
                let Ok(text) = std::str::from_utf8(&key) else {
                    continue;
                };
                let digit = (byte as char)
                    .to_digit(16)
                    .filter(|_| !byte.is_ascii_uppercase());
                let expected = digit.map(|digit| u64::from(digit) << (4 * (15 - place)));
                assert_eq!(hex_number(text), expected, "{text:?}");
            }
        }
        assert_eq!(VisitorKey::of("visitor-1"), VisitorKey::Text("visitor-1"));
    }
}
