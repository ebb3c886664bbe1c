"""The apps' floors (docs/architecture.md, shared DESIGN): an app imports only apps below it.

Read from the source, not from what happens to be imported at run time: every
`import duban.X` / `from duban.X import ...` of every module of an app, functions and
management commands included, must name an app listed after it in `FLOORS` (or itself).
`core` is the ground floor and imports no app; the ledger never imports progress.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "duban"

# Top floor first; an app may import only the apps after it.
FLOORS = [
    "workbench",
    "demo",
    "api",
    "textkit",
    "reports",
    "supervision",
    "tickets",
    "indicators",
    "progress",
    "ledger",
    "notify",
    "org",
    "core",
]
# Project-level modules (settings, urls, the console script) wire the apps together.
PROJECT_MODULES = {"settings", "urls", "wsgi", "cli", "__main__", "__init__"}


def imported_apps(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "duban":
                names = [f"duban.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "duban" and len(parts) > 1:
                found.add(parts[1])
    return found


def app_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if len(relative.parts) == 1:
            continue  # project-level module
        app = relative.parts[0]
        if "migrations" in relative.parts:
            continue  # data migrations use the historical app registry, not imports
        yield app, path


def test_every_app_has_a_floor():
    apps = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(FLOORS) == set(), "add the new app to FLOORS (and to DESIGN)"


@pytest.mark.parametrize("app,path", list(app_modules()), ids=lambda v: str(v).split("duban/")[-1])
def test_apps_import_only_apps_below_them(app, path):
    allowed = set(FLOORS[FLOORS.index(app) :])
    wrong = imported_apps(path) - allowed - PROJECT_MODULES
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}, which are above {app}"


def test_core_imports_no_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - {"core"} - PROJECT_MODULES)
        for app, path in app_modules()
        if app == "core"
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_ledger_does_not_import_progress():
    offenders = [
        str(path.relative_to(ROOT))
        for app, path in app_modules()
        if app == "ledger" and "progress" in imported_apps(path)
    ]
    assert offenders == []


# url namespaces that are not named after their app
NAMESPACE_APPS = {"dashboard": "reports", "jobs": "core"}


def _namespace_app(namespace):
    namespace = NAMESPACE_APPS.get(namespace, namespace)
    return namespace.removesuffix("_settings")


def template_links():
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        app = path.relative_to(ROOT).parts[0]
        if app not in FLOORS:
            continue  # project-level templates (base.html, error pages) wire the apps together
        text = path.read_text(encoding="utf-8")
        for namespace in set(re.findall(r"{%\s*url\s+['\"]([a-z_]+):", text)):
            yield app, _namespace_app(namespace), path


def test_templates_link_only_to_apps_below_them():
    """A page of a lower app does not name a higher app's address (the batch sheet gets
    textkit's suggestion from the top floor's context processor, not by naming it)."""
    wrong = [
        f"{path.relative_to(ROOT)} → {target}"
        for app, target, path in template_links()
        if target in FLOORS and FLOORS.index(target) < FLOORS.index(app)
    ]
    assert not wrong, wrong
    assert any(target == "ledger" for app, target, _ in template_links() if app == "progress")
