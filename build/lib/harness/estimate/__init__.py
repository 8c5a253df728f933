"""Estimates before a run.

- `estimate`: prompt tokens counted per request, output tokens from `max_tokens` and earlier
  runs, and their dollars;
- `dryrun`: the dry run that builds the estimate without calling a model;
- `actual`: the estimate set against what a run spent.

The package imports nothing at load time, because `harness.run` imports the estimate and
the dry run imports `harness.run`.
"""
