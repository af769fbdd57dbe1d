"""Versions of a roadmap's plan: approval, revisions and the history execution is measured against."""
