-- wrk script for benches/collect_load.rs: POST /v1/view as the snippet's sendBeacon does
-- (text/plain JSON body, Origin, a browser User-Agent), cycling over 100 pages. Every view
-- carries what a visitor arriving from a campaign link sends: the page's full URL with
-- utm_source, utm_medium and utm_campaign (and a parameter the collector drops), and a
-- referrer URL from one of several other sites, so the collector reads the campaign, reduces
-- the referrer to its host and checks it is not the site itself on every request. The requests
-- are built once per wrk thread, so the load generator spends its time on the connections.
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

function init(args)
   local headers = {
      ["Content-Type"] = "text/plain;charset=UTF-8",
      ["Origin"] = "http://site.test",
      ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         .. "Chrome/131.0.0.0 Safari/537.36",
   }
   for i = 1, pages do
      local page = string.format(
         "http://site.test/posts/%03d?utm_source=%s&utm_medium=email&utm_campaign=spring-%d&fbclid=x%d",
         i - 1, sources[(i - 1) % #sources + 1], (i - 1) % 3, i)
      local referrer = string.format(referrers[(i - 1) % #referrers + 1], i)
      local body = string.format('{"page":"%s","referrer":"%s"}', page, referrer)
      requests[i] = wrk.format("POST", "/v1/view", headers, body)
   end
end

function request()
   next_request = next_request % pages + 1
   return requests[next_request]
end
