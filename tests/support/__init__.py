"""Helpers shared by the tests (no tests here): instances, plans, files on disk."""
