"""Escalations: problem threads raised from the regional centre to the ministry and the federal centre."""
