"""Survey responses: personal-data masking, duplicate detection and device-clock checks."""
