"""Roadmap task tree, statuses and the change journal."""
