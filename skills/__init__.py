"""Pure domain logic: plain functions over typed data, no I/O (intents, slots, drafting...)."""
