"""Imports between the apps go one way only, so a new cycle fails here rather than at run time.

The apps, bottom to top (an app imports only from apps below it):

    audit, charts, jobs, directory, frameworks  <-  accounts  <-  assessments  <-  policies
        <-  plans  <-  dashboards  <-  reports  <-  notifications  <-  demo
        <-  cbe_portal (urls, context processors)

`charts` (SVG chart builders), `jobs` (the background-job lifecycle) and `audit` (the access
log every app records into) are shared tools at the bottom. Improvement plans read an LEA's
results and its gaps' kinds, and the LEA PDF and the state dashboard read plans, so `plans`
sits between `policies` and `dashboards`. The statewide PDF reads the state dashboard's
selectors, so `reports` sits above `dashboards`. `notifications` writes emails about
assessments and report jobs, so it sits above both; they reach it through
`cbe_portal.notices`, which queues its tasks by name.

`access` (who sees what) is the exception that keeps this possible: it imports other apps'
*models* modules and nothing else, and every app may import it. Models modules themselves
only import models further down, so nothing that `access` imports can lead back to it.

The project's Celery app (`cbe_portal.celery`), shared form widgets (`cbe_portal.forms`), safe
CSV downloads (`cbe_portal.csv_download`), the API conventions (`cbe_portal.api`), the email
triggers (`cbe_portal.notices`), the file-store errors (`cbe_portal.storage`), the kept
dashboard pages and their frames (`cbe_portal.figures`, `cbe_portal.frames`) and the session
store (`cbe_portal.sessions`) import no app and may be imported by any.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RANK = {
    "audit": -1,
    "charts": -1,
    "jobs": -1,
    "directory": 0,
    "frameworks": 0,
    "accounts": 1,
    "assessments": 2,
    "policies": 3,
    "plans": 4,
    "dashboards": 5,
    "reports": 6,
    "notifications": 7,
    "demo": 8,
    "cbe_portal": 9,
}
ACCESS = "access"
PACKAGES = [*RANK, ACCESS]
SHARED = {
    "cbe_portal.api",
    "cbe_portal.api_schema",
    "cbe_portal.celery",
    "cbe_portal.csv_download",
    "cbe_portal.figures",
    "cbe_portal.forms",
    "cbe_portal.frames",
    "cbe_portal.notices",
    "cbe_portal.sessions",
    "cbe_portal.storage",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function?) for every import of a project package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nested_lines = {
        node.lineno
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            # `from app import selectors` imports the module app.selectors.
            targets = [
                f"{prefix}.{alias.name}"
                if (ROOT / Path(*prefix.split("."), alias.name)).with_suffix(".py").exists()
                else prefix
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                found.append((target, node.lineno, node.lineno in nested_lines))
    return found


def _project_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _app(module: str) -> str:
    return module.split(".")[0]


def _is_models(module: str) -> bool:
    return module.split(".")[1:2] == ["models"]


def _problems() -> list[str]:
    problems = []
    for path in _project_modules():
        source = _module_name(path)
        here = _app(source)
        for target, line, nested in _imports(path):
            there = _app(target)
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if there == here or target in SHARED:
                continue
            if nested:
                problems.append(f"{where} inside a function (import it at the top)")
            if there == ACCESS:
                continue
            if here == ACCESS:
                if not _is_models(target):
                    problems.append(f"{where}: access may import models modules only")
            elif _is_models(source) and not _is_models(target):
                problems.append(f"{where}: a models module may import only other models")
            elif RANK[there] >= RANK[here]:
                problems.append(f"{where}: {there} is not below {here}")
    return problems


def test_apps_import_only_downwards_and_access_only_models():
    assert _problems() == []


def test_the_check_sees_imports_of_every_kind():
    imports = {target for target, _, _ in _imports(ROOT / "reports" / "views.py")}
    assert {"access.selectors", "assessments.results", "reports.selectors"} <= imports
