"""Helpers and corpora shared by the tests: plain modules, imported by test modules and conftest files."""
