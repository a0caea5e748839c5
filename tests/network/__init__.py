"""Tests of jurisdiction.network."""
