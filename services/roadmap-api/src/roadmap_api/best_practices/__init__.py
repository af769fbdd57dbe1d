"""The best-practice catalogue measures refer to, and the proposals for the federal roadmap."""
