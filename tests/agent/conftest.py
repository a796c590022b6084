"""Fixtures of the agent tests."""

from __future__ import annotations

import pytest

from tasks.spec import TaskSpec
from tests.support.toy_tasks import make_add_task


@pytest.fixture
def add_task() -> TaskSpec:
    return make_add_task()
