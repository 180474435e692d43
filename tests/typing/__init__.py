"""Typing tests: consumers of the public API checked by mypy --strict and pyright strict."""
