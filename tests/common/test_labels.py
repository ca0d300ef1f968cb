"""Library messages name a choice as Python spells it; a front end's names hold only inside its block."""

from __future__ import annotations

import threading

import pytest

from analysis.common.labels import label, labelled
from analysis.runs.executors import check_workers
from sim.params import ParameterError


def test_a_choice_is_called_by_its_python_name_outside_a_labelled_block():
    assert label("workers") == "workers"
    with pytest.raises(ParameterError, match=r"^workers 0: expected a whole number"):
        check_workers(0)


def test_a_labelled_block_renames_and_nests_and_ends_with_the_block():
    with labelled({"workers": "--workers"}):
        assert label("workers") == "--workers"
        with pytest.raises(ParameterError, match=r"^--workers 0: expected a whole number"):
            check_workers(0)
        with labelled({"seed": "--seed"}):
            assert (label("workers"), label("seed")) == ("--workers", "--seed")
        assert label("seed") == "seed"
    assert label("workers") == "workers"


def test_a_label_holds_in_its_own_thread_only():
    seen: list[str] = []
    with labelled({"workers": "--workers"}):
        thread = threading.Thread(target=lambda: seen.append(label("workers")))
        thread.start()
        thread.join()
    assert seen == ["workers"]
