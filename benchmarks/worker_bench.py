"""Throughput of JobWorker against the fake CodePipeline with added API latency.

Every API call takes ``--latency`` seconds (the fake's ``Faults(latency=...)``),
every job's handler ``--handler`` seconds. A job costs one acknowledge, one
report and (amortised) part of a poll, so with T threads no worker can beat
``T / (handler + 3 * latency)`` jobs per second; this prints the measured
throughput against that limit.

    python benchmarks/worker_bench.py --jobs 200
"""

from __future__ import annotations

import argparse
import threading
import time

from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId, Job
from codepipeline_jobs.testing import FakeCodePipeline, Faults
from codepipeline_jobs.worker import JobWorker, Outcome, Success

__all__ = ["main"]

ACTION = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="Bench", version="1")


def main() -> None:
    """Run the benchmark and print the result."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per API call")
    parser.add_argument("--handler", type=float, default=0.05, help="seconds per handler run")
    args = parser.parse_args()

    fake = FakeCodePipeline(faults=Faults(latency=args.latency))
    for _ in range(args.jobs):
        fake.add_job(ACTION)
    done = threading.Event()
    finished = 0
    lock = threading.Lock()

    def handler(_: Job) -> Outcome:
        time.sleep(args.handler)
        return Success()

    worker = JobWorker(
        fake.client(), ACTION, handler, max_workers=args.threads,
        poll_interval_min=0.01, poll_interval_max=0.1, handle_signals=False,
    )

    def watch() -> None:
        nonlocal finished
        while not done.is_set():
            stats = worker.stats
            with lock:
                finished = stats.succeeded
            if finished >= args.jobs:
                worker.stop()
                return
            time.sleep(0.005)

    started = time.perf_counter()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    worker.run()
    elapsed = time.perf_counter() - started
    done.set()
    stats = worker.stats
    assert stats.succeeded == args.jobs, stats
    throughput = args.jobs / elapsed
    limit = args.threads / (args.handler + 3 * args.latency)
    polls = fake.calls.count("PollForJobs")
    print(
        f"{args.jobs} jobs, {args.threads} threads, handler {args.handler * 1000:.0f} ms, "
        f"API latency {args.latency * 1000:.0f} ms\n"
        f"elapsed {elapsed:.2f} s, {polls} polls ({args.jobs / polls:.1f} jobs per poll)\n"
        f"throughput {throughput:.1f} jobs/s; theoretical limit {limit:.1f} jobs/s "
        f"= {throughput / limit:.0%} of the limit"
    )


if __name__ == "__main__":
    main()
