"""Tests of jurisdiction.diagnosis."""
