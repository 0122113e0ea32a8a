"""Who may see or do what is decided in access/selectors.py alone. Views, API views
and context processors ask it; they never look at a user's role themselves, and never
reach past it into a related manager (`batch.jobs.filter(...)`) for rows to show.
This reads their source, so a rule that creeps back into one of them fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "tests", "bench", "migrations", "node_modules", "var"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP:
            continue
        if (
            path.name in {"views.py", "apis.py", "context_processors.py"}
            or path.parent.name == "views"
        ):
            yield path


MODULES = list(_modules())


def test_the_guard_finds_the_views():
    names = {p.relative_to(ROOT).as_posix() for p in MODULES}
    assert "cbe_portal/context_processors.py" in names
    assert any(n.endswith("reports/views.py") for n in names)
    assert len(MODULES) >= 8


def _role_checks(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"role", "is_national_admin"}:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id == "Role":
            found.append(f"line {node.lineno}: Role")
    return found


def _related_manager_filters(tree: ast.AST) -> list[str]:
    """`<row>.<related>.filter/exclude/all(...)`: rows fetched around the scoping module."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"filter", "exclude", "all"}
            and isinstance(node.func.value, ast.Attribute)
            and isinstance(node.func.value.value, ast.Name)
            and node.func.value.attr != "objects"
            and node.func.value.value.id != "self"
            and not node.func.value.value.id.endswith(("selectors", "scoping"))
        ):
            found.append(f"line {node.lineno}: {node.func.value.value.id}.{node.func.value.attr}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_views_never_decide_by_role(path):
    assert _role_checks(ast.parse(path.read_text())) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_views_never_list_related_rows_around_the_scoping_module(path):
    assert _related_manager_filters(ast.parse(path.read_text())) == []
