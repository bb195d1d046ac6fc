"""Call coaching for reps (issue 16): `coaching_call` after each recorded call (analyse, store,
rebuild the week, micro-feedback when the rep chose it) and `coaching_digest`, the rep's weekly
digest at their day and time, through their manager's note gate when they have a manager."""
