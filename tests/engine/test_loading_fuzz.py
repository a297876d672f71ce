"""Random mutations of a saved session either open or raise the project's own error.

The file parser has its own fuzz test; this one goes through ``open_session``, so values
the parser lets through must also be accepted or rejected cleanly by ``Session``.
"""

import copy
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import session_file
from engine.errors import GradstepError
from engine.files import open_session, save_session, tutorial_preset


def _saved_session() -> dict:
    session = open_session(tutorial_preset())
    session.run(3)
    for _ in range(4):
        session.step()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "session.json"
        save_session(session, path, "last")
        return json.loads(path.read_text())


BASE = _saved_session()
BASE["trace"][0]["steps"] = BASE["trace"][0]["steps"][:2]


def _paths(value, path=()):
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, path + (index,))
    return found


PATHS = _paths(BASE)[1:]
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "", "relu", "softmax", "sgd", "4x"]),
    st.lists(st.integers(-2, 5), max_size=4), st.lists(st.lists(st.floats(-5, 5), min_size=1, max_size=3), max_size=3),
    st.dictionaries(st.sampled_from(["units", "activation", "iteration", "step"]), st.integers(-1, 5), max_size=2),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=VALUES, delete=st.booleans())
def test_mutated_session_opens_or_raises_own_error(path, value, delete):
    document = copy.deepcopy(BASE)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value

    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "mutated.json"
        file.write_text(json.dumps(document))
        try:
            session = open_session(file)
        except GradstepError as error:
            assert "\n" not in str(error)
            return
        session.step()
        session.step_back()
        session_file.loads(session_file.dumps(session.to_document("last")))
