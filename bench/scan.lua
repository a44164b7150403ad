-- wrk script for the scan benchmark: request the paths listed in a file, one per line.
--   wrk -t1 -c8 -d10s -s bench/scan.lua http://127.0.0.1:PORT -- PATHS_FILE [random|seq]
-- "random" picks a path at random for each request; "seq" walks the list once in order (a
-- cold cache sees every path for the first time). done() prints one JSON line of results.
local paths = {}
local mode = "random"
local next_index = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  mode = args[2] or "random"
  math.randomseed(os.time())
end

function request()
  local path
  if mode == "seq" then
    next_index = next_index + 1
    path = paths[((next_index - 1) % #paths) + 1]
  else
    path = paths[math.random(#paths)]
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
