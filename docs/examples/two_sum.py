def two_sum(numbers: list[int], target: int) -> tuple[int, int]:
    """Indices of the two numbers that add up to target."""
    seen: dict[int, int] = {}
    for index, number in enumerate(numbers):
        if target - number in seen:
            return seen[target - number], index
        seen[number] = index
    raise ValueError("no two numbers add up to the target")
