-- wrk script: POST /v1/responses with a fresh response (new uuid) per request.
-- Reads BENCH_TOKEN, BENCH_CAMPAIGN, BENCH_ORG_UNIT, BENCH_CHANNEL from the environment and prints one
-- JSON line (latencies in microseconds) when done.
local token = os.getenv("BENCH_TOKEN")
local campaign = os.getenv("BENCH_CAMPAIGN")
local org_unit = os.getenv("BENCH_ORG_UNIT")
local channel = os.getenv("BENCH_CHANNEL") or "online"
local answers = {"yes", "rather_yes", "rather_no", "no", "dont_know"}
local codes = {"q1_process", "q2_documents", "q3_duration", "q4_simplicity", "q5_support"}
local threads = {}

function setup(thread)
  thread:set("seed", #threads + 1)
  table.insert(threads, thread)
end

-- The seed from /dev/urandom: runs started within one second (the alternating rounds of a phase) seeded
-- from the clock alone drew the same ids, and a repeated id with another body is a 409.
local function entropy()
  local f = io.open("/dev/urandom", "rb")
  local bytes = f:read(4)
  f:close()
  local n = 0
  for i = 1, #bytes do n = n * 256 + bytes:byte(i) end
  return n
end

function init(args)
  math.randomseed(entropy() + (seed or 0) * 7919)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

local function r16() return math.random(0, 65535) end

local function uuid4()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    r16(), r16(), r16(), math.random(0, 4095), 32768 + math.random(0, 16383), r16(), r16(), r16())
end

function request()
  local parts = {}
  for _, code in ipairs(codes) do
    table.insert(parts, string.format('"%s":"%s"', code, answers[math.random(1, #answers)]))
  end
  table.insert(parts, string.format('"nps":%d', math.random(0, 10)))
  local body = string.format(
    '{"id":"%s","campaign_code":"%s","org_unit_code":"%s","channel":"%s","submitted_at":"%s","answers":{%s}}',
    uuid4(), campaign, org_unit, channel, os.date("!%Y-%m-%dT%H:%M:%SZ"), table.concat(parts, ","))
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"errors_status":%d,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
end
