"""Settings: the original's names keep working, defaults fill the rest, mistakes stop the app with a fix."""

import re
from datetime import UTC, datetime

import pytest
from conftest import CONFIGS, ROOT
from sklearn.metrics import average_precision_score, precision_recall_curve

import competition
import settings
from errors import ConfigError

MINIMAL = {"SKLEARN_SCORER": average_precision_score, "SAMPLE_SUBMISSION": "demo:sample_submission.csv",
           "Y_TEST": "demo:y_test.csv"}


def test_a_config_may_set_only_the_metric_and_the_data():
    loaded = settings.from_mapping(MINIMAL)
    assert loaded.GREATER_IS_BETTER is True
    assert loaded.MAX_SUBMISSIONS_PER_DAY == 5
    assert loaded.PUBLIC_FRACTION == 0.3
    assert loaded.MAX_SELECTED_SUBMISSIONS == 2
    assert loaded.X_TRAIN is None


@pytest.mark.parametrize("missing", ["SKLEARN_SCORER", "SAMPLE_SUBMISSION", "Y_TEST"])
def test_a_missing_essential_setting_is_named(missing):
    values = {k: v for k, v in MINIMAL.items() if k != missing}
    with pytest.raises(ConfigError, match=f"Setting {missing} is missing"):
        settings.from_mapping(values)


def test_the_originals_google_link_name_is_an_alias_of_y_test():
    values = {k: v for k, v in MINIMAL.items() if k != "Y_TEST"}
    loaded = settings.from_mapping({**values, "Y_TEST_GOOGLE_PUBLIC_LINK": "demo:y_test.csv"})
    assert loaded.Y_TEST == "demo:y_test.csv"


@pytest.mark.parametrize("typo, meant", [
    ("GREATER_IS_BETER", "GREATER_IS_BETTER"),
    ("SKLEARN_ADDITIONAL_PARAMETER", "SKLEARN_ADDITIONAL_PARAMETERS"),
    ("greater_is_better", "GREATER_IS_BETTER"),
    ("MAX_SUBMISSION_PER_DAY", "MAX_SUBMISSIONS_PER_DAY"),
    ("context_markdwon", "context_markdown"),
])
def test_a_name_that_looks_like_a_typo_stops_with_the_right_name(typo, meant):
    with pytest.raises(ConfigError, match=f"Unknown setting {typo}.*did you mean {meant}"):
        settings.from_mapping({**MINIMAL, typo: True})


def test_unrelated_names_in_the_config_file_are_ignored():
    loaded = settings.from_mapping({**MINIMAL, "np": object(), "helper_table": [1, 2]})
    assert loaded.SKLEARN_SCORER is average_precision_score


@pytest.mark.parametrize("name, value, fix", [
    ("GREATER_IS_BETTER", "yes", "must be True or False"),
    ("SKLEARN_SCORER", "average_precision_score", "must be a function"),
    ("SKLEARN_ADDITIONAL_PARAMETERS", ["micro"], "must be a dict"),
    ("BENCHMARK_SCORE", "0.6", "must be a finite number"),
    ("PUBLIC_FRACTION", 0, "greater than 0"),
    ("PUBLIC_FRACTION", 1.5, "at most 1"),
    ("MAX_SUBMISSIONS_PER_DAY", 0, "at least 1"),
    ("START", "next tuesday", "ISO 8601"),
    ("DATA_SHA256", {"Y_TRAIN_TYPO": "abc"}, "unknown data setting"),
])
def test_a_bad_value_names_the_setting_and_the_fix(name, value, fix):
    with pytest.raises(ConfigError, match=rf"Setting {name} = .*{re.escape(fix)}.*Fix it in your config.py"):
        settings.from_mapping({**MINIMAL, name: value})


def test_start_must_be_before_end():
    with pytest.raises(ConfigError, match="START .* is not before END"):
        settings.from_mapping({**MINIMAL, "START": "2026-12-02", "END": "2026-12-01"})


def test_naive_times_are_read_as_utc_and_aware_ones_converted():
    loaded = settings.from_mapping({**MINIMAL, "START": "2026-12-01 09:00", "END": "2026-12-01T11:00+01:00"})
    assert loaded.START == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert loaded.END == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_a_scorer_returning_arrays_is_refused_at_start(state):
    loaded = settings.from_mapping({**MINIMAL, "SKLEARN_SCORER": precision_recall_curve})
    with pytest.raises(ConfigError, match="SKLEARN_SCORER must return a single float"):
        competition.load(loaded, state)


def test_a_missing_data_file_names_the_setting(state, tmp_path):
    loaded = settings.from_mapping({**MINIMAL, "X_TRAIN": str(tmp_path / "nowhere.csv")})
    with pytest.raises(Exception, match="X_TRAIN: file .*nowhere.csv does not exist"):
        competition.load(loaded, state)


def test_config_file_that_fails_to_run_says_so(tmp_path):
    bad = tmp_path / "config.py"
    bad.write_text("SKLEARN_SCORER = undefined_name\n")
    with pytest.raises(ConfigError, match="fails to run: NameError"):
        settings.load(bad)


def test_settings_file_and_state_dir_come_from_the_environment(tmp_path):
    env = {"DATATHON_CONFIG": str(tmp_path / "c.py"), "DATATHON_STATE_DIR": str(tmp_path / "s")}
    assert settings.config_path(env) == tmp_path / "c.py"
    assert settings.state_dir(env) == tmp_path / "s"
    assert settings.config_path({}) == ROOT / "config.py"
    assert settings.state_dir({}) == ROOT


@pytest.mark.parametrize("config", CONFIGS.values())
def test_shipped_configs_load(config, state):
    competition.load(settings.load(config), state)


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    undocumented = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in readme]
    assert undocumented == []
