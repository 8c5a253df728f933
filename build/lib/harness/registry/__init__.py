"""The run index: an SQLite cache of every run's identity, models, suites and figures.

It lives at `<results>/index.sqlite` and can always be rebuilt from the run directories.
"""

from harness.registry.index import (
    IndexReport,
    RegistryError,
    index_finished_run,
    index_path,
    index_run,
    rebuild_index,
    sync_index,
)
from harness.registry.queries import HistoryRecord, ModelRecord, RunRecord, indexed_models, list_runs, model_history

__all__ = [
    "HistoryRecord", "IndexReport", "ModelRecord", "RegistryError", "RunRecord", "index_finished_run", "index_path",
    "index_run", "indexed_models", "list_runs", "model_history", "rebuild_index", "sync_index",
]
