"""Questionnaires: definitions, question types and the rules an answer set must satisfy."""
