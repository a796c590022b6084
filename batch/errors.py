"""The one exception of the batch layer: its message is the single line a user sees."""


class BatchError(ValueError):
    """A run that cannot go on as asked (another config in the run dir, a torn results file, a bad shard)."""
