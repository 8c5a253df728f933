"""A whole run: load the config and suites, start local models, execute, store and report.

`start_run` begins a new run; `resume_run` finishes one from its stored manifest without
calling a model again for any sample already in `samples.jsonl`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

from harness import __version__
from harness.config import ModelConfig, RunConfig, parse_config
from harness.costs.price_file import PriceFile, load_price_file
from harness.costs.prices import resolve_price
from harness.errors import ConfigError, StoreError
from harness.cache import CacheMode, ResponseCache, default_cache_dir
from harness.cache.replay import check_replayable, replay_endpoints
from harness.executor import ExecutionContext, execute, request_key
from harness.models.call_pool import CallPool, auto_workers, usable_cores
from harness.models.client import Endpoint, check_model_strings, resolve_endpoint
from harness.models.secrets import register_secret_env
from harness.plan import PlannedSample, build_plan
from harness.registry import index_finished_run
from harness.scoring.score import CodeSettings
from harness.store.records import Manifest, PriceSnapshot, Sample, SuiteSnapshot
from harness.store.run_dir import RunDir, SampleWriter, new_run_id, utc_now
from harness.suites.loader import LoadedSuite, load_suite
from harness.suites.registry import discover, select

logger = logging.getLogger(__name__)
# Progress messages the CLI always shows, even without --verbose.
status = logging.getLogger("harness.status")


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices that shape a run, stored in the manifest so a resume repeats them."""

    limit: int | None = None
    suites: list[str] = field(default_factory=list)
    """Extra suite patterns that narrow the config's suites."""
    data_dir: str | None = None
    code_isolation: str = "auto"
    cache: CacheMode = "record"
    """Response cache mode: 'record', 'use', 'replay' or 'off' (see harness/cache/store.py)."""
    cache_dir: str | None = None
    """Folder of the response cache; None is `<output-dir>/cache` or $VERTICALBENCH_CACHE_DIR."""
    config_path: str | None = None
    """The run config file, named in error messages."""

    def to_dict(self) -> dict[str, Any]:
        """Return the options as stored in the manifest."""
        return {"limit": self.limit, "suites": self.suites, "data_dir": self.data_dir, "code_isolation": self.code_isolation,
                "cache": self.cache, "cache_dir": self.cache_dir, "config_path": self.config_path}

    def response_cache(self, results_dir: Path, run_id: str) -> ResponseCache:
        """Open the response cache in this run's mode."""
        folder = Path(self.cache_dir) if self.cache_dir else default_cache_dir(results_dir.parent)
        return ResponseCache(folder, self.cache, run_id)


@dataclass
class RunOutcome:
    """What a finished or interrupted run produced."""

    run_dir: RunDir
    manifest: Manifest
    written: int
    skipped: int


def load_suites(config: RunConfig, options: RunOptions) -> list[LoadedSuite]:
    """Select the config's suites (narrowed by --suites) and load their items."""
    registry = discover()
    chosen = select(registry, config.suites)
    if options.suites:
        narrowed = {suite.spec.id for suite in select(registry, options.suites)}
        chosen = [suite for suite in chosen if suite.spec.id in narrowed]
        if not chosen:
            raise ConfigError(f"--suites {' '.join(options.suites)} matches none of the config's suites {config.suites}")
    data_dir = Path(options.data_dir) if options.data_dir else None
    limit = options.limit or config.run.limit
    return [load_suite(suite, data_dir, limit=limit, seed=config.run.seed) for suite in chosen]


def check_keys(config: RunConfig, replay: bool = False) -> None:
    """Fail before any call when a model's API key variable is unset, and register keys for redaction.

    A replay calls no model, so it registers the keys that are set and needs none.
    """
    for model in config.models:
        if model.api_key_env:
            register_secret_env(model.api_key_env)
            if replay:
                continue
            try:
                resolve_endpoint(model)
            except KeyError:
                raise ConfigError(
                    f"model '{model.id}' reads its API key from ${model.api_key_env}, which is not set. "
                    f"Export it (export {model.api_key_env}=...) or remove the model from the config."
                ) from None


def _versions() -> dict[str, str]:
    versions = {"verticalbench": __version__, "python": platform.python_version()}
    for package in ("litellm", "datasets", "llama_cpp_python"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


def _suite_snapshot(suite: LoadedSuite) -> SuiteSnapshot:
    spec = suite.spec
    return SuiteSnapshot(
        suite=spec.id, vertical=spec.vertical, kind=spec.kind, source=suite.source,
        fingerprint=suite.fingerprint, items=len(suite.items), scorer=spec.scorer, description=spec.description,
    )


@contextlib.contextmanager
def open_endpoints(config: RunConfig, log_dir: Path, price_file: PriceFile | None = None,
                   stored_prices: dict[str, PriceSnapshot] | None = None) -> Iterator[tuple[dict[str, Endpoint], dict[str, PriceSnapshot]]]:
    """Start the local models, resolve every endpoint and price, and stop the servers on exit.

    A local model that already has a stored price (a resumed run) is not calibrated again.
    """
    endpoints: dict[str, Endpoint] = {}
    prices: dict[str, PriceSnapshot] = {}
    with contextlib.ExitStack() as stack:
        for model in config.models:
            if model.local is None:
                endpoints[model.id] = resolve_endpoint(model)
                prices[model.id] = resolve_price(model, price_file)
                continue
            stored = (stored_prices or {}).get(model.id)
            endpoints[model.id], prices[model.id] = _start_local(model, log_dir, stack, price_file, stored)
        yield endpoints, prices


def load_run_price_file(config: RunConfig, stored: dict[str, PriceSnapshot]) -> PriceFile | None:
    """Load the config's price file, unless there is none or every model already has a stored price."""
    if not config.run.price_file or all(model.id in stored for model in config.models):
        return None
    return load_price_file(config.run.price_file)


def _start_local(model: ModelConfig, log_dir: Path, stack: contextlib.ExitStack,
                 price_file: PriceFile | None = None, stored: PriceSnapshot | None = None) -> tuple[Endpoint, PriceSnapshot]:
    from harness.local.calibrate import calibrate_price
    from harness.local.server import start_server

    assert model.local is not None
    status.info("starting local model %s (%s)", model.id, model.local.weights)
    handle = stack.enter_context(start_server(model.local, model_name=model.id, log_dir=log_dir))
    endpoint = resolve_endpoint(model, api_base=handle.api_base, litellm_model=handle.litellm_model)
    if stored is not None:
        price = stored
    elif model.price is not None and model.price.compute is not None:
        status.info("measuring the throughput of %s to price it by compute time", model.id)
        price = calibrate_price(model.id, model.price.compute, handle.api_base, model.id, setup=handle.setup_summary)
        price = price.model_copy(update={"origin": price.origin or "compute"})
    else:
        price = resolve_price(model, price_file)
    return endpoint, price


def start_run(config: RunConfig, options: RunOptions, results_dir: Path, on_plan: Callable[[RunDir, int], None] | None = None,
              on_sample: Callable[[Sample], None] | None = None, run_id: str | None = None) -> RunOutcome:
    """Start a new run of the config and return when every sample is stored."""
    check_keys(config, replay=options.cache == "replay")
    if options.cache != "replay":  # a replay calls no model, and importing LiteLLM takes seconds
        check_model_strings(config.models, options.config_path or "the run config")
    load_run_price_file(config, {})  # a broken price file fails here, before the run folder exists
    suites = load_suites(config, options)
    run_id = run_id or new_run_id(config.name)
    plan = build_plan(config.models, suites, config.run.seed)
    if options.cache == "replay":  # a replay with missing replies stops before it creates anything
        with contextlib.closing(options.response_cache(results_dir, run_id)) as cache:
            check_replayable(plan, cache, [request_key(planned, config.run.seed) for planned in plan])
    run_dir = RunDir.create(results_dir, run_id)
    manifest = Manifest(
        run_id=run_dir.run_id, name=config.name, config=config.model_dump(mode="json"), config_hash=config.fingerprint(),
        suites={suite.spec.id: _suite_snapshot(suite) for suite in suites}, versions=_versions(),
        options=options.to_dict(), started_at=utc_now(),
    )
    run_dir.write_manifest(manifest)
    return _execute_run(config, options, suites, run_dir, manifest, on_plan, on_sample, plan)


def resume_run(results_dir: Path, run: str, on_plan: Callable[[RunDir, int], None] | None = None,
               on_sample: Callable[[Sample], None] | None = None) -> RunOutcome:
    """Finish a stored run with its stored config and options, skipping every stored sample."""
    run_dir = RunDir.open(results_dir, run)
    manifest = run_dir.read_manifest()
    config = parse_config(manifest.config, source=f"{run_dir.path}/manifest.json")
    options = RunOptions(**manifest.options)
    check_keys(config, replay=options.cache == "replay")
    suites = load_suites(config, options)
    for suite in suites:
        stored = manifest.suites.get(suite.spec.id)
        if stored is not None and stored.fingerprint != suite.fingerprint:
            raise StoreError(
                f"suite {suite.spec.id} changed since run {manifest.run_id} started (dataset fingerprint differs). "
                "Resume with the same data dir and suite files, or start a new run."
            )
    return _execute_run(config, options, suites, run_dir, manifest, on_plan, on_sample)


def _execute_run(config: RunConfig, options: RunOptions, suites: list[LoadedSuite], run_dir: RunDir, manifest: Manifest,
                 on_plan: Callable[[RunDir, int], None] | None, on_sample: Callable[[Sample], None] | None,
                 plan: list[PlannedSample] | None = None) -> RunOutcome:
    plan = plan if plan is not None else build_plan(config.models, suites, config.run.seed)
    done = {sample.key for sample in run_dir.iter_samples()}
    router = None
    if config.router is not None:  # one request per item, for the first model of its chain (docs/routing.md)
        from harness.routing.live import LiveRouter

        router, plan, done = LiveRouter.prepare(config, plan, run_dir.iter_samples(), options.data_dir)
    pending: list[PlannedSample] = [planned for planned in plan if planned.key not in done]
    manifest.planned_samples = len(plan)
    if on_plan:
        on_plan(run_dir, len(pending))
    hidden = tuple(str(path) for path in (run_dir.path.parent.resolve(), options.data_dir) if path)
    code = CodeSettings(timeout_s=config.run.code_timeout_s, isolation=options.code_isolation, hidden_paths=hidden)
    price_file = load_run_price_file(config, manifest.prices)
    manifest.status = "running"
    written = 0
    cache = options.response_cache(run_dir.path.parent, run_dir.run_id)
    # Forked before the local servers and their threads start (harness/models/call_pool.py).
    pool = None if options.cache == "replay" else _fork_call_workers(config, pending)
    opened = replay_endpoints(config, price_file) if options.cache == "replay" else open_endpoints(
        config, run_dir.path / "logs", price_file, stored_prices=manifest.prices)
    try:
        with contextlib.closing(cache), opened as (endpoints, prices):
            # Prices stored by an earlier attempt stay: the samples already priced used them.
            manifest.prices = {**prices, **manifest.prices} if manifest.prices else prices
            manifest.sandbox = _sandbox_name(suites, options)
            if not done and options.cache != "replay" and "estimate" not in manifest.cost_analysis:
                _record_estimate(manifest, pending, run_dir)
            run_dir.write_manifest(manifest)
            with SampleWriter(run_dir) as writer:
                context = ExecutionContext(run_id=run_dir.run_id, settings=config.run, endpoints=endpoints,
                                           prices=manifest.prices, writer=writer, code=code,
                                           on_sample=on_sample or (lambda sample: None), cache=cache,
                                           route_item=router.run_item if router is not None else None, pool=pool)
                written = asyncio.run(execute(pending, context))
    except BaseException:
        manifest.status = "interrupted"
        run_dir.write_manifest(manifest)
        raise
    finally:
        if pool is not None:
            pool.kill()
    manifest.status = "finished"
    manifest.finished_at = utc_now()
    run_dir.write_manifest(manifest)
    index_finished_run(run_dir)
    return RunOutcome(run_dir=run_dir, manifest=manifest, written=written, skipped=len(plan) - len(pending))


def _fork_call_workers(config: RunConfig, pending: list[PlannedSample]) -> CallPool | None:
    """Fork as many call workers as `run.call_workers` sets; return None when there are none."""
    workers = config.run.call_workers
    if workers == "auto":
        api_models = {planned.model.id: planned.model for planned in pending if planned.model.local is None}
        concurrency = sum(model.max_concurrency for model in api_models.values())
        workers = auto_workers(concurrency)
        if workers == 0:
            logger.info("no call workers (call_workers: auto, %d API call(s) at once, %d core(s)); every call runs "
                        "in the main process", concurrency, usable_cores())
    elif workers == 0:
        logger.info("no call workers (call_workers: 0); every call runs in the main process")
    return CallPool.fork(workers, config.run.openai_sdk)


def _record_estimate(manifest: Manifest, plan: list[PlannedSample], run_dir: RunDir) -> None:
    """Keep the dry-run estimate of a new run in its manifest, so the report can set it against the actual."""
    from harness.estimate.estimate import estimate_plan
    from harness.estimate.history import measured_outputs

    try:
        history = measured_outputs(run_dir.path.parent, exclude_run=run_dir.run_id)
        manifest.cost_analysis["estimate"] = estimate_plan(plan, manifest.prices, history).model_dump(mode="json")
    except Exception:  # an estimate is a report aid; failing to make one must not stop the run
        logger.warning("could not estimate run %s before it started", run_dir.run_id, exc_info=True)


def _sandbox_name(suites: list[LoadedSuite], options: RunOptions) -> str | None:
    if not any(suite.spec.scorer == "code" for suite in suites):
        return None
    from harness.sandbox import detect_isolation

    return detect_isolation() if options.code_isolation == "auto" else options.code_isolation
