"""Tests of jurisdiction.inputs."""
