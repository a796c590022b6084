"""The sandbox image: its recipe, the executor baked into it, and how it is built."""
