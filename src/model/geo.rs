//! Where a visitor is, as far as counting cares: the ISO country code of an address and, when
//! the database knows it, the ISO code of its region (e.g. `DE-BY`), from a MaxMind-format
//! database the user supplies (DB-IP Lite or GeoLite2, Country or City edition). The address
//! is looked up in memory and dropped; nothing finer than a region is ever read out of the
//! database (no city, no coordinates). Pure code over the database's bytes; reading the file
//! is the caller's.

use serde::Deserialize;
use std::net::IpAddr;

use crate::model::event::{fields, FieldValue};

/// An opened database of a kind that holds countries.
pub struct GeoDatabase {
    reader: maxminddb::Reader<Vec<u8>>,
    /// The database's own name for its kind, e.g. `GeoLite2-City` or `DBIP-Country-Lite`.
    pub kind: String,
}

/// A place: a country, and a region of it when the database has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub country: Option<FieldValue>,
    pub region: Option<FieldValue>,
}

/// The attribution DB-IP's free databases ask for (CC BY 4.0), shown beside their data.
pub const DBIP_ATTRIBUTION: &str = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

/// The part of a record read: the country's and the regions' ISO codes, borrowed. Cities,
/// coordinates and names are skipped by the decoder, never copied out.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    country: Option<Coded<'a>>,
    #[serde(borrow, default)]
    subdivisions: Vec<Coded<'a>>,
}

#[derive(Deserialize)]
struct Coded<'a> {
    iso_code: Option<&'a str>,
}

impl GeoDatabase {
    /// The database in `bytes`, or why it cannot serve: not a MaxMind-format database, or one
    /// that holds no countries (an ASN or anonymous-IP database).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoDatabase, String> {
        let reader = maxminddb::Reader::from_source(bytes)
            .map_err(|err| format!("is not a MaxMind-format (.mmdb) database ({err})"))?;
        let kind = reader.metadata().database_type.clone();
        let lower = kind.to_ascii_lowercase();
        if !(lower.contains("country") || lower.contains("city")) {
            return Err(format!(
                "is a {kind} database, which holds no countries: give a Country or City edition \
                 (DB-IP Lite or GeoLite2)"
            ));
        }
        Ok(GeoDatabase { reader, kind })
    }

    /// Whether this is DB-IP's data, whose licence asks for attribution where it is shown.
    pub fn is_dbip(&self) -> bool {
        self.kind.to_ascii_lowercase().starts_with("dbip")
    }

    /// The country and region of `address`; nothing for an address in no network of the
    /// database (private ranges, loopback) or a record without codes.
    pub fn locate(&self, address: IpAddr) -> Place {
        let found = self
            .reader
            .lookup(address.to_canonical())
            .ok()
            .and_then(|result| result.decode::<Record>().ok().flatten());
        let Some(record) = found else {
            return Place::default();
        };
        let country = record
            .country
            .and_then(|country| country.iso_code)
            .and_then(|code| fields::country(code).ok().flatten());
        // The first subdivision is the largest (a state, a nation of the United Kingdom).
        let region = match (&country, record.subdivisions.first()) {
            (Some(country), Some(region)) => region.iso_code.and_then(|code| {
                fields::region(&compact_str::format_compact!("{country}-{code}"))
                    .ok()
                    .flatten()
            }),
            _ => None,
        };
        Place { country, region }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(file: &str) -> Result<GeoDatabase, String> {
        let path = format!(
            "{}/tests/cli/fixtures/geoip/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        GeoDatabase::from_bytes(std::fs::read(path).unwrap())
    }

    fn place(country: &str, region: Option<&str>) -> Place {
        Place {
            country: Some(country.into()),
            region: region.map(FieldValue::from),
        }
    }

    #[test]
    fn addresses_become_a_country_and_a_region_only() {
        let city = database("city.mmdb").unwrap();
        assert_eq!(city.kind, "GeoLite2-City");
        assert!(!city.is_dbip());
        let at = |address: &str| city.locate(address.parse().unwrap());
        assert_eq!(at("81.2.69.142"), place("GB", Some("GB-ENG")));
        assert_eq!(at("::ffff:81.2.69.142"), place("GB", Some("GB-ENG")));
        assert_eq!(at("2001:db8:1::7"), place("DE", Some("DE-BY")));
        assert_eq!(at("198.51.100.23"), place("US", None));
        assert_eq!(at("192.0.2.1"), Place::default());
        assert_eq!(at("127.0.0.1"), Place::default());
        let dbip = database("dbip-country.mmdb").unwrap();
        assert!(dbip.is_dbip());
        assert_eq!(
            dbip.locate("81.2.69.142".parse().unwrap()),
            place("FR", None)
        );
    }

    #[test]
    fn databases_without_countries_are_refused() {
        let asn = database("asn.mmdb").err().unwrap();
        assert!(
            asn.starts_with("is a GeoLite2-ASN database, which holds no countries"),
            "{asn}"
        );
        let garbage = GeoDatabase::from_bytes(b"not a database".to_vec())
            .err()
            .unwrap();
        assert!(
            garbage.starts_with("is not a MaxMind-format (.mmdb) database"),
            "{garbage}"
        );
    }
}
