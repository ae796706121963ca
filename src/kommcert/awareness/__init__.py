"""Awareness: trainings, attendance, coverage, phishing aggregates, readiness (issue 16)."""
