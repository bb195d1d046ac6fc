"""One module per external service; the only code that talks to the network."""
