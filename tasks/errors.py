"""The one exception of the task layer: its message is the single line a user sees."""


class TaskError(ValueError):
    """A suite, task id or data record that cannot be used; the message names the file, line and field."""
