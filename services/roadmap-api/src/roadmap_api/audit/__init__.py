"""The audit trail of the programme workflows (who, when, before, after, why)."""
