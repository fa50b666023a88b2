"""The package's floors: a lower module never imports an upper one (see STYLE.md)."""

from pathlib import Path

import pytest

from tests.test_migrations import imported_modules

PACKAGE = Path(__file__).resolve().parent.parent / "seminars"


def _path(module: str) -> Path | None:
    """The file of a module of the package, or None for one outside it."""
    if module != "seminars" and not module.startswith("seminars."):
        return None
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _absolute(module: str, importer: str) -> str:
    """`module` as imported by the module `importer`, with relative imports resolved."""
    level = len(module) - len(module.lstrip("."))
    if not level:
        return module
    package = importer.split(".")
    package = package[: len(package) - level] if not importer.endswith("__init__") else package
    return ".".join(filter(None, [*package, module.lstrip(".")]))


def project_imports(module: str) -> set[str]:
    """The package's modules that `module` imports, directly or through others."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        path = _path(current)
        if current in seen or path is None or not path.exists():
            continue
        seen.add(current)
        todo.extend(_absolute(m, current) for m in imported_modules(path))
    return seen - {module}


@pytest.mark.parametrize(
    "module",
    [
        "seminars.models",
        "seminars.bulk_history",
        "seminars.joining",
        "seminars.locations",
        "seminars.materials",
        "seminars.online",
        "seminars.photos",
        "seminars.years",
    ],
)
def test_the_models_and_what_they_stand_on_import_nothing_of_the_ics_package(module):
    assert not {m for m in project_imports(module) if m.startswith("seminars.ics")}


def test_the_models_stand_on_small_modules_only():
    assert project_imports("seminars.models") == {
        "seminars.bulk_history",
        "seminars.joining",
        "seminars.locations",
        "seminars.materials",
        "seminars.names",
        "seminars.online",
        "seminars.photos",
        "seminars.slugs",
        "seminars.years",
    }


def test_fetching_imports_no_models():
    assert "seminars.models" not in project_imports("seminars.ics.fetch")


@pytest.mark.parametrize(
    "module", sorted(f"seminars.ics.{p.stem}" for p in (PACKAGE / "ics").glob("[a-z]*.py"))
)
def test_the_ics_package_imports_nothing_above_the_models(module):
    above = ("seminars.admin", "seminars.feeds", "seminars.importing", "seminars.views")
    assert not {m for m in project_imports(module) if m.startswith(above)}
