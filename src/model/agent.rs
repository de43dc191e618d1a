//! Who is behind a user agent, as far as counting cares: a visitor's browser, or a bot, or a
//! script that sent none (pure code; the collector and log import both ask here).

/// Why a request is not counted as a visitor's view, judged by its user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAVisitor {
    /// A crawler, monitor, headless browser or HTTP library known to the bot list.
    Bot,
    /// Every browser sends a user agent; a request without one is a script.
    NoUserAgent,
}

/// The bot list of the `isbot` crate (a maintained set of several hundred patterns, tested
/// against real browser user agents so browsers are not taken for bots).
pub struct BotFilter {
    bots: isbot::Bots,
}

impl BotFilter {
    pub fn new() -> Self {
        BotFilter {
            bots: isbot::Bots::default(),
        }
    }

    /// Whether a user agent (a request header, an access log field) is a visitor's browser:
    /// not when there is none, nor when it is a bot's.
    pub fn check_agent(&self, agent: Option<&str>) -> Result<(), NotAVisitor> {
        let agent = agent
            .map(str::trim)
            .filter(|agent| !agent.is_empty())
            .ok_or(NotAVisitor::NoUserAgent)?;
        if self.bots.is_bot(agent) {
            return Err(NotAVisitor::Bot);
        }
        Ok(())
    }
}

impl Default for BotFilter {
    fn default() -> Self {
        BotFilter::new()
    }
}
