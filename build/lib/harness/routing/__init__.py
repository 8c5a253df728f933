"""Routing: send each query to the model that serves it best, offline on stored samples and live in a run.

- `harness.routing.analysis.analyse` replays policies on a stored run (`verticalbench route`).
- `harness.routing.live.LiveRouter` routes a run's items when its config has a `router` section.

This module imports nothing, because `harness.config` imports `harness.routing.config`.
"""
