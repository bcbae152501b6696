"""Drive one endpoint with wrk and read back what it measured.

`run(base_url, items, connections=..., seconds=..., once=...)` sends requests built
from `items`, lines of the form "METHOD<TAB>PATH<TAB>ACCESS_TOKEN<TAB>JSON_BODY"
(token and body may be empty; make them with `item()`). With `once=True` every
line is sent at most once (login codes, refresh tokens and activations work only
once): wrk thread k of n takes lines k, k+n, k+2n, ... and, should they run out,
stops and the result says `exhausted` (the caller sizes the data so that it does
not happen). With `once=False` each thread cycles through all lines.

The result has requests/s, p50/p90/p99/max latency in ms, the count of each HTTP
status, socket errors, and `errors`: non-2xx answers plus socket errors.
Only 127.0.0.1 is ever targeted.
"""

import json
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

LUA = r"""
-- args: <data file> <once|cycle> <number of threads>
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[2]
  local count = tonumber(args[3])
  items = {}
  local i = 0
  for line in io.lines(args[1]) do
    if line ~= "" then
      if mode == "cycle" or i % count == id then
        items[#items + 1] = line
      end
      i = i + 1
    end
  end
  pos = (mode == "cycle") and (id % #items) or 0
  statuses = {}
  used = 0
  exhausted = 0
end

function request()
  if pos >= #items then
    if mode == "once" then
      exhausted = 1
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
    pos = 0
  end
  pos = pos + 1
  used = used + 1
  local method, path, token, body = items[pos]:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if body == "" then
    body = nil
  else
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged, used_total, exhausted_total = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
    used_total = used_total + thread:get("used")
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  local parts = {}
  for status, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"used": %d, "exhausted": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    used_total, exhausted_total, table.concat(parts, ", ")))
end
"""


def item(method: str, path: str, token: str = "", body: dict | None = None) -> str:
    return "\t".join([method, path, token, json.dumps(body) if body is not None else ""])


def run(
    base_url: str,
    items: list[str],
    *,
    connections: int,
    seconds: float,
    once: bool,
    timeout: int = 30,
) -> dict:
    if urlsplit(base_url).hostname != "127.0.0.1":
        raise ValueError(f"refusing to load anything but 127.0.0.1: {base_url}")
    threads = 1 if connections == 1 else 2
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, data = Path(tmp) / "items.lua", Path(tmp) / "items.txt"
        script.write_text(LUA)
        data.write_text("".join(line + "\n" for line in items))
        command = [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s",
            "-s", str(script), base_url, "--", str(data), "once" if once else "cycle", str(threads),
        ]  # fmt: skip
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=seconds + timeout + 60, check=False
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(lines[-1].removeprefix("RESULT "))
    statuses = {int(status): n for status, n in sorted(raw["statuses"].items())}
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    non_2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    return {
        "connections": connections,
        "threads": threads,
        "seconds": raw["duration_us"] / 1e6,
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "bytes_per_response": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
        "statuses": statuses,
        "socket_errors": socket_errors,
        "errors": non_2xx + socket_errors,
        "items_used": raw["used"],
        "exhausted": bool(raw["exhausted"]),
    }
