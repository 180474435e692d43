"""The benchmarks of codepipeline-jobs: ``python -m benchmarks`` runs them all.

Five groups, each a set of ratios measured side by side in one run (the machine
is shared and noisy, so absolute times move; interleaved ratios barely do):

- ``poll``: `poll_for_jobs` against the raw client call on the same in-process reply;
- ``conversion``: reading Lambda events with `structure` against Powertools and raw dicts;
- ``imports``: import and first-use cost in fresh processes, after ``import boto3``;
- ``worker``: `JobWorker` throughput against its theoretical limit, and idle polling;
- ``artifacts``: artifact download and upload against plain boto3, with a moto
  server in another process, and the peak memory growth of a fresh process.

``python -m benchmarks`` writes ``docs/performance.md``; ``python -m benchmarks --help``
tells the options (``--quick`` makes a smoke run with tiny sizes that writes nothing).
"""

from __future__ import annotations

__all__: list[str] = []
