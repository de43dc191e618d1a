//! The AWS cost model behind `pageviews cost`: the price table, item sizes, and the monthly
//! bill of each way to run the pipeline. Pure math, no I/O.

pub mod estimate;
pub mod fmt;
pub mod items;
pub mod model;
pub mod packing;
pub mod prices;
pub mod render;
pub mod sizes;
pub mod sqs;
pub mod stream;
pub mod usage;
pub mod workload;

pub use estimate::Estimate;
pub use prices::PriceTable;
pub use usage::Usage;
pub use workload::Workload;
