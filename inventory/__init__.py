"""Cross-cutting pieces of the inventory pipeline: configuration, typed errors, the CLI and the demo mirror."""
