"""Domain exceptions. Each message names what failed, for which value, and how to fix it."""


class VerticalbenchError(Exception):
    """Base class for errors the CLI reports as one clear line instead of a traceback."""


class ConfigError(VerticalbenchError):
    """A run config is missing, malformed or invalid."""


class SuiteError(VerticalbenchError):
    """A suite file is missing, malformed or invalid, or names an unknown scorer."""


class DatasetError(VerticalbenchError):
    """A suite's dataset cannot be found or one of its rows does not fit the field mapping."""


class StoreError(VerticalbenchError):
    """A results directory is missing or one of its files is corrupt."""


class ModelSetupError(VerticalbenchError):
    """A local model cannot be prepared or started."""


class ScratchError(VerticalbenchError):
    """The temporary database that contains per-item state while a run is aggregated cannot be created or written."""
