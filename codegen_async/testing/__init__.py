"""Test utilities for users' own test suites: fixtures, mock clients, test cases."""

__all__: list[str] = []
