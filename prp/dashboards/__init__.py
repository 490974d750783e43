"""Dashboards and reports: figures across every app, so they live in prp (README)."""
