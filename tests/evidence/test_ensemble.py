"""The calibrated ensemble: priors in the registry, ABC-MCMC members that pass their targets, the shipped file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.comparisons.robustness import ENSEMBLE_COMMAND, ENSEMBLE_FILE
from analysis.evidence import ensemble as E
from analysis.evidence.calibration import FREE, evaluate
from analysis.evidence.targets import TARGETS, Target
from analysis.evidence.validation import validate
from sim import params as registry
from sim.params import ParameterError

#: A small ensemble a test can rebuild in seconds: three parameters, two targets a small org measures.
SMALL = {
    "space": ["rep.admin_hours_per_week", "manager.admin_hours_per_week", "manager.ride_along_habit"],
    "targets": ("T4", "T6"),
    "screen": E.Fidelity(128, 1),
    "final": E.Fidelity(256, 2),
    "chains": 3,
    "burn": 4,
    "thin": 2,
}


def _small(size: int = 6, seed: int = 3, workers: int = 1, **kwargs) -> E.Ensemble:
    return E.build(
        size,
        seed,
        space=E.prior_space(SMALL["space"]),
        targets=[t for t in TARGETS if t.id in SMALL["targets"]],
        screen=SMALL["screen"],
        final=SMALL["final"],
        chains=SMALL["chains"],
        burn=SMALL["burn"],
        thin=SMALL["thin"],
        workers=workers,
        **kwargs,
    )


@pytest.fixture(scope="module")
def small() -> E.Ensemble:
    return _small()


def test_every_prior_holds_its_default_within_the_allowed_range():
    with_prior = [p for p in registry.REGISTRY if p.prior is not None]
    assert len(with_prior) >= 50
    for p in with_prior:
        lo, hi = p.prior
        assert p.kind is float and (not p.lever or registry.FIT in p.source), p.name  # a lever: only if fitted
        assert (p.low is None or p.low <= lo) and lo < p.default < hi and (p.high is None or hi <= p.high), p.name
        assert registry.FIT in p.source or p.source == registry.ASSUMED, p.name


def test_the_fit_searches_the_calibrated_parameters_priors():
    assert set(FREE) == {p.name for p in registry.REGISTRY if p.prior is not None and registry.FIT in p.source}
    assert all(FREE[name] == registry.by_name(name).prior for name in FREE)


def test_distance_is_one_at_the_edge_of_a_range_and_infinite_for_a_value_the_model_cannot_produce():
    t = TARGETS[0]
    mid = {x.id: x.middle for x in TARGETS}
    assert E.distance(mid) == 0
    assert E.distance({**mid, t.id: t.high}) == pytest.approx(1.0)
    assert E.distance({**mid, t.id: t.low - (t.high - t.low)}) == pytest.approx(3.0)
    assert E.distance({**mid, t.id: float("nan")}) == np.inf


def test_every_member_of_a_rebuilt_small_ensemble_passes_its_targets(small):
    targets = [t for t in TARGETS if t.id in SMALL["targets"]]
    seeds, typical = SMALL["final"].runs()
    assert len(small) == 6 and small.weights.sum() == pytest.approx(1.0)
    for i in range(len(small)):
        values = small.values(i)
        for name, (lo, hi) in small.space.items():
            assert lo <= values[name] <= hi
        again = evaluate(values, targets, seeds, SMALL["final"].reps, typical)
        for t in targets:
            assert t.low <= again[t.id] <= t.high, (i, t.id, again[t.id])
            assert small.members[t.id].iloc[i] == again[t.id]  # what the ensemble recorded is what it measured


def test_the_ensemble_depends_on_its_seed_and_not_on_the_workers(small):
    pd.testing.assert_frame_equal(_small(workers=2).members, small.members)
    assert not np.allclose(_small(seed=4).members[SMALL["space"]], small.members[SMALL["space"]])


def test_an_interrupted_build_resumes_from_its_checkpoint_to_the_same_ensemble(small, tmp_path, monkeypatch):
    checkpoint = tmp_path / "ens.partial.pkl"
    real = E._Chains.step_once
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # in the fifth step, after the burn-in's tuning has begun
        real(self, *args, **kwargs)

    monkeypatch.setattr(E._Chains, "step_once", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _small(checkpoint=checkpoint)
    assert checkpoint.is_file()
    monkeypatch.setattr(E._Chains, "step_once", real)
    resumed = _small(checkpoint=checkpoint)
    pd.testing.assert_frame_equal(resumed.members, small.members)
    assert [s["accepted"] for s in resumed.record["log"]] == [s["accepted"] for s in small.record["log"]]
    assert not checkpoint.exists()  # gone once the ensemble is made
    checkpoint.write_bytes(__import__("pickle").dumps({"key": "another build"}))
    with pytest.raises(ParameterError, match="belongs to another build"):
        _small(checkpoint=checkpoint)


#: A synthetic problem whose posterior is known: three parameters (only their unit-cube
#: coordinates matter), one target that the sum of the first two must keep within 0.15 of its
#: value at the start, and the third constrained by nothing.
BAND = 0.15


def _band(space: dict) -> tuple[list[Target], E.Measure]:
    start = E.start_point(space)
    target = Target("S", "a band", "sum", start[0] + start[1] - BAND, start[0] + start[1] + BAND, "synthetic")

    def measure(z: np.ndarray, fidelity: E.Fidelity) -> list[dict[str, float]]:
        return [{"S": float(p[0] + p[1])} for p in z]

    return [target], measure


def test_the_chains_sample_the_prior_restricted_to_the_targets():
    """On a known posterior (uniform on a band of the unit cube), the members' marginals match
    exact draws by rejection, and the unconstrained coordinate keeps its whole prior."""
    space = E.prior_space(SMALL["space"])
    targets, measure = _band(space)
    ens = E.build(400, 1, space=space, targets=targets, chains=20, burn=30, thin=8, measure=measure)
    lo = np.array([b[0] for b in space.values()])
    hi = np.array([b[1] for b in space.values()])
    z = (ens.members[list(space)].to_numpy() - lo) / (hi - lo)
    assert np.all(np.abs(z[:, 0] + z[:, 1] - targets[0].middle) <= BAND)
    exact = np.random.default_rng(5).random((200_000, 3))
    exact = exact[np.abs(exact[:, 0] + exact[:, 1] - targets[0].middle) <= BAND]
    for i in range(3):
        assert stats.ks_2samp(z[:, i], exact[:, i]).pvalue > 0.001, i
    assert z[:, 2].min() < 0.05 and z[:, 2].max() > 0.95  # the free coordinate spans its prior
    # the chains mix (steps along the band's length and jumps of one coordinate): R-hat was 1.05-1.22
    # and the effective size 80 of 400 here; a sampler that stopped moving along the band fails both
    assert max(v for v in ens.record["rhat"].values()) < 1.35
    assert 50 < ens.effective_size() <= 400


def test_split_rhat_is_near_one_for_chains_that_agree_and_large_for_chains_that_do_not():
    rng = np.random.default_rng(0)
    same = rng.standard_normal((200, 8))
    assert E.split_rhat(same) == pytest.approx(1.0, abs=0.02)
    apart = same + np.arange(8)  # each chain stuck around its own value
    assert E.split_rhat(apart) > 1.5
    drifting = same + np.linspace(0, 4, 200)[:, None]  # every chain still moving: the halves disagree
    assert E.split_rhat(drifting) > 1.1
    assert np.isnan(E.split_rhat(np.ones((50, 4))))


def test_bulk_ess_counts_independent_draws_as_many_and_correlated_ones_as_fewer():
    rng = np.random.default_rng(1)
    iid = rng.standard_normal((500, 4))
    assert 1600 < E.bulk_ess(iid) < 2400  # 2,000 independent draws
    ar = np.zeros((500, 4))
    for t in range(1, 500):  # an AR(1) chain with coefficient 0.9: about 2000 (1 - 0.9) / (1 + 0.9) = 105
        ar[t] = 0.9 * ar[t - 1] + rng.standard_normal(4)
    assert 60 < E.bulk_ess(ar) < 200
    assert np.isnan(E.bulk_ess(np.ones((50, 4))))


def test_a_start_that_fails_its_targets_is_a_clear_error():
    space = E.prior_space(SMALL["space"])
    _, measure = _band(space)
    far = [Target("S", "a band", "sum", 5.0, 6.0, "synthetic")]
    with pytest.raises(ParameterError, match="do not pass every target"):
        E.build(4, 0, space=space, targets=far, chains=2, burn=2, thin=1, measure=measure)


def test_the_targets_narrow_the_parameters_they_constrain(small):
    ranges = small.ranges().set_index("parameter")
    assert (ranges["narrowed_to"] > 0).all() and (ranges["q05"] <= ranges["median"]).all()
    # T6 (the rep's selling share) is set by the rep's admin hours: the strongest rank correlation
    rho = small.record["constraints"]["T6"]
    assert max(rho, key=lambda k: abs(rho[k])) == "rep.admin_hours_per_week"
    assert rho["rep.admin_hours_per_week"] < -0.5


def test_the_final_measurement_is_validates(small):
    """A member inside every range at FINAL passes ``validate`` at its defaults: the same runs, the same means."""
    values = small.values(0)
    fidelity = SMALL["final"]
    seeds, typical = fidelity.runs()
    targets = [t for t in TARGETS if t.id in SMALL["targets"]]
    ours = evaluate(values, targets, seeds, fidelity.reps, typical)
    table = validate(
        values,
        fidelity.replications,
        fidelity.seed,
        workers=1,
        reps=fidelity.reps,
        targets=targets,
        screen=False,
        progress=False,
    ).table
    for t in targets:
        row = table[table["target"].str.startswith(f"{t.id}:")].iloc[0]
        assert row["value"] == pytest.approx(ours[t.id], rel=1e-12)
    assert E.Fidelity(1536, 8, 0) == E.FINAL  # validate's defaults: VALIDATION_REPS, 8 replications, seed 0


def test_an_ensemble_is_written_and_read_back_with_its_record(small, tmp_path):
    path = small.write(tmp_path / "ens.parquet")
    back = E.load(path)
    pd.testing.assert_frame_equal(back.members, small.members)
    assert back.space == small.space
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["seed"] == 3 and record["versions"]["numpy"] and record["final"] == SMALL["final"].describe()
    assert len(record["log"]) == record["steps"] == SMALL["burn"] + SMALL["thin"] * 2
    assert "R-hat median" in E.format_mixing(back) and "effective sample size" in E.format_mixing(back)


def test_a_bad_ensemble_file_is_named_in_one_message(small, tmp_path):
    with pytest.raises(ParameterError, match="no such file"):
        E.load(tmp_path / "missing.parquet")
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    with pytest.raises(ParameterError, match=r"junk\.parquet: not a readable Parquet file"):
        E.load(junk)
    bad = small.members.copy()
    bad.loc[0, "manager.ride_along_habit"] = 1.5
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(ParameterError, match=r"bad\.parquet.*manager\.ride_along_habit = 1\.5"):
        E.load(tmp_path / "bad.parquet")
    small.members.drop(columns="weight").to_parquet(tmp_path / "noweight.parquet")
    with pytest.raises(ParameterError, match="missing column"):
        E.load(tmp_path / "noweight.parquet")


def test_a_parameter_without_a_prior_cannot_be_in_the_ensemble():
    with pytest.raises(ParameterError, match="no prior"):
        E.prior_space(["org.reps"])
    with pytest.raises(ParameterError, match="did you mean"):
        E.prior_space(["rep.admin_hours_per_wek"])


def test_the_shipped_ensemble_has_100_members_that_all_pass_every_target_of_validate():
    ens = E.load(ENSEMBLE_FILE)
    assert len(ens) >= 100 and ens.weights.sum() == pytest.approx(1.0)
    assert set(ens.space) == set(E.prior_space())
    for t in TARGETS:
        assert ens.members[t.id].between(t.low, t.high).all(), t.id
    for name, (lo, hi) in ens.space.items():
        assert ens.members[name].between(lo, hi).all(), name
    record = ens.record
    assert record["command"].startswith(ENSEMBLE_COMMAND)  # made as the README says
    assert record["final"] == E.FINAL.describe() and {"python", "numpy", "numba", "mesa"} <= set(record["versions"])
