//! `pageviews serve`: a dashboard of one site or several, server-rendered from the daily rows
//! `aggregate` wrote (today's numbers counted from its raw events, at most once a minute),
//! and a JSON API beside it (`api`) answering what `report --format json` prints. Read-only;
//! who may read is `access`'s business.

pub mod access;
pub mod api;
mod cache;
pub mod experiment;
pub mod pages;
pub mod query;
pub mod routes;
pub mod shares;

use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

use crate::backend::Backend;
use crate::model::day::DayRange;
use crate::pipeline::reading::{count_live, read_report, read_summed, today_report, CountedDay};
use crate::pipeline::reading::{read_page, statuses_of, Reading};
use crate::pipeline::report::Report;
use crate::pipeline::shutdown::Shutdown;
use crate::report::period::Unit;
use crate::report::view::{self, View};
use crate::report::Meta;

/// Entries each breakdown of the overview shows; the rest are behind its full list.
pub const OVERVIEW_TOP: usize = 10;
/// How long today's numbers, counted from its raw events, are shown before a new count.
pub const LIVE_FOR: Duration = Duration::from_secs(60);

/// One deployment the dashboard shows.
pub struct Site {
    pub backend: Backend,
    /// Its name, backend and zone, for the pages.
    pub meta: Meta,
    /// Today's count and when it was made.
    live: Mutex<Option<(Instant, Arc<CountedDay>)>>,
    /// Reports of recent ranges, read again when their days change.
    reports: cache::ReportCache,
    /// Overviews built from those reports.
    views: cache::ViewCache,
}

impl Site {
    pub fn new(backend: Backend, meta: Meta) -> Site {
        Site {
            backend,
            meta,
            live: Mutex::new(None),
            reports: cache::ReportCache::default(),
            views: cache::ViewCache::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.meta.deployment
    }

    /// Today counted from its raw events, if `range` holds today: the last count when it is
    /// less than a minute old, else a new one (requests meanwhile wait for it, so that a
    /// refresh costs one count however many ask).
    pub async fn live(&self, range: DayRange) -> anyhow::Result<Option<Arc<CountedDay>>> {
        let today = self.backend.zone.today();
        if !range.contains(today) {
            return Ok(None);
        }
        let mut live = self.live.lock().await;
        if let Some((at, counted)) = live.as_ref() {
            if counted.day == today && at.elapsed() < LIVE_FOR {
                return Ok(Some(counted.clone()));
            }
        }
        let counted = Arc::new(count_live(&*self.backend.events, today).await?);
        *live = Some((Instant::now(), counted.clone()));
        Ok(Some(counted))
    }

    /// The report of `range` with its `top` pages and every breakdown: one day whole (its
    /// hours), a longer range summed day by day; today from `live`. Kept while its days are
    /// unchanged when it shows a few pages (a full list of pages is read each time: holding
    /// every page's rows of a long range would cost more memory than reading them again).
    pub async fn report(
        &self,
        range: DayRange,
        top: usize,
        live: Option<&Arc<CountedDay>>,
    ) -> anyhow::Result<Arc<Report>> {
        if top > OVERVIEW_TOP {
            return Ok(Arc::new(self.read_report(range, top, live).await?));
        }
        let statuses = statuses_of(&*self.backend.daily, range).await?;
        let asked = cache::Asked {
            range,
            top,
            statuses,
            live,
        };
        let read = self.read_report(range, top, live);
        self.reports.get_or_read(asked, read).await
    }

    /// The overview of `range` by `unit`: its report against the period before, built once
    /// for as long as both reports are kept.
    pub async fn overview(
        &self,
        range: DayRange,
        unit: Unit,
        live: Option<&Arc<CountedDay>>,
    ) -> anyhow::Result<Arc<View>> {
        let report = self.report(range, OVERVIEW_TOP, live).await?;
        let previous = match range.before() {
            Some(before) => Some(self.report(before, OVERVIEW_TOP, None).await?),
            None => None,
        };
        let zone = self.backend.zone;
        let build =
            |report: &Report, previous: Option<&Report>| view::build(report, previous, unit, zone);
        Ok(self.views.get_or_build(report, previous, unit, build))
    }

    async fn read_report(
        &self,
        range: DayRange,
        top: usize,
        live: Option<&Arc<CountedDay>>,
    ) -> anyhow::Result<Report> {
        let daily = &*self.backend.daily;
        let live = live.map(|counted| &**counted);
        match live {
            Some(counted) if range.len() == 1 && range.contains(counted.day) => {
                Ok(today_report(counted, Some(top), true))
            }
            _ if range.len() == 1 => {
                let reading = Reading {
                    page: None,
                    breakdowns: true,
                };
                read_report(daily, range, reading, Some(top)).await
            }
            _ => read_summed(daily, range, top, live).await,
        }
    }

    /// One page's report of `range`, today from `live`.
    pub async fn page_report(
        &self,
        range: DayRange,
        page: &str,
        live: Option<&CountedDay>,
    ) -> anyhow::Result<Report> {
        read_page(&*self.backend.daily, range, page, live).await
    }
}

/// Everything a request may read: the sites (the first is the default) and who may read.
pub struct Dashboard {
    pub sites: Vec<Site>,
    pub access: access::Access,
    /// Origins whose pages may read `/api/v1/count` from a script (CORS).
    pub allowed_origins: Vec<String>,
    /// The share links, each opening one site read-only when a token is asked for.
    pub shares: Option<shares::ShareCheck>,
    pub(crate) counts: api::CountCache,
}

impl Dashboard {
    pub fn new(
        sites: Vec<Site>,
        access: access::Access,
        allowed_origins: Vec<String>,
        shares: Option<shares::ShareCheck>,
    ) -> Self {
        Dashboard {
            sites,
            access,
            allowed_origins,
            shares,
            counts: api::CountCache::default(),
        }
    }

    /// Whether the share token of a request's `query` opens the site it asks for (the first
    /// when it names none).
    pub fn shared(&self, query: Option<&str>) -> bool {
        let (Some(check), Some(query)) = (&self.shares, query) else {
            return false;
        };
        let (mut token, mut site) = (None, None);
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                shares::PARAMETER => token = Some(value),
                "site" => site = Some(value),
                _ => {}
            }
        }
        let asked = site.as_deref().unwrap_or_else(|| self.sites[0].name());
        token
            .and_then(|token| check.site_of(&token))
            .is_some_and(|opened| opened == asked)
    }

    /// The site a request names, or the first.
    pub fn site(&self, name: Option<&str>) -> Result<&Site, String> {
        match name {
            None => Ok(&self.sites[0]),
            Some(name) => self
                .sites
                .iter()
                .find(|site| site.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = self.sites.iter().map(Site::name).collect();
                    format!(
                        "site={name:?} is not served here: expected {}",
                        names.join(", ")
                    )
                }),
        }
    }

    pub fn site_names(&self) -> Vec<String> {
        self.sites
            .iter()
            .map(|site| site.name().to_owned())
            .collect()
    }
}

/// Serves `dashboard` on `listener` until `shutdown`; open requests may finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    dashboard: Dashboard,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let router = routes::router(Arc::new(dashboard));
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.requested().await })
        .await
        .map_err(|err| anyhow::anyhow!("the dashboard's server stopped: {err}"))
}
