//! Visitors without identities: the day's random salt and the keyed hash that turns a client
//! address and a user agent into an opaque visitor key (pure code). Only the key is ever
//! stored; once the day's salt is deleted nobody can link a key back to an address.
//!
//! A deployment is one site: the key does not depend on which of its hosts a view came from
//! (`example.com` and `www.example.com`, or every allowed origin and download host), so one
//! person is one visitor of the site. Two deployments have unrelated salts, so their keys of
//! one person are unrelated too.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;
use std::net::IpAddr;

/// Bytes of a salt.
pub const SALT_BYTES: usize = 32;
/// Longest visitor key an event may carry (NDJSON keys are opaque; collected ones are 16 hex
/// digits).
pub const MAX_VISITOR_BYTES: usize = 64;

/// 32 random bytes, one per day of the deployment's time zone. Never printed: its `Debug` and
/// `Display` say only that it is a salt.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt([u8; SALT_BYTES]);

impl Salt {
    pub fn random() -> Salt {
        let mut bytes = [0u8; SALT_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Salt(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Salt> {
        bytes.try_into().ok().map(Salt)
    }

    pub fn as_bytes(&self) -> &[u8; SALT_BYTES] {
        &self.0
    }

    /// The visitor key of a client: HMAC-SHA256 keyed by the salt over the address and the
    /// user agent (each length-prefixed, so no two inputs run together), truncated to 64 bits
    /// and written as 16 hex digits.
    pub fn visitor_key(&self, address: IpAddr, user_agent: &str) -> String {
        self.hasher().visitor_key(address, user_agent)
    }

    /// `VisitorHasher::visitor_key_of_address` of this salt, keyed for one key (tests).
    #[cfg(test)]
    pub fn visitor_key_of_address(&self, address: &str, user_agent: &str) -> String {
        self.hasher().visitor_key_of_address(address, user_agent)
    }

    /// The salt's HMAC keyed once, for the many visitor keys of one day.
    pub fn hasher(&self) -> VisitorHasher {
        VisitorHasher(Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size"))
    }

    /// The first 64 bits of HMAC-SHA256 of `data` keyed by the salt: an identifier of `data`
    /// that nobody without the salt can compute, or test a guess of.
    pub fn keyed_digest(&self, data: &[u8]) -> u64 {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size");
        mac.update(data);
        let digest = mac.finalize().into_bytes();
        u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
    }
}

/// A salt's HMAC-SHA256 with the salt already keyed in. Keying takes two compressions of
/// SHA-256, a third of a visitor key's work: an import keys each day's salt once and clones
/// this state per line; every key is the one `Salt` gives.
#[derive(Clone)]
pub struct VisitorHasher(Hmac<Sha256>);

impl VisitorHasher {
    /// The visitor key of a client, as `Salt::visitor_key`.
    pub fn visitor_key(&self, address: IpAddr, user_agent: &str) -> String {
        let mut spelt = AddressText::default();
        fmt::Write::write_fmt(&mut spelt, format_args!("{}", address.to_canonical()))
            .expect("an IP address fits in 64 bytes");
        self.key_of(spelt.as_str(), user_agent)
    }

    /// The visitor key of a client whose address is given as text, as a web server's log
    /// writes it: an IP address (spelt canonically first, so a log's `::ffff:203.0.113.9` is
    /// the collector's `203.0.113.9`), or a host name where the server looked names up.
    pub fn visitor_key_of_address(&self, address: &str, user_agent: &str) -> String {
        match address.parse::<IpAddr>() {
            Ok(ip) => self.visitor_key(ip, user_agent),
            Err(_) => self.key_of(&address.to_ascii_lowercase(), user_agent),
        }
    }

    fn key_of(&self, address: &str, user_agent: &str) -> String {
        let mut mac = self.0.clone();
        for part in [address, user_agent] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        hex16(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")))
    }
}

impl fmt::Debug for VisitorHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VisitorHasher(..)")
    }
}

/// `value` as 16 lowercase hex digits, as `{:016x}` writes it, without the formatter.
fn hex16(value: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..16)
        .rev()
        .map(|digit| char::from(HEX[((value >> (digit * 4)) & 15) as usize]))
        .collect()
}

/// An address spelt on the stack: the longest IPv6 text is 45 bytes, so no allocation per
/// key.
struct AddressText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for AddressText {
    fn default() -> Self {
        AddressText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl AddressText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("written from &str")
    }
}

impl fmt::Write for AddressText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(..)")
    }
}

/// Checks an opaque visitor key from a producer: 1 to 64 bytes of printable ASCII.
pub fn valid_visitor(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_VISITOR_BYTES && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0";

    #[test]
    fn one_client_on_one_day_has_one_key() {
        let salt = Salt::from_bytes(&[7; SALT_BYTES]).unwrap();
        let address: IpAddr = "203.0.113.9".parse().unwrap();
        let key = salt.visitor_key(address, AGENT);
        assert_eq!(key.len(), 16);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        // An IPv4 address seen through an IPv6 socket is the same client.
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(key, salt.visitor_key(mapped, AGENT));
        assert_eq!(
            key,
            salt.visitor_key_of_address("::ffff:203.0.113.9", AGENT)
        );
        let other = |address: &str, agent| salt.visitor_key(address.parse().unwrap(), agent);
        assert_ne!(key, other("203.0.113.10", AGENT));
        assert_ne!(key, other("203.0.113.9", "curl"));
        // The next day's salt makes the same client someone else.
        let tomorrow = Salt::from_bytes(&[8; SALT_BYTES]).unwrap();
        assert_ne!(key, tomorrow.visitor_key(address, AGENT));
    }

    /// The visitor key as it was always computed: the salt keyed per key, `{:016x}`.
    fn plain_key(salt: &Salt, address: &str, user_agent: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(salt.as_bytes()).unwrap();
        for part in [address, user_agent] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let digest = mac.finalize().into_bytes();
        format!(
            "{:016x}",
            u64::from_be_bytes(digest[..8].try_into().unwrap())
        )
    }

    #[test]
    fn the_keyed_hasher_gives_the_plain_keys() {
        let salt = Salt::from_bytes(&[9; SALT_BYTES]).unwrap();
        let hasher = salt.hasher();
        let cases = [
            ("203.0.113.9", "203.0.113.9"),
            ("::ffff:203.0.113.9", "203.0.113.9"),
            ("2001:DB8:0:0::1", "2001:db8::1"),
            (
                "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
            ("Gateway.Example.NET", "gateway.example.net"),
        ];
        for (logged, canonical) in cases {
            for agent in ["", AGENT, &"x".repeat(300)] {
                let plain = plain_key(&salt, canonical, agent);
                assert_eq!(
                    hasher.visitor_key_of_address(logged, agent),
                    plain,
                    "{logged}"
                );
                assert_eq!(
                    salt.visitor_key_of_address(logged, agent),
                    plain,
                    "{logged}"
                );
            }
        }
        assert_eq!(hex16(0x0123_4567_89ab_cdef), "0123456789abcdef");
        assert_eq!(hex16(7), "0000000000000007");
    }

    #[test]
    fn parts_cannot_run_together() {
        let salt = Salt::random();
        assert_ne!(
            salt.visitor_key_of_address("host.a", "bc"),
            salt.visitor_key_of_address("host.ab", "c")
        );
    }

    #[test]
    fn salts_are_random_and_never_shown() {
        assert_ne!(Salt::random(), Salt::random());
        assert_eq!(format!("{:?}", Salt::random()), "Salt(..)");
        assert!(Salt::from_bytes(&[1; 31]).is_none());
    }

    #[test]
    fn producer_keys_are_bounded_printable_text() {
        assert!(valid_visitor("v-123"));
        assert!(valid_visitor(&"a".repeat(64)));
        for bad in ["", "has space", "tab\t", "é", &"a".repeat(65)] {
            assert!(!valid_visitor(bad), "{bad:?}");
        }
    }
}
