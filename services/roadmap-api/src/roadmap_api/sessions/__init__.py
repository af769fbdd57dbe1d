"""Strategic sessions: voting by section and participant assessments."""
