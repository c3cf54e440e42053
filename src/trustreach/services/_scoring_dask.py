"""What a Dask worker needs before it scores follower partitions (imported with Dask only)."""

from __future__ import annotations

from typing import Any, Final

from dask.distributed import LocalCluster, WorkerPlugin

__all__ = ["PLUGIN_NAME", "WORKER_ENV", "WarmScoring", "local_cluster"]

#: Name the warm-up plugin is registered under (registering it again replaces it).
PLUGIN_NAME: Final = "trustreach-warm-scoring"

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


def local_cluster(workers: int) -> LocalCluster:
    """The LocalCluster scoring starts when no scheduler is given.

    ``workers`` single-threaded worker processes (Polars on one thread in each,
    see :data:`WORKER_ENV`), no dashboard.
    """
    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=WORKER_ENV,
    )
