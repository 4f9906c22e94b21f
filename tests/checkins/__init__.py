"""Tests of quarterly check-ins."""
