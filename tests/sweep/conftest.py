"""Fixtures of the sweep tests: one LocalCluster (2 worker processes, 1 thread each)."""
import os
import time

import pytest


@pytest.fixture(scope="session")
def client():
    """A LocalCluster client; the workers are gone (checked) after the session."""
    import dask
    from distributed import Client, LocalCluster

    # one death of a worker fails its task at once (KilledWorker) instead of after 3 retries
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        dask_client = Client(cluster)
    pids = set(dask_client.run(os.getpid).values())
    yield dask_client
    dask_client.close()
    cluster.close()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    assert not [p for p in pids if _alive(p)], "worker processes left behind"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
