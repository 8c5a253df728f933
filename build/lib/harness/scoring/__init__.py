"""Scorers that turn a model response into a benchmark score."""
