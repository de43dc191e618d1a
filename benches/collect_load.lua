-- wrk script for benches/collect_load.rs: POST /v1/view as the snippet's sendBeacon does
-- (text/plain JSON body, Origin, a browser User-Agent), cycling over 100 pages. Every view
-- carries what a visitor arriving from a campaign link sends: the page's full URL with
-- utm_source, utm_medium and utm_campaign (and a parameter the collector drops), and a
-- referrer URL from one of several other sites, so the collector reads the campaign, reduces
-- the referrer to its host and checks it is not the site itself on every request. The requests
-- are built once per wrk thread, so the load generator spends its time on the connections.
-- Since the audience (docs/performance.md), requests also come from five browsers (desktop and
-- mobile, five user agents) at addresses of several networks (given in X-Forwarded-For, which
-- the collector trusts with --trust-forwarded-for; with --geoip tests/cli/fixtures/geoip/city.mmdb
-- three of them have a country), each view with a screen class, and one request in 20 is an AI
-- crawler's (GPTBot), which is counted apart, never as a view.
local pages = 100
local requests = {}
local next_request = 0
local sources = { "newsletter", "mastodon", "hn", "partner-blog" }
local referrers = {
   "https://www.google.com/",
   "https://news.ycombinator.com/item?id=%d",
   "https://mail.example.net/inbox/%d",
   "https://blog.example.org/posts/%d?from=feed",
   "http://site.test/posts/%03d",
}

local agents = {
   "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
   "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
   "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
   "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
   "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
}
local bot = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
local addresses = { "81.2.69.%d", "2001:db8:1::%x", "198.51.100.%d", "203.0.113.%d" }
local screens = { "laptop", "phone", "desktop", "phone", "laptop" }

function init(args)
   for i = 1, pages do
      local headers = {
         ["Content-Type"] = "text/plain;charset=UTF-8",
         ["Origin"] = "http://site.test",
         ["User-Agent"] = agents[(i - 1) % #agents + 1],
         ["X-Forwarded-For"] = string.format(addresses[(i - 1) % #addresses + 1], i),
      }
      if i % 20 == 0 then
         headers["User-Agent"] = bot
      end
      local page = string.format(
         "http://site.test/posts/%03d?utm_source=%s&utm_medium=email&utm_campaign=spring-%d&fbclid=x%d",
         i - 1, sources[(i - 1) % #sources + 1], (i - 1) % 3, i)
      local referrer = string.format(referrers[(i - 1) % #referrers + 1], i)
      local body = string.format('{"page":"%s","referrer":"%s","screen":"%s"}', page, referrer,
         screens[(i - 1) % #screens + 1])
      requests[i] = wrk.format("POST", "/v1/view", headers, body)
   end
end

function request()
   next_request = next_request % pages + 1
   return requests[next_request]
end
