"""Apply a campaign digest's A/B suggestion: the rep approves, the losing variant is disabled."""
