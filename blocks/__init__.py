"""Block Kit builders: pure functions from view models to `slack_sdk.models.blocks`."""
