"""Lean improvement projects: before/after/target effects."""
