"""The `sixty` command line."""
