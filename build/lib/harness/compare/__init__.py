"""Paired comparisons: two models on the same items of one run, or one model across two runs.

The package imports nothing at load time, because `harness.aggregate` imports
`harness.compare.paired` and the run comparison imports `harness.aggregate`.
"""
