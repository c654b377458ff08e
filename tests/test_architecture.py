"""The layering rules, checked on the source: planning/ is pure, maps/ has no UI.

planning/ must run in the CLI, a batch worker or a server without Qt or
Leaflet; maps/ must render exports without the desktop app. A forbidden
import anywhere in a module (also inside a function) breaks that, so every
import statement of every module is read from its syntax tree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "planning": ("desktop", "maps", "PySide6"),
    "maps": ("desktop",),
}


def imported_modules(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, relative ones resolved."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module or ""]).strip(".")
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def violations(package: str, root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / package).rglob("*.py")):
        for line, module in imported_modules(path, root):
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                out.append(f"{path.relative_to(root)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_import_only_downwards(package: str) -> None:
    assert violations(package) == []


def test_the_check_sees_hidden_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "maps" / "export"
    package.mkdir(parents=True)
    (package / "late.py").write_text(
        "def f():\n    from desktop.app import run_gui\n", encoding="utf-8"
    )
    (package / "relative.py").write_text(
        "from ...desktop import main_window\nfrom ..render import x\n",
        encoding="utf-8",
    )
    assert violations("maps", tmp_path) == [
        "maps/export/late.py:2 imports desktop.app",
        "maps/export/relative.py:1 imports desktop",
    ]


def cross_test_imports(root: Path = ROOT) -> list[str]:
    """Imports of one test module by another: shared helpers belong in
    tests/helpers/, so each test module can be read, moved or split alone."""
    out = []
    for path in sorted((root / "tests").rglob("*.py")):
        for line, module in imported_modules(path, root):
            if module.startswith("tests.test_"):
                out.append(f"{path.relative_to(root)}:{line} imports {module}")
    return out


def test_test_modules_do_not_import_each_other() -> None:
    assert cross_test_imports() == []


def test_the_check_sees_test_modules_importing_each_other(tmp_path: Path) -> None:
    helpers = tmp_path / "tests" / "helpers"
    helpers.mkdir(parents=True)
    (helpers / "grids.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "tests" / "test_a.py").write_text(
        "from tests.helpers.grids import x\nfrom tests.test_b import y\n",
        encoding="utf-8",
    )
    (tmp_path / "tests" / "test_b.py").write_text(
        "def f():\n    from .test_a import g\n", encoding="utf-8"
    )
    assert cross_test_imports(tmp_path) == [
        "tests/test_a.py:2 imports tests.test_b",
        "tests/test_b.py:2 imports tests.test_a",
    ]
