"""Tests of the jurisdiction package; subfolders mirror its rooms."""
