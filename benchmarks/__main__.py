"""``python -m benchmarks``: run the benchmarks, print a table, write docs/performance.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ._common import Group, Sizes
from ._page import ROOT, console_table, machine, page, python_command

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["main"]

DEFAULT_PAGE = ROOT / "docs" / "performance.md"
GROUPS = ("poll", "conversion", "imports", "worker", "fleet", "artifacts")

DESCRIPTION = """\
Run the benchmarks of codepipeline-jobs side by side with their references (raw boto3,
Powertools, plain boto3 transfers, the theoretical limits), print a table, and write
docs/performance.md with the figures, the goals, how each figure is measured and the
machine they came from.

groups: poll (call overhead), conversion, imports (fresh processes), worker
(throughput and idle polling), fleet (two action types, API calls per job, an idle
fleet, the cost of telemetry), artifacts (a moto server in another process).
"""

EPILOG = """\
what gets written:
  a full run of every group writes docs/performance.md; --quick or --only writes
  nothing unless --write (docs/performance.md) or --output PATH is given; --no-write
  never writes. A full run takes several minutes (the 200 MiB artifacts most).

examples:
  python -m benchmarks                      full run, writes docs/performance.md
  python -m benchmarks --quick              smoke run (tiny sizes), table only
  python -m benchmarks --only poll worker   two groups, table only
  python -m benchmarks --quick --output /tmp/perf.md --json /tmp/perf.json
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run with tiny sizes (seconds, not minutes); writes nothing by default")
    parser.add_argument("--only", nargs="+", choices=GROUPS, metavar="GROUP",
                        help=f"run only these groups ({', '.join(GROUPS)}); writes nothing by default")
    parser.add_argument("--artifact-mib", type=int, default=None, metavar="N",
                        help="artifact size in MiB (default 200; 1 with --quick)")
    written = parser.add_mutually_exclusive_group()
    written.add_argument("--write", action="store_true",
                         help="write docs/performance.md even for --quick or --only")
    written.add_argument("--output", type=Path, metavar="PATH", help="write the page to PATH instead")
    written.add_argument("--no-write", action="store_true", help="write no page, whatever the run")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the raw measurements as JSON")
    return parser


def _help_for_page() -> str:
    """The ``--help`` text at a fixed width, whatever the terminal."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "92"
    try:
        return _parser().format_help()
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def _runners() -> dict[str, Callable[[Sizes], Group]]:
    from .artifacts_bench import bench_artifacts
    from .core_bench import bench_conversion, bench_poll
    from .fleet_bench import bench_fleet
    from .import_bench import bench_imports
    from .worker_bench import bench_worker

    return {
        "poll": bench_poll, "conversion": bench_conversion, "imports": bench_imports,
        "worker": bench_worker, "fleet": bench_fleet, "artifacts": bench_artifacts,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the chosen groups, print the table, write the page when asked (see ``--help``)."""
    parser = _parser()
    args = parser.parse_args(argv)
    quick: bool = args.quick
    chosen: list[str] = args.only or list(GROUPS)
    mib = args.artifact_mib if args.artifact_mib is not None else (1 if quick else 200)
    if mib < 1:
        parser.error("--artifact-mib must be at least 1")
    sizes = Sizes(quick=quick, artifact_mib=mib)
    target: Path | None
    if args.no_write:
        target = None
    elif args.output is not None:
        target = args.output
    elif args.write or (not quick and args.only is None):
        target = DEFAULT_PAGE
    else:
        target = None

    from ._wheel import remove_installed

    runners = _runners()
    groups: list[Group] = []
    try:
        for key in GROUPS:
            if key not in chosen:
                continue
            started = time.perf_counter()
            print(f"running {key} ...", file=sys.stderr, flush=True)
            groups.append(runners[key](sizes))
            print(f"  {key} done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    finally:
        remove_installed()  # the scratch venv of the fresh-process benchmarks

    print(console_table(groups))
    info = machine()
    if args.json is not None:
        raw = {"machine": info, "quick": quick, "groups": {group.key: group.raw for group in groups}}
        args.json.write_text(json.dumps(raw, indent=2, default=str) + "\n", encoding="utf-8")
    if target is not None:
        text = page(groups, info, sizes, python_command(), _help_for_page())
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    missed = [figure.name for group in groups for figure in group.figures if figure.met is False]
    if missed:
        where = "the page" if target is not None else "the table"
        smoke = "; a smoke run's figures mean nothing" if quick else ""
        print(f"{len(missed)} goal(s) missed (see {where}{smoke})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
