"""Schemas exchanged between the services: both sides import them from here."""
