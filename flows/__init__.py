"""The orchestrator: durable event-driven sequences with approval gates, and the sequences."""
