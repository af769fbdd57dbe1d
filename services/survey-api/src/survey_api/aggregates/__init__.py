"""Survey aggregates: satisfaction share, NPS, their intervals and targets, computed from counts."""
