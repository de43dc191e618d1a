//! Line items and options of an estimate: quantity × unit price, or why there is no price.

use serde::Serialize;

use super::prices::PriceEntry;

/// Where a unit price came from, as the output shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitPrice {
    pub usd: f64,
    pub verified: bool,
    pub source: String,
    pub as_of: String,
}

impl UnitPrice {
    pub fn from_table(entry: &PriceEntry) -> Self {
        UnitPrice {
            usd: entry.value,
            verified: entry.verified,
            source: entry.source.clone(),
            as_of: entry.as_of.clone(),
        }
    }

    /// A price the user gave on the command line: theirs, so not ours to flag.
    pub fn from_flag(usd: f64, flag: &str) -> Self {
        UnitPrice {
            usd,
            verified: true,
            source: format!("given with {flag}"),
            as_of: "given".into(),
        }
    }
}

/// One component of an option's bill. `quantity` is billable (free tiers taken off) and in the
/// unit the price is per, so `quantity * unit price = monthly`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineItem {
    pub component: String,
    pub quantity: f64,
    /// What the month uses in the same unit: more than `quantity` where part of it is free.
    pub used: f64,
    pub unit: &'static str,
    pub price: Option<UnitPrice>,
    pub monthly_usd: Option<f64>,
    /// How the quantity was reached, in the user's terms.
    pub working: String,
    /// Why the item is free or not included.
    pub note: Option<String>,
}

impl LineItem {
    /// Prices `quantity`; without a price the item is free when nothing is billable and
    /// otherwise "not included" for `missing`.
    pub fn new(
        component: &str,
        quantity: f64,
        unit: &'static str,
        price: Result<UnitPrice, String>,
        working: String,
    ) -> Self {
        let (price, monthly_usd, note) = match price {
            Ok(price) => {
                let monthly = quantity * price.usd;
                (Some(price), Some(monthly), None)
            }
            Err(_) if quantity == 0.0 => (None, Some(0.0), Some("nothing billable".to_owned())),
            Err(missing) => (None, None, Some(format!("not included: {missing}"))),
        };
        LineItem {
            component: component.to_owned(),
            quantity,
            used: quantity,
            unit,
            price,
            monthly_usd,
            working,
            note,
        }
    }

    pub fn included(&self) -> bool {
        self.monthly_usd.is_some()
    }
}

/// One way to run the pipeline, with its bill.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOption {
    pub name: String,
    pub items: Vec<LineItem>,
    /// Facts and assumptions that belong to this option.
    pub notes: Vec<String>,
}

impl PipelineOption {
    /// The sum of the items that have a price.
    pub fn monthly_usd(&self) -> f64 {
        self.items.iter().filter_map(|item| item.monthly_usd).sum()
    }

    pub fn missing(&self) -> Vec<&LineItem> {
        self.items.iter().filter(|item| !item.included()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(quantity: f64, price: Result<f64, &str>) -> LineItem {
        let price = price
            .map(|usd| UnitPrice::from_flag(usd, "--test"))
            .map_err(str::to_owned);
        LineItem::new("x", quantity, "million WRU", price, String::new())
    }

    #[test]
    fn priced_items_multiply() {
        let item = item(0.5, Ok(0.625));
        assert_eq!(item.monthly_usd, Some(0.3125));
        assert!(item.note.is_none());
    }

    #[test]
    fn unknown_price_is_free_only_when_nothing_is_billable() {
        assert_eq!(item(0.0, Err("price unknown")).monthly_usd, Some(0.0));
        let missing = item(2.0, Err("price unknown"));
        assert_eq!(missing.monthly_usd, None);
        assert_eq!(missing.note.as_deref(), Some("not included: price unknown"));
    }

    #[test]
    fn totals_skip_missing_items() {
        let option = PipelineOption {
            name: "o".into(),
            items: vec![item(1.0, Ok(2.0)), item(1.0, Err("unknown"))],
            notes: vec![],
        };
        assert_eq!(option.monthly_usd(), 2.0);
        assert_eq!(option.missing().len(), 1);
    }
}
