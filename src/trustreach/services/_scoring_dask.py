"""What a Dask worker needs before it scores follower partitions (imported with Dask only)."""

from __future__ import annotations

from typing import Any, Final

from dask.distributed import WorkerPlugin

__all__ = ["WORKER_ENV", "WarmScoring"]

#: Environment of a LocalCluster's worker processes: each scores one partition at a time
#: on one thread, so Polars' own pool is one thread too (two workers on two cores would
#: otherwise run four Polars threads).
WORKER_ENV: Final[dict[str, str]] = {"POLARS_MAX_THREADS": "1"}


class WarmScoring(WorkerPlugin):  # type: ignore[misc, unused-ignore]
    """Loads the shipped model and its compiled trees in each worker as it starts.

    Registered on the client, it runs on every worker of the cluster and on any
    that joins later, so no partition waits for the model to load or the compiled
    trees to be read from the cache. With a warm cache neither imports LightGBM or
    scikit-learn; a worker that builds the trees (or falls back) imports them.
    """

    def setup(self, worker: Any) -> None:
        """Load the model and its compiled trees once per worker process (cached there)."""
        from trustreach.audience import load_authenticity_model

        load_authenticity_model().compiled_trees()
