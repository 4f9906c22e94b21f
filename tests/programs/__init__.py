"""Tests of early-access programs and events."""
