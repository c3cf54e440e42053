"""One safe reader for the YAML and JSON files a user hands trustreach.

Briefs, exchange-rate tables and any other small structured file a person
names on the command line are read here, with the same limits and the same
wording of every refusal (see ``docs/briefs.md``, "Limits"):

- the file is a regular file of at most ``max_bytes`` bytes (default
  :data:`MAX_BYTES`), in UTF-8 (a byte that is not is named by its offset);
- a key appears once per mapping (JSON and YAML: the second one is refused,
  naming the key and, in YAML, both lines);
- no YAML aliases (``*name``) or merge keys (``<<``): a document cannot grow
  beyond what is written (the "billion laughs" alias bomb);
- at most ``max_depth`` nested lists and mappings (default :data:`MAX_DEPTH`);
- numbers are finite and integers within ±2^53 (every such value is exact in
  JSON and as a float); ``NaN`` and ``Infinity`` are refused;
- text holds no control characters (C0 other than tab and newline, DEL, C1), no unpaired
  surrogates; mapping keys are text;
- in YAML, only ``true``/``false`` are booleans (``no``, ``on`` and ``yes`` stay
  words) and only plain decimal numbers are numbers (``0123``, ``0x1F`` and
  ``1:20`` stay text rather than becoming 83, 31 and 80).

Every refusal is a :class:`StructuredFileError` (a
:class:`~trustreach.core.ConfigurationError`) whose ``problem`` says what and
where; a missing file is a :class:`~trustreach.core.NotFoundError`.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import stat
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from trustreach.core._exceptions import ConfigurationError, NotFoundError

Format = Literal["json", "yaml"]

MAX_BYTES = 256 * 1024
"""Largest file read, in bytes (a brief is about 1 KB; a rate table of every currency 10 KB)."""
MAX_DEPTH = 32
"""Deepest nesting of lists and mappings (a brief needs 3)."""
MAX_EXACT_INT = 2**53
"""Integers beyond ±2^53 are refused: past it, not every integer is exact as a JSON number."""
SUFFIXES: dict[str, Format] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}
"""File extensions :func:`load_structured` reads, and the format of each."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]|[\ud800-\udfff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(
    r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
    r"|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
    r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
)


class StructuredFileError(ConfigurationError):
    """A structured file (brief, rate table, …) refused before its fields are looked at.

    Attributes
    ----------
    problem : str
        What is wrong and where, e.g. ``"line 2: key 'brief_id' appears twice
        (first on line 1)"``.
    source : str
        The file (or ``"(text)"``).

    Examples
    --------
    >>> str(StructuredFileError("is empty", source="b.yaml", what="brief"))
    'brief b.yaml: is empty'
    """

    def __init__(self, problem: str, *, source: str, what: str) -> None:
        self.problem = problem
        self.source = source
        super().__init__(f"{what} {source}: {problem}")


class _Refused(Exception):
    """Raised inside the parsers; becomes a :class:`StructuredFileError`."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = f"line {line}: {problem}" if line is not None else problem


def format_of(path: Path) -> Format | None:
    """The format a file's extension names (``None`` for any other extension)."""
    return SUFFIXES.get(path.suffix.lower())


def read_text(path: Path | str, *, what: str, max_bytes: int = MAX_BYTES) -> str:
    """The text of a regular UTF-8 file of at most ``max_bytes`` bytes (a BOM is dropped).

    Raises
    ------
    NotFoundError
        When there is no such file.
    StructuredFileError
        When it is not a regular file (a folder, a FIFO, a device), cannot be
        read, is larger than ``max_bytes``, or is not UTF-8.
    """
    path = Path(path)
    source = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens without waiting
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise NotFoundError(f"{what} file {path} does not exist") from None
    except OSError as exc:
        raise StructuredFileError(
            f"cannot be read ({exc.strerror or exc})", source=source, what=what
        ) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise StructuredFileError(f"is {kind}; give a {what} file", source=source, what=what)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise StructuredFileError(
                f"cannot be read ({exc.strerror or exc})", source=source, what=what
            ) from None
    return decode(data, source=source, what=what, max_bytes=max_bytes)


def decode(data: bytes, *, source: str, what: str, max_bytes: int = MAX_BYTES) -> str:
    """``data`` as text: UTF-8 (BOM dropped), at most ``max_bytes`` bytes, else refused."""
    if len(data) > max_bytes:
        raise StructuredFileError(
            f"is larger than the limit of {max_bytes:,} bytes", source=source, what=what
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StructuredFileError(
            f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"(line {line}); save it as UTF-8",
            source=source,
            what=what,
        ) from None


def load_structured(
    path: Path | str,
    *,
    what: str,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Read a ``.json``, ``.yaml`` or ``.yml`` file with the limits of this module.

    Parameters
    ----------
    path : Path or str
        The file; its extension picks the format.
    what : str
        What the file is, for messages (``"brief"``, ``"exchange-rate table"``).
    max_bytes, max_depth : int
        The size and nesting limits.

    Returns
    -------
    Any
        Plain data: dicts with text keys, lists, text, numbers, booleans,
        ``None`` and (YAML) dates.

    Raises
    ------
    NotFoundError
        When there is no such file.
    StructuredFileError
        On any refusal listed in the module's documentation.
    """
    path = Path(path)
    fmt = format_of(path)
    if fmt is None:
        raise StructuredFileError(
            f"extension {path.suffix or '(none)'!r} is not supported; "
            f"allowed: {', '.join(SUFFIXES)}",
            source=str(path),
            what=what,
        )
    text = read_text(path, what=what, max_bytes=max_bytes)
    return parse_structured(
        text, fmt=fmt, what=what, source=str(path), max_bytes=max_bytes, max_depth=max_depth
    )


def parse_structured(
    data: str | bytes,
    *,
    fmt: Format,
    what: str,
    source: str = "(text)",
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse YAML or JSON text (or UTF-8 bytes) with the limits of this module.

    Examples
    --------
    >>> parse_structured('{"a": [1, 2.5, "x"]}', fmt="json", what="brief")
    {'a': [1, 2.5, 'x']}
    >>> parse_structured("country: NO\\nid: 0123\\n", fmt="yaml", what="brief")
    {'country': 'NO', 'id': '0123'}
    >>> parse_structured('{"a": 1, "a": 2}', fmt="json", what="brief")
    Traceback (most recent call last):
    ...
    trustreach.core._structured.StructuredFileError: brief (text): key 'a' appears twice ...
    """
    if isinstance(data, bytes):
        text = decode(data, source=source, what=what, max_bytes=max_bytes)
    else:
        text = data
        if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise StructuredFileError(
                f"is larger than the limit of {max_bytes:,} bytes", source=source, what=what
            )
    try:
        value = _parse_json(text, max_depth) if fmt == "json" else _parse_yaml(text, max_depth)
        _check(value, max_depth)
    except _Refused as exc:
        raise StructuredFileError(exc.problem, source=source, what=what) from None
    return value


# --------------------------------------------------------------------------- JSON


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"key {key!r} appears twice in one mapping")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows; give a finite number")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > 16:  # ≥ 10^16 > 2^53: refused before Python parses it
        raise _Refused(
            f"the number {_short(digits)} is out of range (integers within ±{MAX_EXACT_INT:,})"
        )
    return int(digits)


def _parse_json(text: str, max_depth: int) -> Any:
    try:
        return json.loads(
            text, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer
        )
    except json.JSONDecodeError as exc:
        raise _Refused(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise _Refused(f"nested deeper than {max_depth} levels of lists and mappings") from None


# --------------------------------------------------------------------------- YAML


@cache
def _yaml_loader() -> Any:
    """A loader class: libyaml's event parser (when present) with a limited composer."""
    # PyYAML ships no type hints: its modules are Any here
    modules = {
        name: importlib.import_module(f"yaml.{name}")
        for name in ("composer", "constructor", "error", "events", "nodes", "resolver")
    }
    Composer: Any = modules["composer"].Composer
    ConstructorError = modules["constructor"].ConstructorError
    YAMLError = modules["error"].YAMLError
    SafeConstructor: Any = modules["constructor"].SafeConstructor
    AliasEvent = modules["events"].AliasEvent
    MappingStartEvent = modules["events"].MappingStartEvent
    SequenceStartEvent = modules["events"].SequenceStartEvent
    MappingNode = modules["nodes"].MappingNode
    ScalarNode = modules["nodes"].ScalarNode
    BaseResolver: Any = modules["resolver"].BaseResolver
    readers: tuple[Any, ...]
    try:
        readers = (importlib.import_module("yaml._yaml").CParser,)
    except (ImportError, AttributeError):  # pragma: no cover - PyYAML without libyaml
        readers = tuple(
            getattr(importlib.import_module(f"yaml.{name.lower()}"), name)
            for name in ("Reader", "Scanner", "Parser")
        )

    class _Resolver(BaseResolver):  # type: ignore[misc]
        pass

    _Resolver.yaml_implicit_resolvers = {}
    implicit = (
        ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
        ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
        ("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789.")),
        ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]),
        (
            "tag:yaml.org,2002:timestamp",
            re.compile(
                r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
                r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
                r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
            ),
            list("0123456789"),
        ),
    )
    for tag, pattern, first in implicit:
        _Resolver.add_implicit_resolver(tag, pattern, first)

    class _Composer(Composer):  # type: ignore[misc]
        depth = 0
        max_depth = MAX_DEPTH

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(AliasEvent):
                event = self.peek_event()
                raise _Refused(
                    f"YAML aliases (*{event.anchor}) are not allowed; write the value out",
                    event.start_mark.line + 1,
                )
            nests = self.check_event(SequenceStartEvent, MappingStartEvent)
            if nests:
                self.depth += 1
                if self.depth > self.max_depth:
                    raise _Refused(
                        f"nested deeper than {self.max_depth} levels of lists and mappings",
                        self.peek_event().start_mark.line + 1,
                    )
            try:
                return super().compose_node(parent, index)
            finally:
                if nests:
                    self.depth -= 1

    class _Constructor(SafeConstructor):  # type: ignore[misc]
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node.tag == "tag:yaml.org,2002:int" and isinstance(node, ScalarNode):
                digits = str(node.value).lstrip("+-").replace("_", "")
                if len(digits) > 16:  # ≥ 10^16 > 2^53: refused before Python parses it
                    raise _Refused(
                        f"the number {_short(node.value)} is out of range "
                        f"(integers within ±{MAX_EXACT_INT:,})",
                        node.start_mark.line + 1,
                    )
            try:
                return super().construct_object(node, deep)
            except (_Refused, YAMLError):
                raise
            except Exception as exc:  # a tag's constructor on a malformed value (!!int '')
                shown = f" {_short(node.value)}" if isinstance(node, ScalarNode) else ""
                kind = str(node.tag).replace("tag:yaml.org,2002:", "!!")
                why = f": {exc}" if type(exc) is ValueError else ""  # e.g. a day out of range
                raise _Refused(
                    f"cannot read the value{shown} as {kind}{why}", node.start_mark.line + 1
                ) from None

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if not isinstance(node, MappingNode):
                raise ConstructorError(
                    None, None, f"expected a mapping, found {node.id}", node.start_mark
                )
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Refused("merge keys (<<) are not allowed; write the fields out", line)
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise _Refused(f"keys must be text; found {_short(key)}", line)
                if key in first:
                    raise _Refused(
                        f"key {key!r} appears twice in one mapping (first on line {first[key]})",
                        line,
                    )
                first[key] = line
            return super().construct_mapping(node, deep)

    def _init(self: Any, stream: str) -> None:
        if len(readers) == 1:
            readers[0].__init__(self, stream)
        else:  # pragma: no cover - PyYAML without libyaml
            for reader in readers:
                reader.__init__(self, *([stream] if reader.__name__ == "Reader" else []))
        _Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)

    return type(
        "StructuredYamlLoader",
        (_Composer, *readers, _Constructor, _Resolver),
        {"__init__": _init},
    )


def _parse_yaml(text: str, max_depth: int) -> Any:
    loader_class = _yaml_loader()
    yaml = importlib.import_module("yaml")
    loader = loader_class(text)
    loader.max_depth = max_depth
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is None and getattr(exc, "position", None) is not None:  # a ReaderError
            where = f" at character {exc.position}"
            code = exc.character if isinstance(exc.character, int) else ord(exc.character)
            problem = f"{exc.reason} (U+{code:04X})"
        raise _Refused(f"not valid YAML{where}: {' '.join(str(problem).split())}") from None
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- the data


def _check(value: Any, max_depth: int) -> None:
    """Walk the parsed data once (no recursion): depth, numbers, text and types."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        at = f" at {where}" if where else ""
        if isinstance(item, dict | list):
            if depth + 1 > max_depth:
                raise _Refused(f"nested deeper than {max_depth} levels of lists and mappings{at}")
            if isinstance(item, dict):
                for key, inner in item.items():
                    _check_text(key, f"key {_short(key)}{at}")
                    name = key if isinstance(key, str) and _NAME.fullmatch(key) else _short(key)
                    stack.append((inner, depth + 1, f"{where}.{name}" if where else name))
            else:
                stack.extend((inner, depth + 1, f"{where}[{i}]") for i, inner in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, f"the text{at}")
        elif isinstance(item, bool) or item is None or isinstance(item, date):
            continue
        elif isinstance(item, int):
            if abs(item) > MAX_EXACT_INT:
                raise _Refused(
                    f"the number {_short(item)}{at} is out of range "
                    f"(integers within ±{MAX_EXACT_INT:,})"
                )
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _Refused(
                    f"{item}{at} is not a finite number (too large, infinite or NaN); "
                    "give a finite number"
                )
        else:
            raise _Refused(
                f"a value of type {type(item).__name__}{at} is not supported; "
                "use text, numbers, true/false, lists and mappings"
            )


def _check_text(text: Any, what: str) -> None:
    found = _CONTROL.search(text) if isinstance(text, str) else None
    if found is not None:
        raise _Refused(
            f"{what} holds the character U+{ord(found.group()):04X} "
            "(a control character or an unpaired surrogate); remove it"
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_EXACT_INT",
    "SUFFIXES",
    "StructuredFileError",
    "decode",
    "format_of",
    "load_structured",
    "parse_structured",
    "read_text",
]
