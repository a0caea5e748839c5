"""Tests of jurisdiction.optimise."""
