"""Lazy package exports (PEP 562), so ``import trustreach.<package>`` stays cheap.

A package ``__init__`` names its public objects and the private module each lives
in; the module is imported the first time one of its names is used. Type checkers
see ordinary imports under ``TYPE_CHECKING``. The command line relies on this:
``trustreach --help`` must not load scikit-learn, LightGBM, Polars or ONNX Runtime.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping


def lazy_exports(
    package: str, exports: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, exporting ``{module: names}``.

    ``module`` is relative to the package (``"_summary"``). A name is imported on
    first access and then cached in the package's namespace.

    >>> getattr_, dir_ = lazy_exports("json", {"decoder": ["JSONDecodeError"]})
    >>> getattr_("JSONDecodeError").__name__
    'JSONDecodeError'
    """
    where = {name: f"{package}.{module}" for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
