//! The price table: the compiled-in `prices.json` or a `--prices FILE`, parsed and checked.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

/// The table shipped in the binary; `--prices FILE` replaces it whole.
pub const BUILT_IN: &str = include_str!("prices.json");

/// What the model prices. Each key has exactly one unit, so a file cannot mix units (the
/// mistake the article makes: per GB against per request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PriceKey {
    SqsRequest,
    DynamodbWrite,
    DynamodbRead,
    DynamodbStorage,
    TimestreamWrite,
    TimestreamMemory,
    TimestreamMagnetic,
    LambdaRequest,
    /// Lambda duration on x86_64 (arm64's lower rate is not in the table).
    LambdaGbSecond,
    S3Storage,
    S3Put,
    S3Get,
    /// A provisioned Kinesis stream's shard, per hour.
    KinesisShardHour,
    /// A provisioned stream's writes: each record in 25 KB units.
    KinesisPutPayloadUnit,
    /// An on-demand Kinesis stream, per hour, whatever its shards.
    KinesisOnDemandStreamHour,
    /// An on-demand stream's writes and reads: each record rounded up to 1 KB.
    KinesisOnDemandWrite,
    KinesisOnDemandRead,
}

impl PriceKey {
    pub const ALL: [PriceKey; 17] = [
        PriceKey::SqsRequest,
        PriceKey::DynamodbWrite,
        PriceKey::DynamodbRead,
        PriceKey::DynamodbStorage,
        PriceKey::TimestreamWrite,
        PriceKey::TimestreamMemory,
        PriceKey::TimestreamMagnetic,
        PriceKey::LambdaRequest,
        PriceKey::LambdaGbSecond,
        PriceKey::S3Storage,
        PriceKey::S3Put,
        PriceKey::S3Get,
        PriceKey::KinesisShardHour,
        PriceKey::KinesisPutPayloadUnit,
        PriceKey::KinesisOnDemandStreamHour,
        PriceKey::KinesisOnDemandWrite,
        PriceKey::KinesisOnDemandRead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PriceKey::SqsRequest => "sqs_request",
            PriceKey::DynamodbWrite => "dynamodb_write",
            PriceKey::DynamodbRead => "dynamodb_read",
            PriceKey::DynamodbStorage => "dynamodb_storage",
            PriceKey::TimestreamWrite => "timestream_write",
            PriceKey::TimestreamMemory => "timestream_memory",
            PriceKey::TimestreamMagnetic => "timestream_magnetic",
            PriceKey::LambdaRequest => "lambda_request",
            PriceKey::LambdaGbSecond => "lambda_gb_second",
            PriceKey::S3Storage => "s3_storage",
            PriceKey::S3Put => "s3_put",
            PriceKey::S3Get => "s3_get",
            PriceKey::KinesisShardHour => "kinesis_shard_hour",
            PriceKey::KinesisPutPayloadUnit => "kinesis_put_payload_unit",
            PriceKey::KinesisOnDemandStreamHour => "kinesis_on_demand_stream_hour",
            PriceKey::KinesisOnDemandWrite => "kinesis_on_demand_write",
            PriceKey::KinesisOnDemandRead => "kinesis_on_demand_read",
        }
    }

    /// The only unit a price of this key may be given in.
    pub fn unit(self) -> &'static str {
        match self {
            PriceKey::SqsRequest | PriceKey::LambdaRequest => "USD per million requests",
            PriceKey::LambdaGbSecond => "USD per GB-second",
            PriceKey::DynamodbWrite => "USD per million write request units",
            PriceKey::DynamodbRead => "USD per million read request units",
            PriceKey::DynamodbStorage | PriceKey::TimestreamMagnetic | PriceKey::S3Storage => {
                "USD per GB-month"
            }
            PriceKey::S3Put => "USD per thousand PUT requests",
            PriceKey::S3Get => "USD per thousand GET requests",
            PriceKey::TimestreamWrite => "USD per million 1 KiB writes",
            PriceKey::TimestreamMemory => "USD per GB-hour",
            PriceKey::KinesisShardHour => "USD per shard-hour",
            PriceKey::KinesisPutPayloadUnit => "USD per million PUT payload units",
            PriceKey::KinesisOnDemandStreamHour => "USD per stream-hour",
            PriceKey::KinesisOnDemandWrite => "USD per GB written",
            PriceKey::KinesisOnDemandRead => "USD per GB read",
        }
    }

    fn parse(name: &str) -> Option<PriceKey> {
        PriceKey::ALL.into_iter().find(|key| key.name() == name)
    }
}

/// Free allowances, account-wide rather than per region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeKey {
    SqsRequests,
    DynamodbStorage,
}

impl FreeKey {
    const ALL: [FreeKey; 2] = [FreeKey::SqsRequests, FreeKey::DynamodbStorage];

    fn name(self) -> &'static str {
        match self {
            FreeKey::SqsRequests => "sqs_requests",
            FreeKey::DynamodbStorage => "dynamodb_storage",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            FreeKey::SqsRequests => "requests per month",
            FreeKey::DynamodbStorage => "GB-month",
        }
    }
}

/// One number with its provenance.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub as_of: String,
    pub verified: bool,
}

/// Services a region may lack altogether.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Service {
    Timestream,
}

impl Service {
    fn parse(name: &str) -> Option<Service> {
        (name == "timestream").then_some(Service::Timestream)
    }
}

#[derive(Debug, Clone)]
pub struct Region {
    pub code: String,
    pub name: String,
    prices: BTreeMap<PriceKey, PriceEntry>,
    unavailable: BTreeMap<Service, String>,
}

impl Region {
    pub fn price(&self, key: PriceKey) -> Option<&PriceEntry> {
        self.prices.get(&key)
    }

    /// Why the service cannot be used in this region, if it cannot.
    pub fn unavailable(&self, service: Service) -> Option<&str> {
        self.unavailable.get(&service).map(String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct PriceTable {
    pub as_of: String,
    free: Vec<(FreeKey, PriceEntry)>,
    regions: BTreeMap<String, Region>,
}

/// What is wrong with a price file; the caller says which file.
#[derive(Debug, Error, PartialEq)]
#[error("{0}")]
pub struct PriceError(String);

fn fail<T>(message: impl Into<String>) -> Result<T, PriceError> {
    Err(PriceError(message.into()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    as_of: String,
    currency: String,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    free_tier: BTreeMap<String, PriceEntry>,
    regions: BTreeMap<String, RegionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionFile {
    name: String,
    #[serde(default)]
    prices: BTreeMap<String, PriceEntry>,
    #[serde(default)]
    unavailable: BTreeMap<String, String>,
}

impl PriceTable {
    pub fn built_in() -> Result<PriceTable, PriceError> {
        PriceTable::parse(BUILT_IN)
    }

    /// Parses and checks a price file: known keys only, each in its one unit, with a source
    /// and a date, and a non-negative finite value.
    pub fn parse(text: &str) -> Result<PriceTable, PriceError> {
        let file: PriceFile = serde_json::from_str(text)
            .map_err(|err| PriceError(format!("not a valid price table: {err}")))?;
        if file.currency != "USD" {
            return fail(format!(
                "currency is {:?}; only USD is supported",
                file.currency
            ));
        }
        check_date("as_of", &file.as_of)?;
        let free = check_free_tier(&file.free_tier)?;
        if file.regions.is_empty() {
            return fail("the table has no regions");
        }
        let mut regions = BTreeMap::new();
        for (code, region) in file.regions {
            let region = check_region(&code, region)?;
            regions.insert(code, region);
        }
        Ok(PriceTable {
            as_of: file.as_of,
            free,
            regions,
        })
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.get(code)
    }

    pub fn region_codes(&self) -> Vec<&str> {
        self.regions.keys().map(String::as_str).collect()
    }

    pub fn free(&self, key: FreeKey) -> &PriceEntry {
        let (_, entry) = self
            .free
            .iter()
            .find(|(k, _)| *k == key)
            .expect("parse checks every free-tier key is present");
        entry
    }
}

fn check_free_tier(
    entries: &BTreeMap<String, PriceEntry>,
) -> Result<Vec<(FreeKey, PriceEntry)>, PriceError> {
    for name in entries.keys() {
        if !FreeKey::ALL.iter().any(|key| key.name() == name) {
            return fail(format!("free_tier.{name}: unknown allowance"));
        }
    }
    FreeKey::ALL
        .into_iter()
        .map(|key| {
            let path = format!("free_tier.{}", key.name());
            let Some(entry) = entries.get(key.name()) else {
                return fail(format!("{path} is missing"));
            };
            check_entry(&path, entry, key.unit())?;
            Ok((key, entry.clone()))
        })
        .collect()
}

fn check_region(code: &str, region: RegionFile) -> Result<Region, PriceError> {
    let code_ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !code_ok {
        return fail(format!("region {code:?}: not a region code like us-west-2"));
    }
    if region.name.trim().is_empty() {
        return fail(format!("regions.{code}.name is empty"));
    }
    let mut prices = BTreeMap::new();
    for (name, entry) in region.prices {
        let path = format!("regions.{code}.prices.{name}");
        let Some(key) = PriceKey::parse(&name) else {
            let known: Vec<&str> = PriceKey::ALL.iter().map(|key| key.name()).collect();
            return fail(format!(
                "{path}: unknown price (known: {})",
                known.join(", ")
            ));
        };
        check_entry(&path, &entry, key.unit())?;
        prices.insert(key, entry);
    }
    let mut unavailable = BTreeMap::new();
    for (name, reason) in region.unavailable {
        let Some(service) = Service::parse(&name) else {
            return fail(format!(
                "regions.{code}.unavailable.{name}: unknown service (known: timestream)"
            ));
        };
        unavailable.insert(service, reason);
    }
    Ok(Region {
        code: code.to_owned(),
        name: region.name,
        prices,
        unavailable,
    })
}

fn check_entry(path: &str, entry: &PriceEntry, unit: &str) -> Result<(), PriceError> {
    if !entry.value.is_finite() || entry.value < 0.0 {
        return fail(format!("{path}.value must be a number of at least 0"));
    }
    if entry.unit != unit {
        return fail(format!(
            "{path}.unit is {:?}; it must be {unit:?}",
            entry.unit
        ));
    }
    if entry.source.trim().is_empty() {
        return fail(format!(
            "{path}.source is empty: say where the number comes from"
        ));
    }
    check_date(&format!("{path}.as_of"), &entry.as_of)
}

/// Sources are dated to the day when known, else to the month or year.
fn check_date(path: &str, text: &str) -> Result<(), PriceError> {
    let shape_ok = match text.len() {
        4 => text.bytes().all(|b| b.is_ascii_digit()),
        7 | 10 => text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        }),
        _ => false,
    };
    if shape_ok {
        Ok(())
    } else {
        fail(format!(
            "{path} is {text:?}; use YYYY-MM-DD, YYYY-MM or YYYY"
        ))
    }
}

impl fmt::Display for PriceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_table_parses_and_covers_the_promised_regions() {
        let table = PriceTable::built_in().unwrap();
        for code in [
            "us-east-1",
            "us-east-2",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "ap-southeast-1",
            "ap-northeast-1",
        ] {
            assert!(table.region(code).is_some(), "{code} missing");
        }
        assert_eq!(table.free(FreeKey::SqsRequests).value, 1_000_000.0);
        assert_eq!(table.free(FreeKey::DynamodbStorage).value, 25.0);
    }

    #[test]
    fn us_east_1_has_every_price_and_all_are_verified() {
        let table = PriceTable::built_in().unwrap();
        let region = table.region("us-east-1").unwrap();
        for key in PriceKey::ALL {
            let entry = region.price(key).unwrap_or_else(|| panic!("{key} missing"));
            // The archive's S3 prices are list prices nobody checked for the table yet: the
            // estimate marks them with *.
            let archive = matches!(key, PriceKey::S3Storage | PriceKey::S3Put | PriceKey::S3Get);
            assert_eq!(entry.verified, !archive, "{key}");
            if key.name().starts_with("kinesis_") {
                assert_eq!(entry.as_of, "2024-07-01", "{key}");
            }
        }
        assert_eq!(region.price(PriceKey::DynamodbWrite).unwrap().value, 0.625);
    }

    #[test]
    fn sources_name_only_paths_the_repository_ships() {
        // The output shows sources to users: a web address (host.tld/...) is theirs to follow,
        // and a path must be one they have.
        let table = PriceTable::built_in().unwrap();
        let free = FreeKey::ALL.map(|key| table.free(key));
        let priced = table.region_codes().into_iter().flat_map(|code| {
            let region = table.region(code).unwrap();
            PriceKey::ALL
                .into_iter()
                .filter_map(|key| region.price(key))
        });
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for entry in free.into_iter().chain(priced) {
            for word in entry.source.split_whitespace() {
                let word = word.trim_matches(|c: char| "(),;:'\"".contains(c));
                let Some((first, _)) = word.split_once('/') else {
                    continue;
                };
                if !first.contains('.') {
                    assert!(root.join(word).exists(), "{word} in {:?}", entry.source);
                }
            }
        }
    }

    #[test]
    fn singapore_has_no_timestream() {
        let table = PriceTable::built_in().unwrap();
        let region = table.region("ap-southeast-1").unwrap();
        assert!(region.unavailable(Service::Timestream).is_some());
        assert!(table
            .region("us-west-2")
            .unwrap()
            .unavailable(Service::Timestream)
            .is_none());
    }

    fn minimal(prices: &str) -> String {
        let entry = |value: &str, unit: &str| {
            format!(
                r#"{{"value": {value}, "unit": "{unit}", "source": "test", "as_of": "2026-11", "verified": true}}"#
            )
        };
        format!(
            r#"{{"as_of": "2026-11-26", "currency": "USD",
                "free_tier": {{"sqs_requests": {}, "dynamodb_storage": {}}},
                "regions": {{"xx-test-1": {{"name": "Test", "prices": {prices}}}}}}}"#,
            entry("1000000", "requests per month"),
            entry("25", "GB-month"),
        )
    }

    #[test]
    fn a_minimal_file_parses() {
        let table = PriceTable::parse(&minimal(
            r#"{"sqs_request": {"value": 0.5, "unit": "USD per million requests", "source": "s", "as_of": "2026", "verified": false}}"#,
        ))
        .unwrap();
        let region = table.region("xx-test-1").unwrap();
        assert_eq!(region.price(PriceKey::SqsRequest).unwrap().value, 0.5);
        assert!(region.price(PriceKey::DynamodbWrite).is_none());
        assert_eq!(table.region_codes(), ["xx-test-1"]);
    }

    #[test]
    fn mixed_units_unknown_keys_and_bad_values_are_refused() {
        let per_gb = r#"{"dynamodb_write": {"value": 1.25, "unit": "USD per GB", "source": "s", "as_of": "2021", "verified": true}}"#;
        let err = PriceTable::parse(&minimal(per_gb)).unwrap_err();
        assert!(
            err.0
                .contains("must be \"USD per million write request units\""),
            "{err}"
        );

        let unknown = r#"{"ec2_instance_hour": {"value": 0.2, "unit": "x", "source": "s", "as_of": "2021", "verified": true}}"#;
        let err = PriceTable::parse(&minimal(unknown)).unwrap_err();
        assert!(err.0.contains("unknown price"), "{err}");

        let negative = r#"{"sqs_request": {"value": -1, "unit": "USD per million requests", "source": "s", "as_of": "2021", "verified": true}}"#;
        assert!(PriceTable::parse(&minimal(negative)).is_err());

        let no_source = r#"{"sqs_request": {"value": 1, "unit": "USD per million requests", "source": " ", "as_of": "2021", "verified": true}}"#;
        assert!(PriceTable::parse(&minimal(no_source)).is_err());

        let bad_date = r#"{"sqs_request": {"value": 1, "unit": "USD per million requests", "source": "s", "as_of": "last year", "verified": true}}"#;
        assert!(PriceTable::parse(&minimal(bad_date)).is_err());
    }

    #[test]
    fn not_json_is_a_clear_error() {
        let err = PriceTable::parse("{ nope").unwrap_err();
        assert!(err.0.starts_with("not a valid price table"), "{err}");
    }
}
