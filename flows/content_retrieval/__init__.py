"""Sending the prospect the documents they asked for, found in the org's content library."""
