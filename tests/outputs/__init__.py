"""Tests of jurisdiction.outputs."""
