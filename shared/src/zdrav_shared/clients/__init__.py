"""Typed clients of the Zdrav services, used by the other services."""
