"""Detractor follow-ups: a patient\x27s NPS 0–6 with a comment turns into work, measured within 48 h."""
