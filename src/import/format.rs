//! The formats `import` reads, and the parser of one run (pure code): which module reads a
//! line of each format, and what a format carries from one line to the next (a W3C log's
//! `#Fields:` layout).

use super::alb::parse_alb;
use super::caddy::parse_caddy;
use super::cloudfront::{legacy_layout, parse_cloudfront_json};
use super::filter::Skip;
use super::json_log::{parse_json_log, JsonFields};
use super::request::{parse_ncsa, Ncsa, Request, Unparsable};
use super::s3_access::{parse_s3_access, S3Line};
use super::w3c::{parse_w3c, Dialect, Layout};

/// The formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// nginx's default and Apache's `combined`: common, then "referrer" "user agent".
    Combined,
    /// `combined` with the virtual host first (Apache's `vhost_combined`, `%v:%p`; nginx's
    /// `$host` in front).
    CombinedVhost,
    /// The NCSA common log format: no referrer, no user agent (so bots cannot be told
    /// apart, and a visitor is an address).
    Common,
    /// `common` with the virtual host first (Apache's `vhost_common`).
    CommonVhost,
    /// Caddy's JSON access log (any Caddy 2).
    Caddy,
    /// CloudFront's standard logs: the tab-separated legacy format, or v2's JSON output.
    Cloudfront,
    /// Application (and Classic) Load Balancer access logs.
    Alb,
    /// S3 server access logs of a static website (WEBSITE.* requests).
    S3,
    /// W3C extended (IIS), fields as its #Fields line names them.
    W3c,
    /// JSON lines with nginx's variable names (remote_addr, request, status...), or those
    /// --json-field gives.
    NginxJson,
    /// Events, one JSON object per line, as `export --what events` writes them.
    Ndjson,
}

impl LogFormat {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Combined => "combined",
            LogFormat::CombinedVhost => "combined-vhost",
            LogFormat::Common => "common",
            LogFormat::CommonVhost => "common-vhost",
            LogFormat::Caddy => "caddy",
            LogFormat::Cloudfront => "cloudfront",
            LogFormat::Alb => "alb",
            LogFormat::S3 => "s3",
            LogFormat::W3c => "w3c",
            LogFormat::NginxJson => "nginx-json",
            LogFormat::Ndjson => "ndjson",
        }
    }

    /// Whether the format records user agents (so that bots can be told apart).
    pub fn has_agents(self) -> bool {
        !matches!(self, LogFormat::Common | LogFormat::CommonVhost)
    }
}

/// What a line of a log is, read.
pub enum Parsed<'a> {
    Request(Request<'a>),
    /// A line about the lines after it (W3C's `#Fields:`, `#Version:`), not a request and
    /// not counted as a line.
    Directive,
    /// A request the format itself says is not a visit (an S3 API call).
    NotAVisit(Skip),
}

/// Reads the lines of one import run, remembering what a format carries between lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parser {
    format: LogFormat,
    /// The layout of W3C and CloudFront lines: from the last `#Fields:` line, else (for
    /// CloudFront) the documented one.
    layout: Option<Layout>,
    json: JsonFields,
}

impl Parser {
    pub fn new(format: LogFormat, json: JsonFields) -> Parser {
        let layout = (format == LogFormat::Cloudfront).then(legacy_layout);
        Parser {
            format,
            layout,
            json,
        }
    }

    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// Follows a line read in order without reading it as a request: a directive (a W3C
    /// log's `#` line) sets what the lines after it are, as [`Parser::parse`] would.
    pub fn follow(&mut self, line: &[u8]) {
        if matches!(self.format, LogFormat::Cloudfront | LogFormat::W3c) && line.starts_with(b"#") {
            let text = super::tokens::escape_invalid_utf8(line);
            // What the directive says is wrong is reported where the line is read.
            let _ = self.w3c(text.trim_end());
        }
    }

    /// Reads one line (not blank, without its line break).
    pub fn parse<'a>(&mut self, line: &'a str) -> Result<Parsed<'a>, Unparsable> {
        let request = match self.format {
            LogFormat::Combined => parse_ncsa(line, Ncsa::Combined, false),
            LogFormat::CombinedVhost => parse_ncsa(line, Ncsa::Combined, true),
            LogFormat::Common => parse_ncsa(line, Ncsa::Common, false),
            LogFormat::CommonVhost => parse_ncsa(line, Ncsa::Common, true),
            LogFormat::Caddy => parse_caddy(line),
            LogFormat::Alb => parse_alb(line),
            LogFormat::NginxJson => parse_json_log(line, &self.json),
            LogFormat::S3 => {
                return parse_s3_access(line).map(|read| match read {
                    S3Line::Website(request) => Parsed::Request(request),
                    S3Line::Api(skip) => Parsed::NotAVisit(skip),
                })
            }
            LogFormat::Cloudfront if line.starts_with('{') => parse_cloudfront_json(line),
            LogFormat::Cloudfront | LogFormat::W3c => return self.w3c(line),
            LogFormat::Ndjson => unreachable!("NDJSON lines are events, read by the importer"),
        };
        request.map(Parsed::Request)
    }

    fn w3c<'a>(&mut self, line: &'a str) -> Result<Parsed<'a>, Unparsable> {
        if let Some(directive) = line.strip_prefix('#') {
            if let Some(names) = directive.strip_prefix("Fields:") {
                let layout = Layout::from_names(names);
                self.layout = layout.as_ref().ok().cloned();
                layout?;
            }
            return Ok(Parsed::Directive);
        }
        let dialect = match self.format {
            LogFormat::Cloudfront => Dialect::Cloudfront,
            _ => Dialect::Iis,
        };
        let layout = self
            .layout
            .as_ref()
            .ok_or("no #Fields line with what a view needs before this line")?;
        parse_w3c(line, layout, dialect).map(Parsed::Request)
    }
}

impl From<LogFormat> for Parser {
    fn from(format: LogFormat) -> Parser {
        Parser::new(format, JsonFields::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_command_line_values() {
        use clap::ValueEnum as _;
        for format in LogFormat::value_variants() {
            let value = format.to_possible_value().unwrap();
            assert_eq!(format.name(), value.get_name());
        }
        assert_eq!(
            serde_json::to_string(&LogFormat::NginxJson).unwrap(),
            "\"nginx-json\""
        );
    }

    #[test]
    fn a_w3c_log_is_read_by_its_fields_line() {
        let mut parser = Parser::new(LogFormat::W3c, JsonFields::default());
        let line = "2021-03-13 10:00:00 GET /a 192.0.2.1 200 Mozilla/5.0+(X11)";
        assert_eq!(
            parser.parse(line).err(),
            Some("no #Fields line with what a view needs before this line")
        );
        assert!(matches!(
            parser.parse("#Software: Microsoft Internet Information Services 10.0"),
            Ok(Parsed::Directive)
        ));
        let fields = "#Fields: date time cs-method cs-uri-stem c-ip sc-status cs(User-Agent)";
        assert!(matches!(parser.parse(fields), Ok(Parsed::Directive)));
        let Ok(Parsed::Request(request)) = parser.parse(line) else {
            panic!("not read");
        };
        assert_eq!(request.user_agent.as_deref(), Some("Mozilla/5.0 (X11)"));
        // A #Fields line that lacks what a view needs says so, and the lines after it are not
        // read by the layout before it.
        assert!(parser.parse("#Fields: date time cs-method").is_err());
        assert!(parser.parse(line).is_err());
    }
}
