"""Read a media file's C2PA manifest (content credentials) with ``c2pa-python``.

Rule AI2-EU: generative AI output carries a machine-readable mark. A C2PA manifest
records, per action, an IPTC ``digitalSourceType``; ``trainedAlgorithmicMedia``
(made by generative AI) and ``compositeWithTrainedAlgorithmicMedia`` (AI-edited)
mean AI made or changed the media. The manifest's signature is validated by the
library; a signer outside the C2PA trust list is reported (``signingCredential.untrusted``),
not hidden. Nothing is sent anywhere: the file is read locally.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trustreach.ethics.disclosure._check import ManifestFinding

AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
"""IPTC digital source types that mean generative AI made or changed the media."""


@dataclass(frozen=True)
class MediaManifest:
    """What one media file's C2PA manifest says.

    ``finding``: ``ai`` (an action's source type is generative AI), ``not_ai`` (a
    manifest without one), ``none`` (no manifest) or ``unreadable`` (a corrupt or
    unsupported file, or ``c2pa-python`` missing; ``message`` says which).
    """

    path: str
    finding: ManifestFinding
    message: str
    claim_generator: str | None = None
    digital_source_types: list[str] = field(default_factory=list)
    signer: str | None = None
    validation: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def _generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info") or []
    if info and isinstance(info, list):
        first = info[0]
        name = str(first.get("name", ""))
        version = first.get("version")
        return f"{name} {version}".strip() if version else name or None
    gen = manifest.get("claim_generator")
    return str(gen) if gen else None


def summarize(path: str, store: dict[str, Any]) -> MediaManifest:
    """A :class:`MediaManifest` from the library's manifest-store JSON."""
    manifests: dict[str, Any] = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "", {})
    sources: list[str] = []
    for manifest in manifests.values():
        for assertion in manifest.get("assertions") or []:
            if not str(assertion.get("label", "")).startswith("c2pa.actions"):
                continue
            for action in (assertion.get("data") or {}).get("actions") or []:
                kind = action.get("digitalSourceType")
                if kind:
                    sources.append(str(kind))
    ai = [s for s in sources if s.rsplit("/", 1)[-1] in AI_SOURCE_TYPES]
    codes = [str(v.get("code")) for v in store.get("validation_status") or []]
    signature = active.get("signature_info") or {}
    signer = signature.get("issuer") or signature.get("common_name")
    generator = _generator(active)
    if ai:
        message = f"C2PA manifest: made or edited by generative AI ({ai[0].rsplit('/', 1)[-1]})"
    else:
        message = "C2PA manifest present; no generative-AI source type recorded"
    if "signingCredential.untrusted" in codes:
        message += "; the signer is not on the C2PA trust list"
    failed = [c for c in codes if c != "signingCredential.untrusted"]
    if failed:
        message += f"; the manifest does not validate ({', '.join(failed[:3])})"
    return MediaManifest(
        path=path,
        finding="ai" if ai else "not_ai",
        message=message,
        claim_generator=generator,
        digital_source_types=sources,
        signer=str(signer) if signer else None,
        validation=codes,
    )


def read_manifest(path: str | Path) -> MediaManifest:
    """Read ``path``'s C2PA manifest store (never raises for a bad file: see ``finding``).

    >>> read_manifest("/nonexistent.png").finding
    'unreadable'
    """
    name = str(path)
    p = Path(path)
    if not p.is_file():
        return MediaManifest(name, "unreadable", f"{name}: no such file")
    try:
        import c2pa
    except ImportError:  # pragma: no cover - a dependency; message for a broken install
        return MediaManifest(
            name,
            "unreadable",
            "c2pa-python is not installed (pip install c2pa-python); manifests not read",
        )
    try:
        reader = c2pa.Reader.try_create(str(p))
        if reader is None:
            return MediaManifest(name, "none", "no C2PA manifest (no content credentials)")
        with reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        kind = type(exc).__name__.lstrip("_").removeprefix("C2pa") or "error"
        detail = str(exc).splitlines()[0][:200] if str(exc) else kind
        return MediaManifest(name, "unreadable", f"manifest not readable ({kind}): {detail}")
    return summarize(name, store)
