"""CI's guard against tests that depend on the date they run.

``python3 .ci/clock.py faker DIR``: prints the path of a libfaketime that really moves
``time.time`` and ``datetime.now`` (and keeps ``time.sleep`` and thread timers working,
which Debian's 0.9.10 does not under Python 3.11), installing it into the scratch
folder DIR from PyPI's ``libfaketime`` package, or building that package's bundled
source, or falling back to Debian's; exits 1 with the reason when none works.

``python3 .ci/clock.py offset WHEN``: the FAKETIME offset (``+N`` seconds) that puts
the clock at WHEN (UTC, ``YYYY-MM-DD HH:MM:SS``) now. An offset, not libfaketime's
start-at form: every child process (the crash tests' killed registers, tmux) then reads
the same clock as its parent.

``python3 .ci/clock.py compare FIRST.xml SECOND.xml``: the two runs' JUnit reports must
hold the same tests with the same outcomes; prints each difference and exits 1 if any.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

PROBE = """
import datetime, threading, time
assert datetime.datetime.now(datetime.timezone.utc).year == 2040, datetime.datetime.now()
assert time.gmtime().tm_year == 2040
started = time.monotonic(); time.sleep(0.05); assert time.monotonic() - started < 5
done = threading.Event(); threading.Timer(0.05, done.set).start(); assert done.wait(5), "a thread timer never fired"
print("ok")
"""


def _env(library: str, offset: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LD_PRELOAD": library, "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
    return env


def works(library: Path) -> str | None:
    """None when ``library`` moves the clock and keeps sleeping and timers working, else why not."""
    if not library.is_file():
        return f"{library} does not exist"
    try:
        result = subprocess.run([sys.executable, "-c", PROBE], env=_env(str(library), offset("2040-06-01 12:00:00")),
                                capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return f"{library}: the probe hung (thread timers or sleep do not work under it)"
    if result.returncode != 0 or result.stdout.strip() != "ok":
        return f"{library}: {(result.stderr or result.stdout).strip().splitlines()[-1:]}"
    return None


def faker(scratch: Path) -> int:
    reasons: list[str] = []
    scratch.mkdir(parents=True, exist_ok=True)
    venv = scratch / "venv"
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "libfaketime>=3,<4"], check=True,
                       capture_output=True)
        found = subprocess.run(
            [str(venv / "bin" / "python"), "-c",
             "import importlib.util as u; print(u.find_spec('libfaketime').submodule_search_locations[0])"],
            check=True, capture_output=True, text=True).stdout.strip()
        source = Path(found) / "vendor" / "libfaketime" / "src"
        candidates = [source / "libfaketime.so.1"]
        why = works(candidates[0])
        if why is None:
            print(candidates[0])
            return 0
        reasons.append(why)
        build = scratch / "build"
        shutil.rmtree(build, ignore_errors=True)
        shutil.copytree(source, build)
        (build / "libfaketime.so.1").unlink(missing_ok=True)
        # As the package's own build does: sleeps and file times stay real, only the clock moves.
        subprocess.run(["make", "-C", str(build), "libfaketime.so.1"], check=True, capture_output=True,
                       env={**os.environ, "FAKETIME_COMPILE_CFLAGS": "-UFAKE_STAT -UFAKE_UTIME -UFAKE_SLEEP"})
        why = works(build / "libfaketime.so.1")
        if why is None:
            print(build / "libfaketime.so.1")
            return 0
        reasons.append(why)
    except (subprocess.CalledProcessError, OSError) as exc:
        reasons.append(f"libfaketime from PyPI: {exc}")
    for debian in sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")):
        why = works(debian)
        if why is None:
            print(debian)
            return 0
        reasons.append(why)
    print("ci: no working libfaketime: " + "; ".join(reasons), file=sys.stderr)
    return 1


def offset(when: str) -> str:
    target = datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return f"+{int(target.timestamp() - datetime.now(timezone.utc).timestamp())}"


def outcomes(report: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = child.tag
            elif child.tag == "skipped":
                outcome = f"skipped ({child.get('message', '')})"
        found[name] = outcome
    return found


def compare(first: Path, second: Path) -> int:
    a, b = outcomes(first), outcomes(second)
    differences = [f"  {name}: {a.get(name, 'not run')} on today's date, {b.get(name, 'not run')} with the clock moved"
                   for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
    if differences:
        print(f"ci: {len(differences)} test(s) behave differently with the clock moved:", *differences, sep="\n")
        return 1
    print(f"ci: the same {len(a)} outcomes with the clock moved")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "faker":
        return faker(Path(argv[1]))
    if len(argv) == 2 and argv[0] == "offset":
        print(offset(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
