"""Every bench, one after another, and one table of their results: a report, not a gate.

Each bench runs as its own process (``python bench/NAME.py --json FILE``),
never two at once, and hands back its results through FILE.  Processes, not
imports: the memory targets are a process's peak (max RSS), which only
grows, so benches sharing one process would each report the largest before
them; and a bench that crashes or leaks (files, threads, a warmed cache)
cannot change the next one's numbers.  The benches' own output goes to
stderr as they run; the table goes to stdout.

Columns: the metric, ours and the reference (per-side medians over the
rounds), the ratio (median round, with the least and greatest round), the
target and whether the median round meets it (and how many rounds did not).
Exit code 0 whether or not targets are met (the last line names those
missed); 1 only when a bench could not run.

    python bench/run_all.py [--markdown] [--only NAME[,NAME...]]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _timing  # bench/, this script's own folder

HERE = Path(__file__).resolve().parent
BENCHES = ("register", "register_session", "cli_startup", "receipts", "close", "ledger", "history")


def run(name: str, folder: Path) -> list[_timing.Result] | None:
    """One bench in its own process, its output passed on to stderr; None when it failed."""
    out = folder / f"{name}.json"
    print(f"== bench/{name}.py", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / f"{name}.py"), "--json", str(out)],
                          stdout=sys.stderr, stderr=sys.stderr)
    print(f"== bench/{name}.py: {time.perf_counter() - t0:.0f} s, exit {done.returncode}\n", file=sys.stderr,
          flush=True)
    if done.returncode != 0 or not out.exists():
        return None
    return [_timing.Result.from_dict(r) for r in json.loads(out.read_text())]


def summary(results: list[_timing.Result], failed: list[str]) -> str:
    missed = _timing.missed(results)
    lines = [f"missed: {r.bench}: {r.metric} (median {_timing.number(r.judged.median)}, "
             f"target {r.target.op} {_timing.number(r.target.value)})" for r in missed if r.target]
    lines += [f"did not run: bench/{name}.py (see its output above)" for name in failed]
    met = sum(r.passed is True for r in results)
    return "\n".join([f"{met} of {met + len(missed)} targets met on the median round."] + lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--only", help="comma-separated benches to run (default: all): " + ", ".join(BENCHES))
    args = parser.parse_args()
    names = BENCHES if not args.only else tuple(args.only.split(","))
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        parser.error(f"no such bench: {', '.join(unknown)}")
    results: list[_timing.Result] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            got = run(name, Path(folder))
            if got is None:
                failed.append(name)
            else:
                results += got
    print(_timing.table(results, markdown=args.markdown))
    print()
    print(summary(results, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
