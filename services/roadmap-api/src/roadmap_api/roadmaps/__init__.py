"""Roadmaps: KPIs, measures, status and approval, the change journal."""
