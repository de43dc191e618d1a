//! Everything that differs between backends lives under this folder: the contracts (queue,
//! event store, daily store, salts, imported objects, deployment), and one folder per backend
//! that keeps them.

pub mod aws;
mod deployment;
mod error;
#[cfg(any(test, feature = "test-support"))]
pub mod faulty;
mod imported;
pub mod local;
mod queue;
pub mod retry;
mod salts;
mod store;

use std::sync::Arc;
use std::time::Duration;

use crate::model::zone::Zone;

pub use deployment::{
    deployment, zone_refusal, BackendKind, Deployment, Facts, InitOptions, QueueKind, Removal,
    ResourceReport, ResourceState, Target, DEFAULT_MAX_RECEIVES,
};
pub use error::{BackendError, BackendResult, ErrorKind};
pub use imported::ImportedObjects;
pub use queue::{
    BatchResults, DeadLetter, Poison, Queue, QueueStats, ReceiveOptions, ReceivedMessage,
    RedriveMethod, RedriveOutcome, ShardState, StreamState, MAX_QUEUE_BATCH,
};
pub use salts::SaltStore;
pub use store::{
    sort_breakdown, BreakdownRow, DailyRow, DailyStore, DayCount, DayParts, DayStatus, DayWrite,
    EventStore, MessageEvents, PartBasis, RawLayout, RawState, StoredPart, WriteOutcome,
    WRITE_BOUND,
};

/// A fresh random token, as hex: message ids, receipts, lease owners.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A deployment opened for use: its queue and tables behind the contracts, and what commands
/// need to know about its backend.
#[derive(Clone)]
pub struct Backend {
    pub queue: Arc<dyn Queue>,
    pub events: Arc<dyn EventStore>,
    pub daily: Arc<dyn DailyStore>,
    /// The queue's visibility timeout, where known without asking the service.
    pub default_visibility: Option<Duration>,
    /// Where the deployment lives, for messages.
    pub location: String,
    pub facts: Facts,
    /// The zone whose calendar days the deployment counts in.
    pub zone: Zone,
    /// The day salts of visitor keys.
    pub salts: Arc<dyn SaltStore>,
    /// The objects `import s3://...` has read.
    pub imported: Arc<dyn ImportedObjects>,
    /// Days raw events are kept (DynamoDB's TTL; locally, what `aggregate` and `prune` keep
    /// once a day is counted); `None`: for ever.
    pub retention_days: Option<u32>,
    /// The queue the deployment put its events through before `init --change-queue`: kept
    /// for senders that started before the change, and emptied by every drain first.
    pub previous_queue: Option<Arc<dyn Queue>>,
    /// Streams the deployment had before its current one (0: it is the first): part of a
    /// stream record's identity, since a new stream numbers its records afresh and must not
    /// name its raw items as an old stream's were.
    pub stream_epoch: u32,
    /// Shards a day's raw events are spread over, where a part of a day must be whole shards
    /// (DynamoDB's): a day is counted in at most this many parts. `None`: the model's 64.
    pub day_shards: Option<u32>,
}

impl Backend {
    /// A deployment whose queue, tables, salts and imported objects one store serves.
    pub(crate) fn served_by<S>(
        store: Arc<S>,
        facts: Facts,
        location: String,
        zone: Zone,
        default_visibility: Option<Duration>,
        retention_days: Option<u32>,
    ) -> Backend
    where
        S: Queue + EventStore + DailyStore + SaltStore + ImportedObjects + 'static,
    {
        Backend {
            queue: store.clone(),
            events: store.clone(),
            daily: store.clone(),
            salts: store.clone(),
            imported: store,
            default_visibility,
            location,
            facts,
            zone,
            retention_days,
            previous_queue: None,
            stream_epoch: 0,
            day_shards: None,
        }
    }
}
