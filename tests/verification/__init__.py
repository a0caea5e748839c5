"""Tests of jurisdiction.verification."""
