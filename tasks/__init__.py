"""Task suites as one TaskSpec shape, graded through the sandbox (built in the tasks issue)."""
