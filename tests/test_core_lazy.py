"""Lazy package exports: every public name resolves, nothing heavy loads on import."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = (
    "trustreach.audience",
    "trustreach.core",
    "trustreach.discovery",
    "trustreach.ingest",
    "trustreach.services",
    "trustreach.store",
)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
    assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("package", PACKAGES)
def test_unknown_name_is_an_attribute_error(package: str) -> None:
    module = importlib.import_module(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        module.no_such_name  # noqa: B018


def test_importing_a_package_imports_none_of_its_modules() -> None:
    code = (
        "import sys; import " + ", ".join(PACKAGES) + "; "
        "print(' '.join(m for m in sys.modules if m.startswith(('polars', 'sqlalchemy'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
