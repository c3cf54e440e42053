"""Load the shipped follower-feature parameters and sample from them.

The parameters (``follower_params.json``) were fitted by
``scripts/fit_follower_params.py``; this module only reads them. Sampling is a
Gaussian copula: correlated standard normals are mapped to uniforms with the
normal CDF and then through each field's marginal (Bernoulli, or a
zero-inflated piecewise-linear quantile function).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def normal_cdf(x: FloatArray) -> FloatArray:
    """Standard normal CDF, vectorised (W. J. Cody-style erf, |error| < 1.5e-7).

    Parameters
    ----------
    x
        Values.

    Returns
    -------
    numpy.ndarray
        ``Phi(x)``.

    Examples
    --------
    >>> float(normal_cdf(np.array([0.0]))[0])
    0.5
    """
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-z * z)
    out: FloatArray = 0.5 * (1.0 + np.sign(x) * erf)
    return out


@dataclass(frozen=True)
class Marginal:
    """One field's marginal distribution within a class."""

    kind: str
    p: float = 0.0
    zero_share: float = 0.0
    quantiles: tuple[float, ...] = ()

    def transform(self, u: FloatArray, levels: FloatArray) -> FloatArray:
        """Map uniforms in (0, 1) to values of this marginal."""
        if self.kind == "bernoulli":
            return (u > 1.0 - self.p).astype(np.float64)
        z0 = self.zero_share
        v = np.clip((u - z0) / max(1.0 - z0, 1e-12), 0.0, 1.0)
        values = np.rint(np.interp(v, levels, np.asarray(self.quantiles, dtype=np.float64)))
        out: FloatArray = np.where(u < z0, 0.0, np.maximum(values, 1.0))
        return out


@dataclass(frozen=True)
class ClassParams:
    """Fitted parameters of one class (``real`` or ``fake``)."""

    fields: tuple[str, ...]
    marginals: dict[str, Marginal]
    factor: FloatArray  # A with A @ A.T == correlation
    extra: dict[str, Marginal]


@dataclass(frozen=True)
class FollowerParams:
    """All shipped follower parameters."""

    levels: FloatArray
    real: ClassParams
    fake: ClassParams
    provenance: dict[str, Any]


def _marginal(spec: dict[str, Any]) -> Marginal:
    if spec["kind"] == "bernoulli":
        return Marginal(kind="bernoulli", p=float(spec["p"]))
    return Marginal(
        kind="quantiles",
        zero_share=float(spec["zero_share"]),
        quantiles=tuple(float(q) for q in spec["positive_quantiles"]),
    )


def _class(doc: dict[str, Any], label: str) -> ClassParams:
    spec = doc["classes"][label]
    fields = tuple(spec["copula"]["fields"])
    corr = np.asarray(spec["copula"]["correlation"], dtype=np.float64)
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2.0)
    factor = vecs * np.sqrt(np.clip(vals, 0.0, None))
    extra = {name: _marginal(a[label]) for name, a in doc["assumed"].items()}
    return ClassParams(
        fields=fields,
        marginals={f: _marginal(spec["marginals"][f]) for f in fields},
        factor=factor,
        extra=extra,
    )


@cache
def load_params() -> FollowerParams:
    """Read ``follower_params.json`` shipped with the package (cached).

    Returns
    -------
    FollowerParams
        Parsed parameters.
    """
    text = resources.files("trustreach.synth").joinpath("follower_params.json").read_text("utf-8")
    doc = json.loads(text)
    return FollowerParams(
        levels=np.asarray(doc["probability_levels"], dtype=np.float64),
        real=_class(doc, "real"),
        fake=_class(doc, "fake"),
        provenance=dict(doc["provenance"]),
    )


def sample_class(
    params: ClassParams, levels: FloatArray, n: int, rng: np.random.Generator
) -> dict[str, FloatArray]:
    """Draw ``n`` rows of one class: copula fields plus the independent assumed ones."""
    k = len(params.fields)
    z = rng.standard_normal((n, k)) @ params.factor.T
    u = normal_cdf(z)
    out = {f: params.marginals[f].transform(u[:, i], levels) for i, f in enumerate(params.fields)}
    for name, marginal in params.extra.items():
        out[name] = marginal.transform(rng.random(n), levels)
    return out
