"""Regional programme plans and their financing."""
