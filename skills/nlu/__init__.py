"""The offline language engine: patterns as reviewed data, loaders and scorers."""
