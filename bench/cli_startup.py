"""Cold start-up of `pos order add` against a bare Typer "hello" command.

Each command is run as a fresh process, alternately, RUNS times; the script
prints the medians and their ratio.  Target: ratio at most 1.3 (a cashier
feels every extra 50 ms on every scan).

    python bench/cli_startup.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _time(argv: list[str], env: dict[str, str]) -> int:
    start = time.perf_counter_ns()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter_ns() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    # Byte-compile the project once, as an installed package would be; some
    # machines set PYTHONDONTWRITEBYTECODE and would otherwise recompile every run.
    root = Path(__file__).resolve().parent.parent
    import compileall

    compileall.compile_dir(root / "pos", quiet=1)
    compileall.compile_file(root / "cli.py", quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, POS_DB=str(Path(folder) / "pos.db"), POS_SESSION_FILE=str(Path(folder) / "s.json"))
        pos = _pos_command()
        quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run([*pos, "init", "--name", "Bench", "--timezone", "UTC"], **quiet)
        subprocess.run([*pos, "item", "add", "PIZZA-M", "Margherita", "12.50"], **quiet)
        # As at a real counter: staff exist, so the cashier is signed in, checked and audited on every command.
        subprocess.run([*pos, "staff", "add", "Alice", "--role", "owner", "--pin", "1234"], **quiet)
        subprocess.run([*pos, "login", "Alice"], input=b"1234\n", **quiet)
        subprocess.run([*pos, "order", "new"], **quiet)
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO)
        add = [*pos, "order", "add", "1", "PIZZA-M"]
        bare = [sys.executable, str(hello)]
        for argv in (add, bare):  # warm the OS file cache and .pyc files
            _time(argv, env)
        pos_ns: list[int] = []
        bare_ns: list[int] = []
        for _ in range(runs):
            pos_ns.append(_time(add, env))
            bare_ns.append(_time(bare, env))
    pos_ms = statistics.median(pos_ns) / 1e6
    bare_ms = statistics.median(bare_ns) / 1e6
    print(f"runs each:                 {runs}")
    print(f"bare typer hello (median): {bare_ms:.1f} ms")
    print(f"pos order add (median):    {pos_ms:.1f} ms")
    print(f"ratio:                     {pos_ms / bare_ms:.2f}  (target <= 1.30)")


if __name__ == "__main__":
    main()
