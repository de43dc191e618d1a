//! The dashboard's reports of recent ranges, each kept while the days it was read from are
//! unchanged: a report is read again only when `aggregate` rewrote one of its days (their
//! statuses differ) or today's count from the raw events was renewed. One reading at a time
//! per range: clients asking for the same range meanwhile wait for it instead of reading it
//! again, while other ranges are answered. The views built from them are kept too, while
//! built from the same reports.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::Mutex;

use crate::backend::DayStatus;
use crate::model::day::DayRange;
use crate::pipeline::reading::CountedDay;
use crate::pipeline::report::Report;
use crate::report::period::Unit;
use crate::report::view::View;

/// Reports kept per site: a few ranges (this one and the previous period, a page's list).
const KEPT: usize = 8;

/// What a report was read from: the statuses of its range's days then, and the count of
/// today that stood in for today's rows.
struct Kept {
    statuses: Vec<DayStatus>,
    live: Option<Arc<CountedDay>>,
    report: Arc<Report>,
}

impl Kept {
    fn answers(&self, statuses: &[DayStatus], live: Option<&Arc<CountedDay>>) -> bool {
        let same_live = match (&self.live, live) {
            (None, None) => true,
            (Some(kept), Some(asked)) => Arc::ptr_eq(kept, asked),
            _ => false,
        };
        same_live && self.statuses == statuses
    }
}

/// One range and top: its kept report, behind a lock of its own, so that a long range being
/// read holds up only the requests for that range.
struct Slot {
    range: DayRange,
    top: usize,
    kept: Mutex<Option<Kept>>,
}

/// The reports of one site, most recently used last.
#[derive(Default)]
pub(super) struct ReportCache {
    slots: std::sync::Mutex<VecDeque<Arc<Slot>>>,
}

/// What a report is asked for with.
pub(super) struct Asked<'a> {
    pub(super) range: DayRange,
    pub(super) top: usize,
    /// The statuses of the range's days, read just before.
    pub(super) statuses: Vec<DayStatus>,
    pub(super) live: Option<&'a Arc<CountedDay>>,
}

impl ReportCache {
    /// The kept report for `asked`, or the one `read` makes, then kept.
    pub(super) async fn get_or_read<F>(
        &self,
        asked: Asked<'_>,
        read: F,
    ) -> anyhow::Result<Arc<Report>>
    where
        F: Future<Output = anyhow::Result<Report>>,
    {
        let slot = self.slot(asked.range, asked.top);
        let mut kept = slot.kept.lock().await;
        if let Some(kept) = kept
            .as_ref()
            .filter(|kept| kept.answers(&asked.statuses, asked.live))
        {
            return Ok(kept.report.clone());
        }
        let report = Arc::new(read.await?);
        *kept = Some(Kept {
            statuses: asked.statuses,
            live: asked.live.cloned(),
            report: report.clone(),
        });
        Ok(report)
    }

    /// The slot of `range` and `top`, made (and the least recently used one let go) when
    /// there is none.
    fn slot(&self, range: DayRange, top: usize) -> Arc<Slot> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let slot = match slots
            .iter()
            .position(|slot| (slot.range, slot.top) == (range, top))
        {
            Some(at) => slots.remove(at).expect("a found position"),
            None => Arc::new(Slot {
                range,
                top,
                kept: Mutex::new(None),
            }),
        };
        if slots.len() == KEPT {
            slots.pop_front();
        }
        slots.push_back(slot.clone());
        slot
    }
}

/// Views built from kept reports, most recently used last: one is built again only when one
/// of its reports was read again (another `Arc`) or another unit is asked for.
#[derive(Default)]
pub(super) struct ViewCache {
    entries: std::sync::Mutex<VecDeque<BuiltView>>,
}

struct BuiltView {
    report: Arc<Report>,
    previous: Option<Arc<Report>>,
    unit: Unit,
    view: Arc<View>,
}

impl ViewCache {
    /// The kept view of `report` against `previous` by `unit`, or the one `build` makes.
    pub(super) fn get_or_build(
        &self,
        report: Arc<Report>,
        previous: Option<Arc<Report>>,
        unit: Unit,
        build: impl FnOnce(&Report, Option<&Report>) -> View,
    ) -> Arc<View> {
        let same = |a: &Option<Arc<Report>>, b: &Option<Arc<Report>>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let found = entries.iter().position(|entry| {
            Arc::ptr_eq(&entry.report, &report)
                && same(&entry.previous, &previous)
                && entry.unit == unit
        });
        if let Some(at) = found {
            let entry = entries.remove(at).expect("a found position");
            let view = entry.view.clone();
            entries.push_back(entry);
            return view;
        }
        // Built outside the lock would let two clients build the same view; it takes
        // milliseconds, so holding the lock is the simpler bound on work.
        let view = Arc::new(build(&report, previous.as_deref()));
        if entries.len() == KEPT {
            entries.pop_front();
        }
        entries.push_back(BuiltView {
            report,
            previous,
            unit,
            view: view.clone(),
        });
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn status(on: &str, version: u64) -> DayStatus {
        DayStatus {
            day: day(on),
            change_version: version,
            aggregated_version: Some(version),
            aggregated_at: None,
            views: Some(version),
            pages: None,
            visitors: None,
            keyless_views: None,
            raw: Default::default(),
            layouts: Vec::new(),
        }
    }

    fn report(range: DayRange) -> Report {
        crate::pipeline::report::build(range, Vec::new(), &[], Some(10), false)
    }

    #[tokio::test]
    async fn a_range_is_read_again_only_when_one_of_its_days_changed() {
        let cache = ReportCache::default();
        let reads = AtomicUsize::new(0);
        let range = DayRange::new(day("2021-03-01"), day("2021-03-02")).unwrap();
        let ask = |version| Asked {
            range,
            top: 10,
            statuses: vec![status("2021-03-01", 1), status("2021-03-02", version)],
            live: None,
        };
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(report(range))
        };
        let first = cache.get_or_read(ask(1), read()).await.unwrap();
        let again = cache.get_or_read(ask(1), read()).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        cache.get_or_read(ask(2), read()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // Another top is another report; the first range's is still kept.
        let other = Asked { top: 5, ..ask(2) };
        cache.get_or_read(other, read()).await.unwrap();
        cache.get_or_read(ask(2), read()).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_renewed_count_of_today_reads_the_range_again() {
        let cache = ReportCache::default();
        let reads = AtomicUsize::new(0);
        let range = DayRange::single(day("2021-03-01"));
        let live = |views| {
            let tally = crate::model::count::Tally::default();
            let mut counted =
                crate::pipeline::reading::counted_day(day("2021-03-01"), views, &tally);
            counted.status.views = Some(views);
            Arc::new(counted)
        };
        let (older, newer) = (live(1), live(2));
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(report(range))
        };
        for (count, expected_reads) in [(&older, 1), (&older, 1), (&newer, 2)] {
            let asked = Asked {
                range,
                top: 10,
                statuses: Vec::new(),
                live: Some(count),
            };
            cache.get_or_read(asked, read()).await.unwrap();
            assert_eq!(reads.load(Ordering::SeqCst), expected_reads);
        }
    }

    #[tokio::test]
    async fn a_failed_reading_is_not_kept() {
        let cache = ReportCache::default();
        let range = DayRange::single(day("2021-03-01"));
        let ask = || Asked {
            range,
            top: 10,
            statuses: Vec::new(),
            live: None,
        };
        let failed = cache.get_or_read(ask(), async { Err(anyhow::anyhow!("gone")) });
        assert!(failed.await.is_err());
        let read = cache.get_or_read(ask(), async { Ok(report(range)) }).await;
        assert_eq!(read.unwrap().range, range);
    }

    #[test]
    fn a_view_is_built_again_only_from_other_reports_or_by_another_unit() {
        use crate::report::period::Grain;
        let cache = ViewCache::default();
        let range = DayRange::single(day("2021-03-01"));
        let (report, other) = (Arc::new(report(range)), Arc::new(report(range)));
        let builds = AtomicUsize::new(0);
        let build = |report: &Report, _: Option<&Report>| {
            builds.fetch_add(1, Ordering::SeqCst);
            let zone = crate::model::zone::Zone::UTC;
            crate::report::view::build(report, None, Unit::Days(Grain::Day), zone)
        };
        let days = Unit::Days(Grain::Day);
        let first = cache.get_or_build(report.clone(), None, days, build);
        let again = cache.get_or_build(report.clone(), None, days, build);
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        cache.get_or_build(other.clone(), None, days, build);
        cache.get_or_build(report.clone(), Some(other), days, build);
        cache.get_or_build(report, None, Unit::Days(Grain::Week), build);
        assert_eq!(builds.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_range_being_read_holds_up_only_its_own_requests() {
        let cache = ReportCache::default();
        let (slow_range, other) = (
            DayRange::single(day("2021-03-01")),
            DayRange::single(day("2021-03-02")),
        );
        let ask = |range| Asked {
            range,
            top: 10,
            statuses: Vec::new(),
            live: None,
        };
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow = cache.get_or_read(ask(slow_range), async move {
            released.await.expect("released");
            Ok(report(slow_range))
        });
        let fast = async {
            let answered = cache.get_or_read(ask(other), async { Ok(report(other)) });
            let answered = answered.await.unwrap();
            release.send(()).unwrap();
            answered
        };
        let both = async { tokio::join!(slow, fast) };
        let wait = std::time::Duration::from_secs(10);
        let (slow, fast) = tokio::time::timeout(wait, both)
            .await
            .expect("the other range is answered while the first is read");
        assert_eq!((slow.unwrap().range, fast.range), (slow_range, other));
    }
}
