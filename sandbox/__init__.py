"""The sandbox workspace: a local Slack (Web API, Socket Mode, a page to look and click)."""
