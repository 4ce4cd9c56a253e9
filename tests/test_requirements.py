"""requirements.txt pins what the app imports when it runs; requirements-dev.txt adds the test and
development tools on top of it. A server installs the first file only, so the app must never import
a package that only the second one brings."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNTIME_CODE = [*sorted((REPO / "prescribe").rglob("*.py")), REPO / "wsgi.py", REPO / "gunicorn.conf.py"]
TYPING_ONLY = {"_typeshed"}  # imported under `if TYPE_CHECKING:` only; exists for type checkers alone


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        name, equals, version = line.partition("==")
        assert equals and version, f"{path.name}: {line!r} is not pinned to one exact version"
        pins[_canonical(name)] = version
    return pins


def _imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_requirements_dev_builds_on_the_runtime_file_and_pins_nothing_twice():
    dev_text = (REPO / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev_text.splitlines()
    runtime, dev = _pins(REPO / "requirements.txt"), _pins(REPO / "requirements-dev.txt")
    assert sorted(set(runtime) & set(dev)) == []
    assert {"pytest", "ruff", "mypy", "playwright", "hypothesis", "pypdf"} <= set(dev)


def test_every_package_the_app_imports_is_pinned_in_requirements_txt():
    runtime = set(_pins(REPO / "requirements.txt"))
    distributions = packages_distributions()
    unpinned = []
    for path in RUNTIME_CODE:
        for name in sorted(_imported_top_levels(path) - set(sys.stdlib_module_names) - TYPING_ONLY - {"prescribe"}):
            owners = {_canonical(d) for d in distributions.get(name, [])}
            if not owners & runtime:
                unpinned.append(f"{path.relative_to(REPO)}: {name} ({', '.join(sorted(owners)) or 'not installed'})")
    assert unpinned == []
