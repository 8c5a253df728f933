"""Implementations of the CLI commands; each prints only what its command shows the user."""
