"""No import circles, and dependencies point one way: cli -> commands -> demo -> web -> screens -> receipts -> payments -> pos;
inside pos/, between its packages: opening -> day -> tips -> cash -> sales -> books -> people -> store -> base.

Every module of the project (``cli.py``, ``demo.py`` and the packages below) is
read with :mod:`ast`, imports inside functions included.  An import under
``if TYPE_CHECKING:`` never runs, so it cannot close a circle; it still names
a dependency, so it must respect the layers and the packages' order.  An import
inside a function is kept for a library (off the start-up path) or for a module
of a layer, or of a package of pos/, strictly below: one of its own layer or
package would hide a circle, so it is flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("pos", "payments", "receipts", "screens", "web", "demo", "commands", "cli")
"""Lowest first: a module may import its own layer and the layers before it, never one after."""
TOP_MODULES = ("cli", "demo")
PACKAGES = ("pos", "payments", "receipts", "screens", "web", "commands")
LAZY = (
    ("commands.witnessing", "commands.smtp"),
    ("payments.flow", "payments.change"),
    ("payments.flow", "payments.stripe.tip_fees"),
    ("payments.registry", "payments.card"),
    ("payments.registry", "payments.cash"),
    ("payments.registry", "payments.cod"),
    ("payments.registry", "payments.selfcheckout"),
    ("payments.service", "payments.stripe.late_fees"),
    ("payments.service", "payments.refunds"),
    ("pos.day.days_ahead", "pos.day.closings"),
    ("pos.day.witness", "pos.day.closings"),
    ("pos.day.witness", "pos.day.report"),
    ("pos.people.pin_tries", "pos.people.approvals"),
    ("pos.people.staff", "pos.people.roles"),
    ("pos.store.config", "pos.store.mail_server"),
    ("pos.store.config", "pos.store.quick_keys"),
    ("pos.store.config", "pos.store.settings_money"),
    ("pos.store.config", "pos.store.witness_setting"),
)
"""The imports inside a function of a module of the importer's own layer or package that stay there, each to keep a
module off the start-up path of a cashier's command (``bench/cli_startup.py``) that loads the importer: none of
them hides a circle (:func:`test_no_module_imports_a_module_that_imports_it_back` counts them)."""
POS_PACKAGES = ("base", "store", "people", "books", "sales", "cash", "tips", "day", "opening")
"""pos/'s packages, lowest first: a module of one may import its own package and those before it, never one after."""


class Import(NamedTuple):
    module: str
    line: int
    type_checking: bool
    """Under ``if TYPE_CHECKING:``: read by type checkers, never run."""
    in_function: bool = False
    """Inside a function: run when it is called, not when the module loads."""


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project by dotted name (a package by its own name, for its ``__init__.py``)."""
    modules = {name: root / f"{name}.py" for name in TOP_MODULES if (root / f"{name}.py").is_file()}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """The project modules ``name`` imports, anywhere in it, each with its line and whether it is type-checking only."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def resolve(dotted: str, line: int, type_checking: bool, in_function: bool) -> None:
        # ``import a.b.c`` runs a, a.b and a.b.c: each project module among them is imported.
        parts = dotted.split(".")
        for end in range(1, len(parts) + 1):
            target = ".".join(parts[:end])
            found_here = Import(target, line, type_checking, in_function)
            if target in known and target != name and found_here not in found:
                found.append(found_here)

    def visit(node: ast.AST, type_checking: bool, in_function: bool) -> None:
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    visit_statement(statement, True, inside)
                for statement in child.orelse:
                    visit_statement(statement, type_checking, inside)
            else:
                visit_statement(child, type_checking, inside)

    def visit_statement(node: ast.AST, type_checking: bool, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name, node.lineno, type_checking, in_function)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package, one level up per extra dot
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            resolve(module, node.lineno, type_checking, in_function)
            for alias in node.names:  # ``from pos.books import ledger`` imports the module pos.books.ledger
                if f"{module}.{alias.name}" in known:
                    resolve(f"{module}.{alias.name}", node.lineno, type_checking, in_function)
        else:
            visit(node, type_checking, in_function)

    visit(ast.parse(path.read_text(), str(path)), False, False)
    return found


def import_graph(root: Path = ROOT) -> tuple[dict[str, Path], dict[str, list[Import]]]:
    modules = project_modules(root)
    return modules, {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def find_cycles(graph: dict[str, list[Import]]) -> list[list[tuple[str, Import]]]:
    """One shortest circle through each group of modules that import each other, as (importer, import) steps."""
    edges = {name: {i.module: i for i in reversed(found) if not i.type_checking} for name, found in graph.items()}
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    cycles = []
    for group in groups:
        start = min(group)
        # Breadth first from start, inside the group, back to start: the shortest circle through it.
        paths: dict[str, list[tuple[str, Import]]] = {start: []}
        queue = [start]
        circle: list[tuple[str, Import]] | None = None
        while queue and circle is None:
            node = queue.pop(0)
            for target, how in sorted(edges[node].items()):
                if target == start:
                    circle = [*paths[node], (node, how)]
                    break
                if target in group and target not in paths:
                    paths[target] = [*paths[node], (node, how)]
                    queue.append(target)
        assert circle is not None
        cycles.append(circle)
    return cycles


def describe(cycle: list[tuple[str, Import]], modules: dict[str, Path], root: Path = ROOT) -> str:
    chain = " -> ".join([cycle[0][0], *(how.module for _, how in cycle)])
    steps = "".join(f"\n    {modules[importer].relative_to(root)}:{how.line} imports {how.module}"
                    for importer, how in cycle)
    return f"import cycle: {chain}{steps}"


def layer_of(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def pos_package_of(module: str) -> int | None:
    """The place of a module's package in :data:`POS_PACKAGES`; None for a module outside pos/'s packages."""
    parts = module.split(".")
    return POS_PACKAGES.index(parts[1]) if parts[0] == "pos" and len(parts) > 1 else None


def strictly_below(target: str, importer: str) -> bool:
    """Whether ``target`` is in a layer below ``importer``'s, or, both in pos/, in a package below its."""
    if layer_of(target) != layer_of(importer):
        return layer_of(target) < layer_of(importer)
    mine, theirs = pos_package_of(importer), pos_package_of(target)
    return mine is not None and theirs is not None and theirs < mine


def wrong_function_imports(modules: dict[str, Path], graph: dict[str, list[Import]], root: Path = ROOT,
                           lazy: tuple[tuple[str, str], ...] = LAZY) -> list[str]:
    """Every import inside a function of a project module not strictly below the importer (its own layer or package,
    or above it): such an import could hide a circle."""
    return [f"{modules[name].relative_to(root)}:{how.line}: {name} imports {how.module} inside a function"
            for name, found in sorted(graph.items()) for how in found
            if how.in_function and not how.type_checking and not strictly_below(how.module, name)
            and (name, how.module) not in lazy
            and not any(other.line == how.line and other.module.startswith(how.module + ".") for other in found)]


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    modules, graph = import_graph()
    assert {"pos.store.store", "payments.service", "screens.register", "cli"} <= set(modules)  # the walk sees the project
    found = [describe(cycle, modules) for cycle in find_cycles(graph)]
    assert not found, "\n".join(found)


def test_no_circle_even_for_a_type() -> None:
    """A type-checking import never runs, but one closing a circle means a record lives too high: none does."""
    modules, graph = import_graph()
    as_if_run = {name: [how._replace(type_checking=False) for how in found] for name, found in graph.items()}
    found = [describe(cycle, modules) for cycle in find_cycles(as_if_run)]
    assert not found, "\n".join(found)


def test_dependencies_point_one_way() -> None:
    modules, graph = import_graph()
    order = " -> ".join(reversed(LAYERS))
    wrong = [f"{modules[name].relative_to(ROOT)}:{how.line}: {name} imports {how.module}, a layer above it"
             for name, found in sorted(graph.items()) for how in found if layer_of(how.module) > layer_of(name)
             and not any(other.line == how.line and other.module.startswith(how.module + ".") for other in found)]
    assert not wrong, f"dependencies point one way ({order}):\n" + "\n".join(wrong)


def test_pos_holds_only_packages_in_one_order() -> None:
    assert sorted(p.name for p in (ROOT / "pos").iterdir() if p.suffix == ".py") == ["__init__.py"]
    assert sorted(p.name for p in (ROOT / "pos").iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(
        POS_PACKAGES)
    for package in POS_PACKAGES:
        doc = ast.get_docstring(ast.parse((ROOT / "pos" / package / "__init__.py").read_text()))
        assert doc and len(doc.splitlines()) == 2 and doc.splitlines()[1].startswith("May use"), package
    modules, graph = import_graph()
    order = " -> ".join(POS_PACKAGES)
    wrong = [f"{modules[name].relative_to(ROOT)}:{how.line}: {name} imports {how.module}, a package after its own"
             f"{' (for type-checking only)' if how.type_checking else ''}"
             for name, found in sorted(graph.items()) if pos_package_of(name) is not None for how in found
             if (pos_package_of(how.module) or -1) > (pos_package_of(name) or -1)]
    assert not wrong, f"pos/'s packages, in one order ({order}), type-checking imports included:\n" + "\n".join(wrong)


def test_an_import_inside_a_function_is_of_a_library_or_of_a_layer_below() -> None:
    modules, graph = import_graph()
    wrong = wrong_function_imports(modules, graph)
    assert not wrong, "an import inside a function, of a module not below (move it to the top):\n" + "\n".join(wrong)
    made = {(name, how.module) for name, found in graph.items() for how in found if how.in_function}
    assert not set(LAZY) - made, f"LAZY names imports no longer made: {sorted(set(LAZY) - made)}"


def test_the_core_never_prints_or_reads_the_environment() -> None:
    for path in sorted((ROOT / "pos").rglob("*.py")):
        text = path.read_text()
        assert "print(" not in text, path
        assert "os.environ" not in text and "getenv" not in text, path


def test_the_screens_never_print() -> None:
    screens = sorted((ROOT / "screens").rglob("*.py"))
    assert {"register.py", "kiosk.py"} <= {path.name for path in screens}
    for path in screens:  # a line in, messages out: pos register and pos kiosk run do the terminal
        assert "print(" not in path.read_text(), path


def test_a_planted_cycle_is_named_as_a_readable_chain(tmp_path: Path) -> None:
    (tmp_path / "pos").mkdir()
    (tmp_path / "payments").mkdir()
    (tmp_path / "pos" / "__init__.py").write_text("")
    (tmp_path / "payments" / "__init__.py").write_text("")
    (tmp_path / "pos" / "a.py").write_text("from pos import b\n")
    (tmp_path / "pos" / "b.py").write_text("def f():\n    from pos.c import g\n")  # inside a function: it counts
    (tmp_path / "pos" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pos.b\n"
                                           "\n\nimport pos.a\n")
    (tmp_path / "payments" / "x.py").write_text("from . import y\n")  # relative imports count too
    (tmp_path / "payments" / "y.py").write_text("import payments.x\n")
    (tmp_path / "pos" / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pos.e\n")
    (tmp_path / "pos" / "e.py").write_text("import pos.d\n")  # back only under TYPE_CHECKING: no cycle
    modules, graph = import_graph(tmp_path)
    found = sorted(describe(cycle, modules, tmp_path) for cycle in find_cycles(graph))
    assert found == [
        "import cycle: payments.x -> payments.y -> payments.x"
        "\n    payments/x.py:1 imports payments.y"
        "\n    payments/y.py:1 imports payments.x",
        "import cycle: pos.a -> pos.b -> pos.c -> pos.a"
        "\n    pos/a.py:1 imports pos.b"
        "\n    pos/b.py:2 imports pos.c"
        "\n    pos/c.py:6 imports pos.a",
    ]


def test_a_planted_import_inside_a_function_is_flagged(tmp_path: Path) -> None:
    for folder in ("pos", "pos/base", "pos/store", "payments"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "pos" / "base" / "a.py").write_text("def f():\n    import json\n    from pos.base import b\n")
    (tmp_path / "pos" / "base" / "b.py").write_text("")
    (tmp_path / "pos" / "store" / "c.py").write_text("def f():\n    from pos.base import a\n")  # a package below: kept
    (tmp_path / "payments" / "x.py").write_text("def f():\n    from pos.store import c\n    from . import y\n")
    (tmp_path / "payments" / "y.py").write_text("")
    modules, graph = import_graph(tmp_path)
    assert wrong_function_imports(modules, graph, tmp_path, ()) == [
        "payments/x.py:3: payments.x imports payments.y inside a function",
        "pos/base/a.py:3: pos.base.a imports pos.base.b inside a function",
    ]
