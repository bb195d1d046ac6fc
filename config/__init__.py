"""Settings: everything Sixty reads from the environment and `.env`, validated at start."""

from config.settings import ConfigError, Mode, Settings, load_settings

__all__ = ["ConfigError", "Mode", "Settings", "load_settings"]
