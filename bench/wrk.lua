-- wrk script of the rowgate benchmark.
--
-- Arguments (after wrk's --): a request file, the HTTP method, and the body
-- ("" for none). The request file has one line per user, "<path>\t<token>".
-- Every request takes the next line, so the tokens of all users rotate and
-- each thread starts at a different place in the list. The requests are
-- formatted once, in init, so wrk spends no time on them while it measures.

local requests = {}
local next_index = 1
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  local method, body = args[2], args[3]
  if body == nil or body == "" then
    body = nil
  end
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\t]+)\t(.+)$")
    if path then
      local headers = { ["Authorization"] = "Bearer " .. token }
      if body then
        headers["Content-Type"] = "application/json"
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  if #requests == 0 then
    error("no requests in " .. args[1])
  end
  next_index = (((thread_id or 1) - 1) * 397) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

-- The latency distribution at many percentiles, so that the benchmark can
-- merge runs taken in turns into one distribution.
local points = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
  99.5, 99.9, 99.99, 100 }

function done(summary, latency, requests)
  for _, p in ipairs(points) do
    io.write(string.format("quantile %g %d\n", p, latency:percentile(p)))
  end
end
