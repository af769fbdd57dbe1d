-- wrk script: GET the URL wrk is given, with the bearer token from BENCH_TOKEN. Prints one JSON line
-- (latencies in microseconds, p95 among them) when done.
local token = os.getenv("BENCH_TOKEN")

function init(args)
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"errors_status":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
