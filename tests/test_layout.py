"""The package's layout is its architecture: wings that import only downwards, no circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "factset"
# records <- curation <- publish <- research <- cli: a wing imports only wings to its left.
RANK = {"paths": 0, "records": 1, "curation": 2, "publish": 3, "research": 4, "cli": 5, "__init__": 5, "__main__": 6}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """factset modules ``path`` imports, at its top or inside functions."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("factset"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("factset"))
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


GRAPH = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_top_holds_few_modules_and_the_wings_are_subpackages():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    wings = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert len(top) <= 6, top
    assert {"records", "curation", "publish", "research"} <= set(wings)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_module_imports_only_its_own_wing_or_wings_below(module):
    upward = [m for m in GRAPH[module] if RANK[wing(m)] > RANK[wing(module)]]
    assert not upward, f"{module} imports {upward}: data flows records <- curation <- publish <- research <- cli"


def test_no_import_circle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                raise AssertionError("import circle: " + " -> ".join([*path[path.index(target):], target]))
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_the_checker_finds_a_circle(tmp_path, monkeypatch):
    """The circle test can fail: two modules importing each other are reported."""
    monkeypatch.setitem(GRAPH, "factset.a", {"factset.b"})
    monkeypatch.setitem(GRAPH, "factset.b", {"factset.a"})
    with pytest.raises(AssertionError, match="import circle"):
        test_no_import_circle()


def third_party_imports(path: Path) -> dict[str, bool]:
    """Top-level names of the non-standard, non-factset modules ``path`` imports -> imported at module level."""
    import sys

    tree = ast.parse(path.read_text(encoding="utf-8"))
    at_top = {id(node) for node in tree.body}
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top != "factset":
                found[top] = found.get(top, False) or id(node) in at_top
    return found


def test_what_the_package_imports_is_declared():
    """'pip install factset' (no extras) must run every command that needs no extra: a module-level
    import is a declared dependency; a module of an extra is imported only where it is used."""
    import re
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements):
        return {re.split(r"[<>=!~ \[;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    core = names(project["dependencies"])
    extras = set().union(*(names(reqs) for extra, reqs in project["optional-dependencies"].items() if extra != "dev"))
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, top_level in third_party_imports(path).items():
            dist = module.lower().replace("_", "-")
            if top_level:
                assert dist in core, f"{path.relative_to(PACKAGE.parent)} imports {module} at module level: not a dependency"
            else:
                assert dist in core | extras, f"{path.relative_to(PACKAGE.parent)} imports {module}, in no dependency or extra"
