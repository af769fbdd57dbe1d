"""Life situations with their boundaries and institutions, and self-assessments in those institutions."""
