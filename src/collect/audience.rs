//! What a request says of its visitor besides the view, and what becomes of it: a network the
//! site owner ignores (`--ignore-network`: counted nowhere), a bot (kept apart as a hit of its
//! category and name, under `--bot-limit`), or a visitor's browser (its families, through the
//! model's agent rule) in a country and region (a CDN's header when `--country-header` trusts
//! one, else the `--geoip` database). The address is looked at here and dropped.

use axum::http::{HeaderMap, HeaderName};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::Arc;

use crate::collect::geoip::GeoFile;
use crate::collect::routes::Collector;
use crate::collect::view::{bot_event, ViewFields};
use crate::model::agent::{Agent, Agents};
use crate::model::event::{fields, Field, Fields};
use crate::model::geo::Place;

/// How the collector learns who its visitors are; built from the command line.
#[derive(Debug, Clone, Default)]
pub struct AudienceSettings {
    /// The database of `--geoip`, read again when it changes on disk.
    pub geoip: Option<Arc<GeoFile>>,
    /// A CDN's header naming the visitor's country (`--country-header`), trusted over the
    /// database when a request carries it.
    pub country_header: Option<HeaderName>,
    /// A CDN's header naming the visitor's region (`--region-header`).
    pub region_header: Option<HeaderName>,
    /// Networks whose requests are answered and counted nowhere (`--ignore-network`).
    pub ignored_networks: Vec<IpNet>,
    /// Bot hits kept per second, all clients together (`--bot-limit`).
    pub bot_limit: Option<Quota>,
}

/// What the collector's handlers ask about a request's visitor.
pub struct Audience {
    agents: Agents,
    settings: AudienceSettings,
    bot_limiter: Option<DefaultDirectRateLimiter>,
}

impl Audience {
    pub fn new(settings: AudienceSettings) -> Self {
        Audience {
            agents: Agents::new(),
            bot_limiter: settings.bot_limit.map(RateLimiter::direct),
            settings,
        }
    }

    /// Whether the client's address is in a network the site owner ignores.
    pub fn is_ignored(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.settings
            .ignored_networks
            .iter()
            .any(|network| network.contains(&address))
    }

    /// What the request's `User-Agent` (its text, if any) is.
    pub fn agent(&self, user_agent: Option<&str>) -> Arc<Agent> {
        self.agents.classify(user_agent)
    }

    /// Whether one more bot hit may be kept now (`--bot-limit`).
    pub fn may_keep_bot_hit(&self) -> bool {
        self.bot_limiter
            .as_ref()
            .is_none_or(|limiter| limiter.check().is_ok())
    }

    /// Sets a view's audience fields: the browser's families, the country and region.
    pub fn set_view_fields(
        &self,
        fields: &mut Fields,
        agent: &Agent,
        address: Option<IpAddr>,
        headers: &HeaderMap,
    ) {
        agent.set_fields(fields);
        let place = self.place(address, headers);
        fields.set(Field::Country, place.country);
        fields.set(Field::Region, place.region);
    }

    /// Where the client is: by the trusted header when the request has one, else by the
    /// database (when the address could be read), else nowhere known.
    pub fn place(&self, address: Option<IpAddr>, headers: &HeaderMap) -> Place {
        if let Some(place) = self.place_by_header(headers) {
            return place;
        }
        match (&self.settings.geoip, address) {
            (Some(file), Some(address)) => file.database().locate(address),
            _ => Place::default(),
        }
    }

    fn place_by_header(&self, headers: &HeaderMap) -> Option<Place> {
        let text = |name: &Option<HeaderName>| {
            headers
                .get(name.as_ref()?)
                .and_then(|value| value.to_str().ok())
        };
        let country = fields::country(text(&self.settings.country_header)?)
            .ok()
            .flatten()?;
        let region = text(&self.settings.region_header).and_then(|region| {
            // CloudFront says `BY`, others the whole code `DE-BY`.
            let code = match region.contains('-') {
                true => region.trim().to_owned(),
                false => format!("{country}-{}", region.trim()),
            };
            fields::region(&code)
                .ok()
                .flatten()
                .filter(|code| code.starts_with(country.as_str()))
        });
        Some(Place {
            country: Some(country),
            region,
        })
    }
}

impl Collector {
    /// Keeps a bot's hit, by category and name, unless `--bot-limit` is reached or the buffer
    /// is full; either way the request is answered as a view would be.
    pub(crate) async fn bot_hit(&self, fields: &ViewFields<'_>, agent: &Agent) {
        let Agent::Bot(bot) = agent else {
            return;
        };
        if !self.audience.may_keep_bot_hit() {
            self.metrics.bot_hit_not_kept();
            return;
        }
        let mut event = bot_event(fields, &self.ids, self.visitors.clock().now());
        agent.set_fields(&mut event.fields);
        self.metrics.buffering();
        match self.buffer.offer(event).await {
            Ok(()) => self.metrics.bot_hit_kept(bot.category),
            Err(_) => {
                self.metrics.not_buffered();
                self.metrics.bot_hit_not_kept();
            }
        }
    }
}

/// A `--ignore-network` value: a network in CIDR notation, or one address.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map(|network| network.trunc())
        .map_err(|_| {
            format!(
                "--ignore-network {text:?} is not a network: give CIDR notation (203.0.113.0/24, \
                 2001:db8::/32) or one address"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::fixtures::headers;

    fn cdn() -> Audience {
        Audience::new(AudienceSettings {
            country_header: Some(HeaderName::from_static("cloudfront-viewer-country")),
            region_header: Some(HeaderName::from_static("cloudfront-viewer-country-region")),
            ignored_networks: vec![
                parse_network("203.0.113.0/24").unwrap(),
                parse_network("2001:db8::1").unwrap(),
            ],
            ..AudienceSettings::default()
        })
    }

    #[test]
    fn a_trusted_header_names_the_country_and_region() {
        let audience = cdn();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let place = |pairs| audience.place(Some(address), &headers(pairs));
        let both = place(&[
            ("cloudfront-viewer-country", "de"),
            ("cloudfront-viewer-country-region", "BY"),
        ]);
        assert_eq!(
            (both.country.as_deref(), both.region.as_deref()),
            (Some("DE"), Some("DE-BY"))
        );
        let whole = place(&[
            ("cloudfront-viewer-country", "DE"),
            ("cloudfront-viewer-country-region", "FR-75C"),
        ]);
        assert_eq!(whole.region, None, "a region of another country is none");
        assert_eq!(
            place(&[("cloudfront-viewer-country", "XX")]),
            Place::default()
        );
        assert_eq!(
            place(&[("cloudfront-viewer-country", "Germany")]),
            Place::default()
        );
        assert_eq!(place(&[]), Place::default());
        // Without --country-header, the header is never read.
        let untrusted = Audience::new(AudienceSettings::default());
        let sent = headers(&[("cloudfront-viewer-country", "DE")]);
        assert_eq!(untrusted.place(Some(address), &sent), Place::default());
    }

    #[test]
    fn ignored_networks_hold_their_addresses_only() {
        let audience = cdn();
        for (address, ignored) in [
            ("203.0.113.77", true),
            ("::ffff:203.0.113.77", true),
            ("203.0.114.1", false),
            ("2001:db8::1", true),
            ("2001:db8::2", false),
        ] {
            assert_eq!(
                audience.is_ignored(address.parse().unwrap()),
                ignored,
                "{address}"
            );
        }
        assert_eq!(
            parse_network("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        let bad = parse_network("office").unwrap_err();
        assert!(
            bad.starts_with("--ignore-network \"office\" is not a network"),
            "{bad}"
        );
    }

    #[test]
    fn bot_hits_are_kept_up_to_the_limit() {
        let audience = Audience::new(AudienceSettings {
            bot_limit: Some(Quota::per_hour(std::num::NonZeroU32::new(3).unwrap())),
            ..AudienceSettings::default()
        });
        let kept = (0..5).filter(|_| audience.may_keep_bot_hit()).count();
        assert_eq!(kept, 3);
    }
}
