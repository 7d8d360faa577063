"""A store that cannot be written, and a sign-in that cannot be kept.

A read-only file, a read-only folder, a read-only filesystem, a full disk: every change ends in
one ``error:`` line that says what is wrong and what to do, exit 1, nothing written; reading
(orders, the books, the Z report) still works.  A sign-in file that cannot be written leaves no
sign-in in the store.

We usually run as root, where ``chmod`` stops nothing, so each case uses what really stops
writes here: ``chattr +i`` (root) or ``chmod`` (anyone else) in-process, and for filesystems a
private user and mount namespace (``unshare -rm``) in which a folder is bind-mounted read-only
or a tiny tmpfs is filled up; there ``pos`` runs as a subprocess, its clock frozen like ours.
Each case skips, saying why, where its tool is missing or not permitted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import pytest
from freezegun import freeze_time

from commands.signin import terminal_binding
from pos.store import migrations
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.base.errors import DiskFull, StoreReadOnly
from pos.sales.orders import add_line, new_order
from pos.people.signin import who
from pos.people.staff import add_staff
from pos.store.store import Store, latest_schema_version
from tests.conftest import Cli, snapshot

NOON = "2026-11-23 17:00:00"  # noon in New York, the test stores' zone
REPO = Path(__file__).resolve().parent.parent


class Shop(NamedTuple):
    db: Path
    order_id: str
    session: Path


@pytest.fixture
def shop(make_store: Callable[..., Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    """A store in its own folder (closed: no -wal or -shm), with an open order, a drawer, and Alice signed in."""
    (tmp_path / "shop").mkdir()
    session = tmp_path / "signin" / "session.json"
    monkeypatch.setenv("POS_SESSION_FILE", str(session))
    with freeze_time(NOON):
        store = make_store("shop/pos.db")
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
        with monkeypatch.context() as cost:  # at today's cost: a process of its own (which hashes at today's
            from pos.people import pins  # cost) never rewrites it to a dearer one, so a refused command writes nothing

            cost.setattr(pins, "_SCRYPT_N", pins.PIN_COST[0])
            add_staff(store, "Alice", "cashier", "2580")
        open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        Cli(store.path).ok("login", "Alice", input="2580\n")
    store.close()
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["pos.db"]
    return Shop(store.path, order.id, session)


def writes(shop: Shop) -> list[tuple[list[str], str]]:
    """Commands that change the store, each with what it is given to type."""
    return [
        (["login", "Alice"], "2580\n"),
        (["order", "new"], ""),
        (["logout"], ""),
        (["pay", shop.order_id, "cash", "20"], ""),
        (["day", "close", "--day", "2026-11-23", "--count", "1=113.61", "--carry-over", "--force"], ""),
        (["item", "add", "SODA", "Soda", "2.49"], ""),
        (["register", "--name", "Alice"], "2580\ny\n"),  # the counter session: PIN, start the shift, Ctrl-D
    ]


def reads(shop: Shop) -> list[tuple[list[str], str]]:
    """Commands that only read, each with a piece of what they show."""
    return [
        (["order", "list", "--day", "2026-11-23"], "Orders 2026-11-23"),
        (["order", "show", shop.order_id], "Margherita 12in"),
        (["ledger", "verify"], "OK: 1 entry"),
        (["day", "report", "--day", "2026-11-23"], "Z report 2026-11-23"),
        (["item", "list"], "PIZZA-M"),
        (["ledger", "export", "--format", "csv"], "entry_id"),
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def signed_in(shop: Shop) -> bool:
    """Whether the sign-in kept on this terminal is still good in the store."""
    token = json.loads(shop.session.read_text())["token"]
    with freeze_time(NOON), Store.open(shop.db) as store:
        return who(store, token, terminal=terminal_binding()) is not None


def test_control_every_write_would_change_a_writable_store(shop: Shop) -> None:
    """The same commands on the same store, writable: each one succeeds and writes (so a refusal below is the disk's)."""
    cli = Cli(shop.db)
    with freeze_time(NOON):
        for args, typed in writes(shop):
            before = snapshot(shop.db)
            cli.ok(*args, input=typed)
            assert snapshot(shop.db) != before, args


# -- in-process: a read-only file, a read-only folder -------------------------------------------


@contextmanager
def unwritable(path: Path) -> Iterator[str]:
    """Make a file or folder unwritable to this process with whatever works here; always undone."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield "chmod a-w"
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root, where chmod stops no write, and chattr is not installed")
    done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"running as root, where chmod stops no write, and 'chattr +i' is refused here: "
                    f"{done.stderr.strip()}")
    try:
        yield "chattr +i"
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def check_refused_and_reads(shop: Shop, says: str, readable: bool) -> None:
    cli = Cli(shop.db)
    with freeze_time(NOON):
        for args, typed in writes(shop):
            before = digest(shop.db)
            if readable:
                cli.fails(*args, input=typed, says=says)  # one error line, no traceback, snapshot unchanged
            else:  # SQLite cannot even be asked for a snapshot here: the file's bytes must be the same
                result = cli(*args, input=typed)
                assert result.exit_code == 1, (args, result.output, result.exception)
                assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
                assert says in result.output.lower() and "Traceback" not in result.output
            assert digest(shop.db) == before, args
            assert "PIN" not in cli(*args, input=typed).output, "asked for a PIN it could never record"
        for args, shows in reads(shop):
            result = cli.ok(*args)
            assert shows in result.output, (args, result.output)


def test_a_read_only_file_refuses_every_change_and_still_reads(shop: Shop) -> None:
    with unwritable(shop.db):
        check_refused_and_reads(shop, says="the store is read-only", readable=True)
        said = Cli(shop.db)("order", "new").output
        assert f"{shop.db} cannot be written (the file is read-only)" in said and "Check its permissions" in said
    assert signed_in(shop) and shop.session.exists()  # the refused logout ended nothing


def test_a_read_only_folder_refuses_every_change_and_still_reads(shop: Shop) -> None:
    folder = shop.db.parent
    with unwritable(folder):
        check_refused_and_reads(shop, says="the store is read-only", readable=False)
        assert f"its folder {folder} is read-only" in Cli(shop.db)("order", "new").output
        assert sorted(p.name for p in folder.iterdir()) == ["pos.db"]  # no -wal, -shm or .part left behind
    assert signed_in(shop) and shop.session.exists()


def test_the_core_refuses_a_change_before_it_begins_and_reads(shop: Shop) -> None:
    with unwritable(shop.db):
        with Store.open(shop.db) as store:
            assert store.read_only == "the file is read-only"
            assert store.scalar("SELECT count(*) FROM orders") == 1
            with pytest.raises(StoreReadOnly, match="nothing was written"):
                with store.write():
                    raise AssertionError("the body of a refused change never runs")
            assert not store.in_transaction


def test_a_read_only_store_with_pending_migrations_is_refused_untouched(shop: Shop,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    extra = (latest_schema_version() + 1, "test: notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY);")
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, extra])
    before = snapshot(shop.db)
    with unwritable(shop.db):
        result = Cli(shop.db).fails("order", "list", says="needs an upgrade")
        assert "cannot be written (the file is read-only): it was left untouched" in result.output
    assert snapshot(shop.db) == before


def test_init_in_a_read_only_folder_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "new-shop"
    folder.mkdir()
    with unwritable(folder):
        result = Cli(folder / "pos.db").fails("init", "--name", "Shop", says="cannot create a store in")
        assert "the folder cannot be written" in result.output
    assert not list(folder.iterdir())


def test_a_full_database_inside_a_change_is_one_clear_error(shop: Shop) -> None:
    """SQLITE_FULL from a statement inside ``write()`` (here: the page limit, which works anywhere)."""
    with Store.open(shop.db) as store:
        before = snapshot(shop.db)
        pages = store.scalar("PRAGMA page_count")
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(DiskFull, match="The disk is full: nothing was written") as err:
            with store.write() as conn:
                conn.execute("CREATE TABLE filler (x)")
                conn.execute("INSERT INTO filler SELECT randomblob(4000) FROM (SELECT 1 UNION ALL SELECT 2)")
        assert isinstance(err.value.__cause__, sqlite3.OperationalError)
        assert not store.in_transaction
    assert snapshot(shop.db) == before


# -- sign-in files that cannot be written ----------------------------------------------------------


def test_a_sign_in_file_in_a_read_only_folder_signs_nobody_in(shop: Shop) -> None:
    cli = Cli(shop.db)
    kept = shop.session.read_text()
    with unwritable(shop.session.parent):
        with freeze_time(NOON):
            result = cli.fails("login", "Alice", input="2580\n", says="cannot keep the sign-in")
        assert "nobody was signed in" in result.output and "POS_SESSION_FILE" in result.output
        assert shop.session.read_text() == kept  # the sign-in already on this terminal is as it was
        assert sorted(p.name for p in shop.session.parent.iterdir()) == ["session.json"]


def test_logout_with_a_read_only_sign_in_folder_signs_nobody_out(shop: Shop) -> None:
    with unwritable(shop.session.parent):
        with freeze_time(NOON):
            result = Cli(shop.db).fails("logout", says="cannot sign out")
        assert "nobody was signed out" in result.output
    assert signed_in(shop) and shop.session.exists()
    with freeze_time(NOON):
        assert "Signed out." in Cli(shop.db).ok("logout").output  # and once the folder is writable again, it works
    assert not shop.session.exists() and not list(shop.session.parent.iterdir())


def test_a_sign_in_file_whose_folder_is_a_file_signs_nobody_in(shop: Shop, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    for session in (blocker / "session.json", blocker / "deeper" / "session.json"):
        monkeypatch.setenv("POS_SESSION_FILE", str(session))
        with freeze_time(NOON):
            result = Cli(shop.db).fails("login", "Alice", input="2580\n", says="cannot keep the sign-in")
        assert "a part of that path is a file, not a folder; nobody was signed in" in result.output
    assert blocker.read_text() == "x"


# -- in a private mount namespace: a read-only filesystem, a full disk ---------------------------------

# Runs inside `unshare -rm`: sets the condition up, then runs each pos command as a subprocess and
# compares the store's snapshot (of a copy made outside the mount, so it works on any media) before
# and after it.  Exit 77: the condition could not be set up here (the test skips, saying why).
DRIVER = r'''
import json, os, shutil, sqlite3, subprocess, sys
from pathlib import Path

spec = json.loads(Path(sys.argv[1]).read_text())
sys.path.insert(0, spec["repo"])
from tests.conftest import snapshot

for command in spec["setup"]:
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"{command}: {done.stderr.strip()}", file=sys.stderr)
        sys.exit(77)
holder = None
if spec["hold"]:  # another register has the store open, so its -wal and -shm exist
    holder = sqlite3.connect(spec["db"])
    holder.execute("SELECT count(*) FROM settings").fetchone()
for command in spec["then"]:
    subprocess.run(["sh", "-c", command], capture_output=True)
copies = Path(spec["copies"])

def state():
    copy = copies / str(len(list(copies.iterdir())))
    copy.mkdir()
    for suffix in ("", "-wal"):
        if os.path.exists(spec["db"] + suffix):
            shutil.copyfile(spec["db"] + suffix, copy / ("pos.db" + suffix))
    return snapshot(copy / "pos.db")

results = []
for args, typed in spec["runs"]:
    before = state()
    done = subprocess.run(spec["pos"] + args, input=typed, capture_output=True, text=True, timeout=120)
    results.append({"args": args, "rc": done.returncode, "out": done.stdout, "err": done.stderr,
                    "unchanged": state() == before, "files": sorted(os.listdir(os.path.dirname(spec["db"])))})
Path(spec["results"]).write_text(json.dumps(results))
'''

# pos, on the tests' frozen afternoon.
POS = [sys.executable, "-c", "import sys; from freezegun import freeze_time; freeze_time(%r).start(); import cli; "
       "sys.argv[0] = 'pos'; cli.main()" % NOON]


def in_namespace(tmp_path: Path, *, setup: list[str], db: Path, runs: list[tuple[list[str], str]],
                 hold: bool = False, then: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run([unshare, "-rm", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"'unshare -rm' (a private user and mount namespace) is not permitted here: {probe.stderr.strip()}")
    work = tmp_path / "namespace"
    (work / "copies").mkdir(parents=True)
    driver = work / "driver.py"
    driver.write_text(DRIVER)
    spec = {"repo": str(REPO), "setup": setup, "then": list(then), "hold": hold, "db": str(db), "runs": runs,
            "copies": str(work / "copies"), "results": str(work / "results.json"),
            "pos": [*POS, "--db", str(db)]}
    (work / "spec.json").write_text(json.dumps(spec))
    # A session of its own: no terminal, so a hidden PIN prompt reads what we type on stdin.
    done = subprocess.run([unshare, "-rm", sys.executable, str(driver), str(work / "spec.json")],
                          capture_output=True, text=True, timeout=300, start_new_session=True)
    if done.returncode == 77:
        pytest.skip(f"could not set the condition up in a private mount namespace: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return json.loads((work / "results.json").read_text())


def one_error_line(run: dict[str, Any], says: str) -> str:
    """The command was refused with exactly one error line (after any prompt), exit 1, no traceback."""
    assert run["rc"] == 1, run
    assert "Traceback" not in run["err"] + run["out"], run
    errors = [line for line in run["err"].splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and run["err"].rstrip("\n").endswith(errors[0]), run
    assert says.lower() in errors[0].lower(), run
    return errors[0]


def test_a_read_only_filesystem_refuses_every_change_and_still_reads(shop: Shop, tmp_path: Path) -> None:
    folder = shop.db.parent
    before, kept = snapshot(shop.db), shop.session.read_text()
    results = in_namespace(tmp_path, setup=[f"mount --bind '{folder}' '{folder}'",
                                            f"mount -o remount,ro,bind '{folder}'"],
                           db=shop.db, runs=writes(shop) + reads(shop))
    for run in results[:len(writes(shop))]:
        said = one_error_line(run, "the store is read-only")
        assert "(the disk it is on is read-only); nothing was written" in said
        assert run["unchanged"] and run["files"] == ["pos.db"], run
        assert "PIN" not in run["err"], "asked for a PIN it could never record"
    for run, (_, shows) in zip(results[len(writes(shop)):], reads(shop)):
        assert run["rc"] == 0 and shows in run["out"], run
        assert run["files"] == ["pos.db"], run
    assert snapshot(shop.db) == before and shop.session.read_text() == kept
    assert signed_in(shop)


@pytest.mark.parametrize("in_use", [True, False], ids=["another-register-has-it-open", "nobody-has-it-open"])
def test_a_full_disk_refuses_every_change_and_still_reads(shop: Shop, tmp_path: Path, in_use: bool) -> None:
    """Full while a register has the store open (the change fails as SQLite writes it: SQLITE_FULL),
    or full before anyone opened it (its -shm cannot be made: opened for reading, changes refused)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    db = disk / "pos.db"
    kept = shop.session.read_text()
    results = in_namespace(
        tmp_path, setup=[f"mount -t tmpfs -o size=2m tmpfs '{disk}'", f"cp '{shop.db}' '{db}'"]
        + ([] if in_use else [f"dd if=/dev/zero of='{disk}/filler' bs=4k 2>/dev/null; test -s '{disk}/filler'"]),
        hold=in_use, then=(f"dd if=/dev/zero of='{disk}/filler' bs=4k 2>/dev/null",) if in_use else (),
        db=db, runs=writes(shop) + reads(shop))
    for run in results[:len(writes(shop))]:
        said = one_error_line(run, "the disk is full")
        assert "nothing was written" in said and "free some space" in said, run
        assert run["unchanged"], run
        assert not [name for name in run["files"] if name.endswith(".part")], run
    for run, (_, shows) in zip(results[len(writes(shop)):], reads(shop)):
        assert run["rc"] == 0 and shows in run["out"], run
    assert shop.session.read_text() == kept  # the refused logout put the sign-in file back


def test_a_sign_in_file_on_a_full_disk_signs_nobody_in(shop: Shop, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    disk = tmp_path / "signin-disk"
    disk.mkdir()
    monkeypatch.setenv("POS_SESSION_FILE", str(disk / "session.json"))  # the subprocess inherits it
    before = snapshot(shop.db)
    (run,) = in_namespace(
        tmp_path, setup=[f"mount -t tmpfs -o size=64k tmpfs '{disk}'",
                         f"dd if=/dev/zero of='{disk}/filler' bs=4k 2>/dev/null; test -s '{disk}/filler'"],
        db=shop.db, runs=[(["login", "Alice"], "2580\n")])
    said = one_error_line(run, "cannot keep the sign-in")
    assert "the disk is full; nobody was signed in" in said, run
    assert snapshot(shop.db) == before  # no sign-in was left in the store


def test_init_on_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    (run,) = in_namespace(tmp_path, setup=[f"mount -t tmpfs -o size=300k tmpfs '{disk}'",
                                           f"dd if=/dev/zero of='{disk}/filler' bs=4k count=30 2>/dev/null"],
                          db=disk / "pos.db", runs=[(["init", "--name", "Shop"], "")])
    said = one_error_line(run, "the disk is full")
    assert "nothing was written" in said
    assert run["files"] == ["filler"], run  # no half-made store to refuse the next 'pos init'


def test_a_file_size_limit_is_an_io_error_and_writes_nothing(shop: Shop, tmp_path: Path) -> None:
    """RLIMIT_FSIZE (SIGXFSZ ignored): the WAL cannot grow past 32 KiB; SQLite reports EFBIG as an I/O error."""
    resource = pytest.importorskip("resource", reason="no resource limits on this platform")
    import signal

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))  # the -shm (32 KiB) fits, a big change does not

    menu = tmp_path / "menu.csv"
    menu.write_text("sku,name,price\n" + "".join(f"SKU{i},Item number {i},{i % 50 + 1}.25\n" for i in range(3000)))
    before = snapshot(shop.db)
    done = subprocess.run([*POS, "--db", str(shop.db), "item", "import", str(menu)], capture_output=True, text=True,
                          preexec_fn=limited, timeout=120)
    said = one_error_line({"rc": done.returncode, "out": done.stdout, "err": done.stderr}, "the disk failed")
    assert "(SQLITE_IOERR_WRITE): nothing was written" in said and "file size limits" in said
    assert snapshot(shop.db) == before
