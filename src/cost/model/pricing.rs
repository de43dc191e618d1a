//! What the items are priced with (the workload, the region's prices, the free allowances),
//! and the one way a line item is built from a quantity, its price and its working.

use super::DAYS_PER_MONTH;
use crate::cost::fmt::count;
use crate::cost::items::{LineItem, UnitPrice};
use crate::cost::prices::{FreeKey, PriceKey, PriceTable, Region, Service};
use crate::cost::workload::Workload;

const MILLION: f64 = 1e6;

/// Everything the items need: the workload, the region's prices and the free allowances.
pub struct Pricing<'a> {
    pub workload: &'a Workload,
    pub region: &'a Region,
    pub free_sqs_requests: f64,
    pub free_dynamodb_gb: f64,
}

/// Where an item's price comes from: the table, or (per `unit`) a rate the table does not have.
pub enum Price {
    Table(PriceKey),
    Given(&'static str, Result<UnitPrice, String>),
}

impl From<PriceKey> for Price {
    fn from(key: PriceKey) -> Self {
        Price::Table(key)
    }
}

/// A price per `unit` given with `flag`, or why there is none (`what` names it).
pub(super) fn given(unit: &'static str, usd: Option<f64>, flag: &str, what: &str) -> Price {
    let price = usd
        .map(|usd| UnitPrice::from_flag(usd, flag))
        .ok_or_else(|| format!("{what} price unknown; give it with {flag}"));
    Price::Given(unit, price)
}

/// What an item counts for the month: what is billed, and what is used (more where part of it
/// is free).
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub billable: f64,
    pub used: f64,
}

impl Counted {
    /// `used` less a free allowance.
    pub fn less_free(used: f64, free: f64) -> Self {
        let billable = (used - free).max(0.0);
        Counted { billable, used }
    }
}

impl From<f64> for Counted {
    /// All of it billed: quantities are never negative.
    fn from(all: f64) -> Self {
        Counted::less_free(all, 0.0)
    }
}

impl<'a> Pricing<'a> {
    pub fn new(workload: &'a Workload, table: &PriceTable, region: &'a Region) -> Self {
        Pricing {
            workload,
            region,
            free_sqs_requests: table.free(FreeKey::SqsRequests).value,
            free_dynamodb_gb: table.free(FreeKey::DynamodbStorage).value,
        }
    }

    /// Every line item is made here: what it counts for the month (a [`Daily`] counts as its
    /// month), shown and priced in the unit of `price`.
    pub fn item(
        &self,
        component: &str,
        counted: impl Into<Counted>,
        price: impl Into<Price>,
        working: String,
    ) -> LineItem {
        let (unit, per, price) = match price.into() {
            Price::Table(key) => self.table_price(key),
            Price::Given(unit, price) => (unit, 1.0, price),
        };
        let counted = counted.into();
        LineItem {
            used: counted.used / per,
            ..LineItem::new(component, counted.billable / per, unit, price, working)
        }
    }

    /// The unit the table prices `key` per, how many counted units that is, and the region's
    /// price (Timestream's only where Timestream is offered).
    fn table_price(&self, key: PriceKey) -> (&'static str, f64, Result<UnitPrice, String>) {
        let (unit, per) = match key {
            PriceKey::SqsRequest | PriceKey::LambdaRequest => ("million requests", MILLION),
            PriceKey::LambdaGbSecond => ("GB-seconds", 1.0),
            PriceKey::DynamodbWrite => ("million WRU", MILLION),
            PriceKey::DynamodbRead => ("million RRU", MILLION),
            PriceKey::TimestreamWrite => ("million writes", MILLION),
            PriceKey::DynamodbStorage | PriceKey::TimestreamMagnetic | PriceKey::S3Storage => {
                ("GB-month", 1.0)
            }
            PriceKey::S3Put => ("thousand PUT", 1000.0),
            PriceKey::S3Get => ("thousand GET", 1000.0),
            PriceKey::TimestreamMemory => ("GB-hour", 1.0),
            PriceKey::KinesisShardHour => ("shard-hours", 1.0),
            PriceKey::KinesisPutPayloadUnit => ("million PUT units", MILLION),
            PriceKey::KinesisOnDemandStreamHour => ("stream-hours", 1.0),
            PriceKey::KinesisOnDemandWrite => ("GB written", 1.0),
            PriceKey::KinesisOnDemandRead => ("GB read", 1.0),
        };
        let offered = match key {
            PriceKey::TimestreamWrite
            | PriceKey::TimestreamMemory
            | PriceKey::TimestreamMagnetic => self.timestream_offered(),
            _ => Ok(()),
        };
        let price = offered.and_then(|()| {
            let entry = self.region.price(key);
            let missing = || format!("{key} price unknown for {}", self.region.code);
            entry.map(UnitPrice::from_table).ok_or_else(missing)
        });
        (unit, per, price)
    }

    /// Why Timestream for LiveAnalytics cannot be priced here, if it cannot.
    pub fn timestream_offered(&self) -> Result<(), String> {
        match self.region.unavailable(Service::Timestream) {
            Some(_) => Err(format!(
                "Timestream for LiveAnalytics is not offered in {}",
                self.region.code
            )),
            None => Ok(()),
        }
    }
}

/// A count made for one day of traffic and billed for the month (730 / 24 days).
#[derive(Debug, Clone, Copy)]
pub struct Daily {
    pub per_day: f64,
    /// What is counted, as the working names it: "RRU", "requests".
    unit: &'static str,
}

impl From<Daily> for Counted {
    fn from(day: Daily) -> Self {
        day.monthly().into()
    }
}

impl Daily {
    pub fn new(per_day: f64, unit: &'static str) -> Self {
        Daily { per_day, unit }
    }

    pub fn monthly(self) -> f64 {
        self.per_day * DAYS_PER_MONTH
    }

    /// "x 30.4167 days = 7,787 RRU".
    pub fn to_month(self) -> String {
        let days = count(DAYS_PER_MONTH);
        format!("x {days} days = {} {}", count(self.monthly()), self.unit)
    }

    /// "= 256 RRU/day x 30.4167 days = 7,787 RRU".
    pub fn day_to_month(self) -> String {
        let (day, unit) = (count(self.per_day), self.unit);
        format!("= {day} {unit}/day {}", self.to_month())
    }
}
