import pytest

from roadmaps.plans import database_tick


@pytest.fixture(params=["one statement", "separate statements"])
def tick_path(request, monkeypatch):
    """Both ways a tick is written on PostgreSQL: the function ``roadmaps_task_tick`` in one
    statement (production), or the separate statements SQLite runs (the embedded mode)."""
    if request.param == "separate statements":
        monkeypatch.setattr(database_tick, "available", lambda: False)
    return request.param
