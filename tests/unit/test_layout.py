"""The support package's shape: no import cycle between its modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "handson"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def imports() -> dict[str, set[str]]:
    """Every handson module and the handson modules it imports, wherever in it."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _runtime_nodes(ast.parse(path.read_text("utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, as a path of modules, or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_import_cycle() -> None:
    assert cycle(imports()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_targets_and_life_cycle_have_packages_of_their_own() -> None:
    graph = imports()
    for name in ("handson.targets.emulator", "handson.targets.aws", "handson.lifecycle.provision"):
        assert name in graph
    # The life cycle does not depend on any one target.
    assert not any(
        target.startswith("handson.targets")
        for name, targets in graph.items()
        if name.startswith("handson.lifecycle")
        for target in targets
    )


def test_waiting_happens_in_one_place() -> None:
    """Retries and waits go through handson/waiting.py (tenacity). Elsewhere nothing sleeps but
    the watchdog that ends a helper process with its run; ``time.sleep`` passed on as a default
    for tests to replace is not a wait of its own."""
    allowed = {"handson.waiting", "handson.targets.orphans"}
    found = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        text = path.read_text("utf-8")
        if name in allowed:
            continue
        if "tenacity" in text:
            found.append(f"{name} uses tenacity")
        for node in _runtime_nodes(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "sleep"
            ):
                found.append(f"{name}:{node.lineno} sleeps")
            if isinstance(node, ast.While) and isinstance(node.test, ast.Constant):
                found.append(f"{name}:{node.lineno} loops until something changes")
    # The warm CLI's server loop serves commands; it waits for nothing.
    assert [f for f in found if not f.startswith("handson.targets.warm_cli:")] == []


def test_the_features_words_stay_in_the_steps() -> None:
    """No word the features use for an operation, a place or a resource is in the package."""
    from steps import words

    tables = [v for k, v in vars(words).items() if k.isupper() and isinstance(v, dict)]
    feature_words = {w for table in tables for w in table if not w.isascii()}
    assert len(feature_words) >= 12
    found = [
        f"{module_name(path)}: {w}"
        for path in PACKAGE.rglob("*.py")
        for w in feature_words
        if w in path.read_text("utf-8")
    ]
    assert found == []


ROOT = PACKAGE.parent
MAX_MODULE_LINES = 400


def test_every_module_has_one_job_under_400_lines() -> None:
    long = {
        module_name(p): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
    return found


def test_the_package_and_the_scripts_never_import_the_tests() -> None:
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "scripts").glob("*.py")]
    assert len(files) > 50
    assert [str(p.relative_to(ROOT)) for p in files if "tests" in _imported(p)] == []


def test_an_import_of_the_tests_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from tests.helpers import mutations\n", "utf-8")
    assert "tests" in _imported(bad)


def test_nothing_points_outside_the_project() -> None:
    """The spec lives in docs/; the folder the project was started from is not part of a clone."""
    outside = "../" + "shared"
    skip = {".git", ".venv", "node_modules", "reports", "__pycache__"}
    hits = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.is_file()
        and not skip.intersection(p.relative_to(ROOT).parts)
        and p.suffix in {".py", ".md", ".json", ".yml", ".yaml", ".feature", ".ini", ".toml", ""}
        and outside in p.read_text("utf-8", errors="replace")
    ]
    assert hits == []
