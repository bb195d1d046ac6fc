"""Slack listeners and webhook routes: parse, authorise, ack, hand an Event to the orchestrator."""
