"""Prices and token costs."""
