"""Publishing the interchange format."""

from __future__ import annotations

import json
from pathlib import Path

from trustreach.core import check_output_folder, write_text_atomically
from trustreach.ingest import KINDS, format_reference


def schema_documents() -> dict[str, str]:
    """File name → content of every published schema document."""
    docs = {
        f"{kind}.schema.json": json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False)
        + "\n"
        for kind, model in KINDS.items()
    }
    docs["README.md"] = format_reference() + "\n"
    return docs


def write_schemas(out: Path) -> list[Path]:
    """Write the JSON Schemas and the field reference into ``out`` (each file atomically)."""
    check_output_folder(out, option="out", overwrite=True)
    written = []
    for name, content in schema_documents().items():
        path = out / name
        write_text_atomically(path, content)
        written.append(path)
    return written
