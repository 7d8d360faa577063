"""The benches' timing module runs and keeps its record straight (no timing is asserted: never speed in a test)."""

from __future__ import annotations

from bench import _timing


def test_one_tiny_interleaved_round_gives_a_whole_record() -> None:
    calls: list[str] = []

    def ours() -> int:
        calls.append("ours")
        return 3  # three units of work

    def reference() -> None:
        calls.append("reference")

    measured = _timing.interleave({"ours": ours, "reference": reference}, rounds=1)
    result = measured.compare("trivial", "ours", "reference", "/s", _timing.at_least(0.5))

    assert calls == ["ours", "reference"]
    assert measured.work == {"ours": [3.0], "reference": [1.0]}
    assert result.metric == "trivial" and result.unit == "/s" and result.rounds == 1
    assert result.target == _timing.Target(">=", 0.5)
    assert result.reference is not None and result.ratio is not None
    for spread in (result.ours, result.reference, result.ratio):
        assert spread.min <= spread.median <= spread.max
    assert result.passed in (True, False) and result.missed_rounds in (0, 1)
    assert _timing.Result.from_dict(result.to_dict()) == result
    assert len(_timing.table([result], markdown=True).splitlines()) == 3


def test_rounds_alternate_which_side_goes_first() -> None:
    calls: list[str] = []
    _timing.interleave({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, rounds=2, warmup=1)
    assert calls == ["b", "a", "a", "b", "b", "a"]  # the warm-up round is round -1


def test_absolute_metrics_have_a_spread_and_no_ratio() -> None:
    result = _timing.absolute("p99", [3.0, 1.0, 2.0], "ms", _timing.below(2.5))
    assert (result.ours.min, result.ours.median, result.ours.max) == (1.0, 2.0, 3.0)
    assert result.ratio is None and result.passed is True and result.missed_rounds == 1


def test_the_history_bench_builds_closed_days_and_runs_in_its_smoke_mode(tmp_path) -> None:
    """bench/history.py --smoke: a few closed days of a few orders, every metric once (its stores verify)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "history.json"
    script = Path(__file__).resolve().parent.parent / "bench" / "history.py"
    subprocess.run([sys.executable, str(script), "--smoke", "--json", str(out)], check=True, capture_output=True)
    results = [_timing.Result.from_dict(r) for r in json.loads(out.read_text())]
    assert {r.metric.split(":")[0] for r in results} == {
        "close one more day", "its Z report", "drawer status", "plain verify (a week, the closings, the control records)",
        "verify --full",
        "a cash sale", "Z report, mid-year / last closed day (6d)"}
    assert all(r.ratio is not None for r in results)
