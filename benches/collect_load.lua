-- wrk script for benches/collect_load.rs: POST /v1/view as a browser's sendBeacon does
-- (text/plain JSON body, Origin, a browser User-Agent), cycling over 100 pages. The requests
-- are built once per wrk thread, so the load generator spends its time on the connections.
local pages = 100
local requests = {}
local next_request = 0

function init(args)
   local headers = {
      ["Content-Type"] = "text/plain;charset=UTF-8",
      ["Origin"] = "http://site.test",
      ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         .. "Chrome/131.0.0.0 Safari/537.36",
   }
   for i = 1, pages do
      local body = string.format('{"page":"/posts/%03d"}', i - 1)
      requests[i] = wrk.format("POST", "/v1/view", headers, body)
   end
end

function request()
   next_request = next_request % pages + 1
   return requests[next_request]
end
