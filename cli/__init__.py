"""The `sandloop` command line: thin; parses, calls the layers, renders with rich. Nothing imports it."""
