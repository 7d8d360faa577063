"""The benches' one way to time: interleaved rounds, min / median / max, one result record, one table.

Why rounds.  On a shared machine the speed of an fsync, the CPU's clock and
the load of other processes change from one second to the next.  Timing our
side in one phase and the reference in another lets a change between the
phases pass for a change in the code: ``bench/register.py`` once read 0.07
and 1.57 on the same code.  So every comparison here runs in rounds, each
small enough that the machine barely changes within it; every round runs
every side once, which side goes first rotating from round to round
(A B, B A, A B, ...; with three sides A B C, B C A, C A B), and the ratio is
taken *per round*.  A slow stretch then slows both sides of the rounds it
falls in and shows as spread (min-max), not as a wrong median.

A target is judged on the median round; the record also counts the rounds
that missed it, so a pass that holds only on the median is visible.

Use::

    rounds = interleave({"ours": ring_ten_sales, "raw": ten_commits}, rounds=20)
    rounds.compare("sales / raw commits", "ours", "raw", "/s", at_least(0.5))

Each side is a callable doing one round's work; it may return how many units
of work it did (sales, receipts, entries) so that its value is a rate
(unit ``"/s"``) or a time per unit (``"s"``, ``"ms"``, ``"us"``); anything
but a number counts as one.  ``main(measure)`` runs a bench's ``measure()`` from the command line
and prints its results; ``--json PATH`` also writes them for ``run_all.py``.
"""

from __future__ import annotations

import inspect
import json
import math
import operator
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

#: How to turn seconds per unit of work into a side's value, by unit; "/s" is a rate instead.
TIME_UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6}
RATE = "/s"
# A clock reading of 0 (a very fast side on a coarse clock) would make a ratio infinite.
_TICK = time.get_clock_info("perf_counter").resolution
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

Work = Callable[[], Any]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, what fn returned) for one call of fn."""
    t0 = time.perf_counter()
    value = fn()
    return max(time.perf_counter() - t0, _TICK), value


def times(count: int, fn: Callable[[], Any]) -> int:
    """Call fn ``count`` times; returns ``count``, the units of work, for a side of :func:`interleave`."""
    for _ in range(count):
        fn()
    return count


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank; 0.99 is the p99)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


@dataclass(frozen=True)
class Spread:
    """The least, median and greatest of a metric's per-round values."""

    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Spread":
        if not values:
            raise ValueError("no rounds to summarise")
        return cls(min(values), statistics.median(values), max(values))


@dataclass(frozen=True)
class Target:
    """A bound on a metric: ``op`` one of < <= > >=, against ``value``."""

    op: str
    value: float

    def met(self, value: float) -> bool:
        return _OPS[self.op](value, self.value)


def below(value: float) -> Target:
    return Target("<", value)


def at_most(value: float) -> Target:
    return Target("<=", value)


def at_least(value: float) -> Target:
    return Target(">=", value)


@dataclass(frozen=True)
class Result:
    """One metric of one bench: its rounds' spread, and against what it is judged.

    ``ours`` and ``reference`` are the sides' per-round values in ``unit``;
    ``ratio`` is ours / reference, taken round by round.  The target bounds the
    ratio when there is one, else ours; it is judged on the median round.
    """

    metric: str
    unit: str
    rounds: int
    ours: Spread
    reference: Spread | None = None
    ratio: Spread | None = None
    target: Target | None = None
    missed_rounds: int = 0
    bench: str = ""

    @property
    def judged(self) -> Spread:
        return self.ratio if self.ratio is not None else self.ours

    @property
    def passed(self) -> bool | None:
        """True or False against the target on the median round; None with no target."""
        return None if self.target is None else self.target.met(self.judged.median)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Result":
        def spread(part: Any) -> Spread | None:
            return None if part is None else Spread(**part)

        return cls(**{**data, "ours": spread(data["ours"]), "reference": spread(data.get("reference")),
                      "ratio": spread(data.get("ratio")),
                      "target": None if data.get("target") is None else Target(**data["target"])})


def absolute(metric: str, values: Sequence[float], unit: str, target: Target | None = None) -> Result:
    """A metric with no reference: the spread of its per-round values."""
    missed = 0 if target is None else sum(not target.met(v) for v in values)
    return Result(metric, unit, len(values), Spread.of(values), target=target, missed_rounds=missed)


def ratio(metric: str, ours: Sequence[float], reference: Sequence[float], unit: str,
          target: Target | None = None) -> Result:
    """Ours against a reference measured in the same rounds: the ratio is taken round by round."""
    if len(ours) != len(reference):
        raise ValueError(f"{metric}: {len(ours)} rounds of ours against {len(reference)} of the reference")
    ratios = [a / b for a, b in zip(ours, reference)]
    missed = 0 if target is None else sum(not target.met(r) for r in ratios)
    return Result(metric, unit, len(ratios), Spread.of(ours), Spread.of(reference), Spread.of(ratios), target,
                  missed)


@dataclass
class Rounds:
    """What :func:`interleave` measured: per side, each round's seconds and units of work."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    work: dict[str, list[float]] = field(default_factory=dict)

    def values(self, side: str, unit: str) -> list[float]:
        """Each round's value of one side: units a second for "/s", else time per unit of work."""
        pairs = zip(self.seconds[side], self.work[side])
        if unit == RATE:
            return [w / s for s, w in pairs]
        return [s / w * TIME_UNITS[unit] for s, w in pairs]

    def compare(self, metric: str, ours: str, reference: str, unit: str, target: Target | None = None) -> Result:
        return ratio(metric, self.values(ours, unit), self.values(reference, unit), unit, target)

    def absolute(self, metric: str, side: str, unit: str, target: Target | None = None) -> Result:
        return absolute(metric, self.values(side, unit), unit, target)

    def __add__(self, other: "Rounds") -> "Rounds":
        """The rounds of both, for the sides both measured."""
        common = [s for s in self.seconds if s in other.seconds]
        return Rounds({s: self.seconds[s] + other.seconds[s] for s in common},
                      {s: self.work[s] + other.work[s] for s in common})


def interleave(sides: Mapping[str, Work], rounds: int, *, warmup: int = 0,
               prepare: Mapping[str, Callable[[], Any]] | None = None) -> Rounds:
    """Run every side once a round, for ``rounds`` rounds, rotating which goes first.

    ``warmup`` rounds run first and are not kept.  ``prepare[side]``, when
    given, runs untimed just before each of that side's turns (a fresh copy of a
    store to close, say).  A number a side returns is its units of work that
    round; anything else (None, a process) counts as one.
    """
    if rounds < 1 or not sides:
        raise ValueError("interleave needs at least one side and one round")
    names = list(sides)
    measured = Rounds({n: [] for n in names}, {n: [] for n in names})
    for number in range(-warmup, rounds):
        first = number % len(names)
        for name in names[first:] + names[:first]:
            if prepare and name in prepare:
                prepare[name]()
            seconds, work = timed(sides[name])
            if number >= 0:
                measured.seconds[name].append(seconds)
                counted = isinstance(work, (int, float)) and not isinstance(work, bool)
                measured.work[name].append(float(work) if counted else 1.0)
    return measured


# --- printing -------------------------------------------------------------------------------

COLUMNS = ("bench", "metric", "rounds", "ours", "reference", "ratio (median, min-max)", "target", "result")


def number(value: float) -> str:
    """A value with as many decimals as it needs to be read at a glance."""
    size = abs(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 0.1 or size == 0:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _spread(spread: Spread) -> str:
    if spread.min == spread.max:
        return number(spread.median)
    return f"{number(spread.median)} ({number(spread.min)}-{number(spread.max)})"


def _verdict(result: Result) -> str:
    if result.passed is None:
        return "-"
    word = "pass" if result.passed else "MISS"
    if result.missed_rounds == 0 or (not result.passed and result.missed_rounds == result.rounds):
        return word
    return f"{word}, {result.missed_rounds}/{result.rounds} rounds miss"


def row(result: Result) -> list[str]:
    """The table's cells for one result."""
    unit = "" if result.unit == RATE else " "
    ours = (number(result.ours.median) if result.ratio is not None else _spread(result.ours)) + unit + result.unit
    reference = "-" if result.reference is None else number(result.reference.median) + unit + result.unit
    target = "-"
    if result.target is not None:
        bound = f"{result.target.op} {number(result.target.value)}"
        target = f"ratio {bound}" if result.ratio is not None else f"{bound}{unit}{result.unit}"
    return [result.bench, result.metric, str(result.rounds), ours, reference,
            "-" if result.ratio is None else _spread(result.ratio), target, _verdict(result)]


def table(results: Sequence[Result], markdown: bool = False) -> str:
    """The results as one table: aligned text, or Markdown."""
    cells = [list(COLUMNS)] + [row(r) for r in results]
    if markdown:
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(COLUMNS)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells[1:]])
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def missed(results: Sequence[Result]) -> list[Result]:
    return [r for r in results if r.passed is False]


# --- running a bench ------------------------------------------------------------------------


def main(measure: Callable[..., list[Result]], argv: Sequence[str] | None = None) -> list[Result]:
    """Run a bench: whole numbers on the command line fill ``measure``'s parameters in order.

    Prints the results as a table; ``--json PATH`` also writes them to PATH.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    json_path = None
    if "--json" in args:
        at = args.index("--json")
        json_path = args[at + 1]
        del args[at:at + 2]
    params = list(inspect.signature(measure).parameters)
    if len(args) > len(params) or not all(a.replace("_", "").isdigit() for a in args):
        sys.exit(f"usage: {Path(sys.argv[0]).name} " + " ".join(f"[{p.upper()}]" for p in params) + " [--json PATH]")
    bench = Path(inspect.getfile(measure)).stem
    results = [replace(r, bench=bench) for r in measure(**{p: int(a) for p, a in zip(params, args)})]
    print(table(results))
    if json_path is not None:
        Path(json_path).write_text(json.dumps([r.to_dict() for r in results], indent=1))
    return results
