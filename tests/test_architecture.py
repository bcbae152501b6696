"""The import graph, read from the source with `ast`: layers point one way."""

import ast
from pathlib import Path

import pytest

from harness.servers import ROOT

PACKAGES = ["referral", "config", "harness", "bench", "scripts", "tests"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The modules a file imports, absolute, wherever in the file the import stands."""
    package = (
        module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    )
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found


def python_files(*packages: str) -> list[Path]:
    return sorted(p for name in packages for p in (ROOT / name).rglob("*.py"))


GRAPH = {module_name(path): imports_of(path) for path in python_files(*PACKAGES)}


def test_nothing_outside_tests_imports_tests():
    offenders = {
        module: sorted(i for i in imports if i == "tests" or i.startswith("tests."))
        for module, imports in GRAPH.items()
        if not module.startswith("tests")
    }

    assert {module: found for module, found in offenders.items() if found} == {}


@pytest.mark.parametrize("tool", ["harness", "tests", "bench", "scripts"])
def test_the_app_never_imports_the_tools(tool):
    app = {m: i for m, i in GRAPH.items() if m.startswith(("referral", "config"))}

    assert [m for m, imports in app.items() if any(i.split(".")[0] == tool for i in imports)] == []


def test_there_are_no_import_cycles_inside_referral():
    modules = {m for m in GRAPH if m.startswith("referral.")}
    edges = {
        m: {target for target in modules if target != m and target in GRAPH[m]} for m in modules
    }
    cycles = []

    def visit(node, path, on_path, done):
        on_path.add(node)
        path.append(node)
        for target in sorted(edges[node]):
            if target in on_path:
                cycles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, path, on_path, done)
        path.pop()
        on_path.discard(node)
        done.add(node)

    done: set[str] = set()
    for module in sorted(modules):
        if module not in done:
            visit(module, [], set(), done)

    assert cycles == []


# The apps, and the apps each may import: core <- webhooks, abuse <- accounts <- invites <- web,
# with the worker above them all (it runs the background work of every app). An app reads
# another app's data through that app's selectors or a value passed in, never its tables.
ALLOWED_APP_IMPORTS = {
    "core": set(),
    "webhooks": {"core"},
    "abuse": {"core"},
    "accounts": {"core", "webhooks", "abuse"},
    "invites": {"core", "webhooks", "abuse", "accounts"},
    "web": {"core", "webhooks", "abuse", "accounts", "invites"},
    "worker": {"core", "webhooks", "abuse", "accounts", "invites"},
}
# Reaches the user model without naming accounts: an import of accounts all the same.
USER_MODEL_LOOKUPS = {"get_user_model", "AUTH_USER_MODEL"}
# Django's own contract for a login (USERNAME_FIELD), as django.contrib.auth uses it.
USER_MODEL_CONTRACT = {"referral.core.admin_site"}


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "referral" and len(parts) > 1 else None


def names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | {
        node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
    }


def app_imports() -> set[tuple[str, str, str]]:
    """(app, app it imports, the importing module) for every import between two apps."""
    found = set()
    for path in python_files("referral"):
        module = module_name(path)
        app = app_of(module)
        if app is None or "migrations" in path.parts:
            continue
        targets = {app_of(i) for i in GRAPH[module]}
        if module not in USER_MODEL_CONTRACT and names_used(path) & USER_MODEL_LOOKUPS:
            targets.add("accounts")
        found |= {(app, target, module) for target in targets if target not in {None, app}}
    return found


def test_every_app_has_its_place_in_the_table():
    apps = {p.name for p in (ROOT / "referral").iterdir() if (p / "__init__.py").exists()}

    assert apps == set(ALLOWED_APP_IMPORTS)


def test_the_table_points_one_way():
    both_ways = {
        (app, other)
        for app, allowed in ALLOWED_APP_IMPORTS.items()
        for other in allowed
        if app in ALLOWED_APP_IMPORTS.get(other, set())
    }

    assert both_ways == set()


def test_apps_import_only_the_apps_below_them():
    upward = sorted(
        f"{module} imports referral.{target}"
        for app, target, module in app_imports()
        if target not in ALLOWED_APP_IMPORTS.get(app, set())
    )

    assert upward == []


def test_the_app_check_sees_the_imports_between_apps():
    """Not vacuous: the arrows that are allowed are found, and so is the user-model lookup."""
    found = {(app, target) for app, target, _ in app_imports()}

    assert {("accounts", "abuse"), ("invites", "accounts"), ("web", "invites")} <= found
    assert names_used(ROOT / "referral" / "core" / "admin_site.py") & USER_MODEL_LOOKUPS


# Installed by `make install` for development and tests only (pyproject's dev group).
DEV_ONLY = {
    "django_stubs_ext",
    "pytest",
    "playwright",
    "schemathesis",
    "standardwebhooks",
    "jsonschema",
    "time_machine",
    "matplotlib",
    "polib",
}


def runtime_imports(path: Path) -> set[str]:
    """The top-level packages a file imports outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only or getattr(node, "level", 0):
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_app_imports_development_packages_only_for_type_checking():
    """django_stubs_ext at the top of accounts/services.py would break a production install."""
    offenders = {
        module_name(path): sorted(runtime_imports(path) & DEV_ONLY)
        for path in python_files("referral", "config")
    }

    assert {module: found for module, found in offenders.items() if found} == {}
