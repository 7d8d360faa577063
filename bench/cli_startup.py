"""Cold start-up of `pos order add` against a bare Typer "hello" command.

Each command is run as a fresh process, in RUNS rounds of one run each
(after one warm-up round), which goes first alternating from round to round
(see bench/_timing.py); the ratio is taken per round, and the script prints
the medians and the per-round ratios' min / median / max.  Target: the
median round's ratio at most 1.3 (a cashier feels every extra 50 ms on every
scan).

    python bench/cli_startup.py [RUNS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import _timing  # bench/, this script's own folder

HELLO = """
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


app()
"""


def _pos_command() -> list[str]:
    script = Path(sys.executable).with_name("pos")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import cli; cli.main()"]


def measure(runs: int = 15) -> list[_timing.Result]:
    # Byte-compile the project once, as an installed package would be; some
    # machines set PYTHONDONTWRITEBYTECODE and would otherwise recompile every run.
    root = Path(__file__).resolve().parent.parent
    import compileall

    for package in ("pos", "commands", "payments", "receipts", "screens", "web"):  # every layer a command may load
        compileall.compile_dir(root / package, quiet=1)
    for module in ("cli.py", "demo.py"):
        compileall.compile_file(root / module, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        import secrets

        # A shell of its own, as `eval "$(pos login NAME --shell)"` makes one: a sign-in is bound to its key.
        env = dict(os.environ, POS_DB=str(Path(folder) / "pos.db"), POS_SESSION_FILE=str(Path(folder) / "s.json"),
                   POS_TERMINAL_KEY=secrets.token_hex(24))
        pos = _pos_command()
        quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run([*pos, "init", "--name", "Bench", "--timezone", "UTC"], **quiet)
        subprocess.run([*pos, "item", "add", "PIZZA-M", "Margherita", "12.50"], **quiet)
        # As at a real counter: staff exist, so the cashier is signed in, checked and audited on every command.
        subprocess.run([*pos, "staff", "add", "Alice", "--role", "owner"], input=b"258036\n258036\n", **quiet)
        subprocess.run([*pos, "login", "Alice"], input=b"258036\n", **quiet)
        subprocess.run([*pos, "order", "new"], **quiet)
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO)
        add = [*pos, "order", "add", "1", "PIZZA-M"]
        bare = [sys.executable, str(hello)]
        run = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
        # The warm-up round fills the OS file cache and writes the .pyc files.
        measured = _timing.interleave({"pos": lambda: subprocess.run(add, **run),
                                       "bare": lambda: subprocess.run(bare, **run)}, runs, warmup=1)
    return [measured.compare("pos order add / bare typer hello, cold start", "pos", "bare", "ms",
                             _timing.at_most(1.3))]


if __name__ == "__main__":
    _timing.main(measure)
