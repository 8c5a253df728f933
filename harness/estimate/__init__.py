"""Estimates before a run: prompt tokens counted per request, output tokens from `max_tokens` and
earlier runs, and their dollars (`harness.estimate.estimate`); the dry run that prints them
(`harness.estimate.dryrun`); and the comparison of an estimate with what a run spent
(`harness.estimate.actual`).

The package imports nothing at load time, because `harness.run` imports the estimate and
the dry run imports `harness.run`.
"""
