"""Blueprint: loading YAML with locations, and the typed model."""
