"""Load generator, run in its own process (``python -m bench.loadgen SPEC.json``) so that the client
never shares an interpreter with the server it measures. Prints one JSON line.

Modes:

- ``batch``: POST pre-built bodies (``requests: [{token, body}]``) with ``concurrency`` senders;
  every item must come back ``accepted``; a 429 is honoured (Retry-After) and retried, and counted.
- ``single``: POST one fresh response per request for ``duration_s`` at ``concurrency`` (after
  ``warmup_s``), recording each latency; the fallback when ``wrk`` is not installed.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ANSWERS = ("yes", "rather_yes", "rather_no", "no", "dont_know")


async def batch(spec: dict[str, Any]) -> dict[str, Any]:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for request in spec["requests"]:
        queue.put_nowait((request["token"], request["body"].encode()))
    statuses: dict[str, int] = {}
    counters = {"requests": 0, "throttled": 0}
    limits = httpx.Limits(max_connections=spec["concurrency"], max_keepalive_connections=spec["concurrency"])
    async with httpx.AsyncClient(base_url=spec["url"], timeout=120, limits=limits) as client:

        async def sender() -> None:
            while not queue.empty():
                token, body = queue.get_nowait()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                while True:
                    answer = await client.post("/v1/responses/batch", content=body, headers=headers)
                    counters["requests"] += 1
                    if answer.status_code == 429:
                        counters["throttled"] += 1
                        await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
                        continue
                    if answer.status_code != 200:
                        raise RuntimeError(f"batch answered {answer.status_code}: {answer.text[:500]}")
                    for result in answer.json()["results"]:
                        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
                    break

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(sender() for _ in range(spec["concurrency"])))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"elapsed_s": elapsed, "client_cpu_s": cpu, "statuses": statuses, **counters}


async def single(spec: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random()
    headers = {"Authorization": f"Bearer {spec['token']}"} if spec.get("token") else {}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=spec["concurrency"], max_keepalive_connections=spec["concurrency"])

    def body() -> dict[str, Any]:
        answers: dict[str, Any] = {code: rng.choice(ANSWERS) for code in spec["satisfaction_codes"]}
        answers["nps"] = rng.randint(0, 10)
        return {
            "id": str(uuid.uuid4()),
            "campaign_code": spec["campaign_code"],
            "org_unit_code": spec["org_unit_code"],
            "channel": spec["channel"],
            "submitted_at": datetime.now(UTC).isoformat(),
            "answers": answers,
        }

    async with httpx.AsyncClient(base_url=spec["url"], timeout=30, limits=limits) as client:
        phase = {"measuring": False, "stop": False}

        async def worker() -> None:
            while not phase["stop"]:
                started = time.perf_counter()
                answer = await client.post("/v1/responses", json=body(), headers=headers)
                if phase["measuring"]:
                    latencies.append(time.perf_counter() - started)
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

        tasks = [asyncio.create_task(worker()) for _ in range(spec["concurrency"])]
        await asyncio.sleep(spec["warmup_s"])
        phase["measuring"] = True
        started = time.perf_counter()
        await asyncio.sleep(spec["duration_s"])
        phase["measuring"] = False
        elapsed = time.perf_counter() - started
        phase["stop"] = True
        await asyncio.gather(*tasks)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "elapsed_s": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    mode = {"batch": batch, "single": single}[spec["mode"]]
    print(json.dumps(asyncio.run(mode(spec))), flush=True)


if __name__ == "__main__":
    main()
