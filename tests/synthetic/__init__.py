"""Tests of jurisdiction.synthetic."""
