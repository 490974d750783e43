"""The house in layers (README, "How the code is arranged").

`lint-imports` (pyproject.toml, run by `make lint` and CI) refuses an import from a lower floor
to a higher one. These tests keep the rest of the rule: no app imports another inside a function
to hide a loop unless a comment there says why it cannot be at the top, and the contract covers
every app of the service.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REASON = "Imported here"


def our_packages() -> list[str]:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return options["root_packages"]


def hidden_imports(package: str):
    """(file, line, module) for each import of another of our apps made inside a function
    with no comment saying why, between the function's first line and the import."""
    ours = set(our_packages())
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        tree = ast.parse("\n".join(lines))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                target = node.module.split(".")[0]
                if target == package or target not in ours:
                    continue
                above = lines[function.lineno - 1 : node.lineno - 1]
                if not any(REASON in line for line in above):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node.module


def test_no_app_imports_another_inside_a_function_without_saying_why():
    found = [hit for package in our_packages() for hit in hidden_imports(package)]
    assert not found, f"move these to the top, or say why they cannot be ({REASON}: …): {found}"


def test_the_layers_contract_names_every_app_of_the_service():
    ours = {config.name.split(".")[0] for config in apps.get_app_configs()}
    ours = {name for name in ours if (ROOT / name).is_dir()}
    assert ours - {"config"}, "no apps found: the search is broken"
    assert ours <= set(our_packages()) | {"tests"}


def test_the_layers_contract_is_kept():
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Contracts: 1 kept, 0 broken." in result.stdout, result.stdout[-2000:]
    assert result.returncode == 0


def test_no_import_circle_runs_between_files_of_different_apps():
    graph = grimp.build_graph(*our_packages())
    circles = [
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if module.split(".")[0] != imported.split(".")[0]
        and graph.chain_exists(importer=imported, imported=module)
    ]
    assert graph.modules, "no modules found: the search is broken"
    assert not circles, f"each imports the other, directly or not: {circles}"
