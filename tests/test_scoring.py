"""Reading, validating and scoring a submission: every bad file gets a clear message and changes nothing."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import NOON, degraded, submission
from sklearn.metrics import average_precision_score, log_loss

import competition
import scoring
import settings
import submissions
from errors import ConfigError, InvalidSubmission
from users import User

TEAM = User("team1")


def text(tables, **kwargs) -> str:
    return submission(tables, **kwargs).decode()


def first_ids(tables, k=3):
    return tables["y_test.csv"]["id"].head(k).tolist()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def replace_line(tables, index: int, line: str) -> bytes:
    lines = text(tables).splitlines()
    lines[index + 1] = line
    return ("\n".join(lines) + "\n").encode()


# (case, builder of the bytes from the demo tables, pattern the message must match)
HOSTILE = [
    ("empty file", lambda t: b"", r"The file is empty\. Upload a CSV whose first line is `id,target`"),
    ("only blank lines", lambda t: b"\n\n  \n", r"The file is empty"),
    ("header only", lambda t: b"id,target\n", r"Missing id\(s\): .* \(171 of 171 missing\)"),
    ("binary bytes", lambda t: b"\x00\x01\x02id,target\x00", r"binary file, not a CSV"),
    ("latin-1 text", lambda t: "id,target\n1,0.5 é\n".encode("latin-1"), r"not UTF-8 text \(byte 0xe9"),
    ("excel workbook renamed .csv", lambda t: xlsx_bytes(), r"Excel workbook.*CSV UTF-8"),
    ("old excel format", lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, r"Excel workbook"),
    ("semicolon separated", lambda t: text(t).replace(",", ";").encode(), r"separated by semicolons; use commas"),
    ("tab separated", lambda t: text(t).replace(",", "\t").encode(), r"separated by tabs; use commas"),
    ("wrong header", lambda t: text(t).replace("id,target", "id,prediction", 1).encode(),
     r"Wrong header: missing column\(s\) target; unexpected column\(s\) prediction\. The first line must be "),
    ("no header", lambda t: text(t).split("\n", 1)[1].encode(), r"Wrong header: missing column\(s\) id, target"),
    ("extra column", lambda t: submission(t).replace(b"id,target", b"id,target,extra", 1).replace(b"\n", b",1\n")
     .replace(b"id,target,extra,1", b"id,target,extra"), r"unexpected column\(s\) extra"),
    ("missing column", lambda t: "\n".join(line.split(",")[0] for line in text(t).splitlines()).encode(),
     r"missing column\(s\) target"),
    ("columns swapped", lambda t: text(t).replace("id,target", "target,id", 1).encode(), r"wrong order"),
    ("duplicate ids", lambda t: (text(t) + text(t).splitlines()[1] + "\n").encode(),
     r"Duplicate id\(s\): \d+\. Submit each test id exactly once"),
    ("unknown ids", lambda t: replace_line(t, 0, "999999,0.5"), r"Unknown id\(s\): 999999\."),
    ("missing ids", lambda t: ("\n".join(text(t).splitlines()[:-2]) + "\n").encode(),
     r"Missing id\(s\): \d+, \d+ \(2 of 171 missing\)"),
    ("NaN value", lambda t: replace_line(t, 2, f"{first_ids(t)[2]},NaN"),
     r"Column target has empty, NaN or infinite values on line\(s\) 4\."),
    ("infinite value", lambda t: replace_line(t, 0, f"{first_ids(t)[0]},inf"), r"empty, NaN or infinite .* 2\."),
    ("empty cell", lambda t: replace_line(t, 1, f"{first_ids(t)[1]},"), r"empty, NaN or infinite .* 3\."),
    ("text in the prediction column", lambda t: replace_line(t, 1, f"{first_ids(t)[1]},high"),
     r"Column target must hold numbers; not so on line 3: 'high'"),
    ("text id", lambda t: replace_line(t, 0, "abc,0.5"), r"id column must hold whole numbers; not so on line 2: 'abc'"),
    ("fractional id", lambda t: replace_line(t, 0, "1.5,0.5"), r"whole numbers; not so on line 2: '1.5'"),
    ("empty id", lambda t: replace_line(t, 0, ",0.5"), r"Empty id on line\(s\) 2\."),
    ("id too large for an integer", lambda t: replace_line(t, 0, "99999999999999999999,0.5"),
     r"whole numbers; not so on line 2: '99999999999999999999'"),
    ("ragged row", lambda t: replace_line(t, 0, f"{first_ids(t)[0]},0.5,0.7"), r"not a well-formed CSV"),
    ("quoted field with a newline", lambda t: replace_line(t, 0, f'{first_ids(t)[0]},"0.\n5"'),
     r"(must hold numbers; not so on line 2|not a well-formed CSV)"),
    ("ten times the rows", lambda t: (text(t) + "".join(text(t).split("\n", 1)[1] for _ in range(9))).encode(),
     r"The file has 1710 rows for 171 test ids\. Duplicate id\(s\)"),
    ("over the upload limit", lambda t: submission(t) + b"\n" * 2_000_000, r"over the 1 MB upload limit"),
]


@pytest.mark.parametrize("case, build, pattern", HOSTILE, ids=[case for case, _, _ in HOSTILE])
def test_hostile_upload_gets_a_clear_message_changes_nothing_and_does_not_count(
        case, build, pattern, comp, state, demo_tables):
    submissions.submit(state, comp, TEAM, "good.csv", submission(demo_tables), NOON)
    before = {p.relative_to(state.dir): p.read_bytes() for p in state.dir.rglob("*") if p.is_file()}
    with pytest.raises(InvalidSubmission, match=pattern):
        submissions.submit(state, comp, TEAM, f"{case}.csv", build(demo_tables), NOON, max_bytes=1_000_000)
    after = {p.relative_to(state.dir): p.read_bytes() for p in state.dir.rglob("*") if p.is_file()}
    assert after == before
    assert submissions.quota(comp.settings, submissions.read_log(state), "team1", NOON).used_today == 1


def test_hostile_table_has_at_least_25_cases():
    assert len(HOSTILE) >= 25


def test_a_value_the_metric_rejects_becomes_a_clear_message(state, demo_tables):
    config = settings.from_mapping({"SKLEARN_SCORER": log_loss, "GREATER_IS_BETTER": False,
                                    "SAMPLE_SUBMISSION": "demo:sample_submission.csv", "Y_TEST": "demo:y_test.csv"})
    comp = competition.load(config, state)
    too_big = submission(demo_tables, np.full(171, 1.5))
    with pytest.raises(InvalidSubmission, match="The metric could not score these predictions: y_prob contains "
                                                "values greater than 1"):
        submissions.submit(state, comp, TEAM, "p.csv", too_big, NOON)
    assert submissions.read_log(state).empty


TOLERATED = [
    ("UTF-8 byte order mark", lambda b: b"\xef\xbb\xbf" + b),
    ("CRLF line ends", lambda b: b.replace(b"\n", b"\r\n")),
    ("integer ids written as floats", lambda b: b"\n".join(
        line if i == 0 or not line else line.split(b",")[0] + b".0," + line.split(b",")[1]
        for i, line in enumerate(b.split(b"\n")))),
    ("rows in another order", lambda b: b.split(b"\n")[0] + b"\n" + b"\n".join(reversed(b.strip().split(b"\n")[1:]))
     + b"\n"),
    ("quoted header and spaces", lambda b: b.replace(b"id,target", b'"id" , "target"', 1)),
    ("trailing blank lines", lambda b: b + b"\n\n"),
    ("no final newline", lambda b: b.rstrip(b"\n")),
]


@pytest.mark.parametrize("case, change", TOLERATED, ids=[case for case, _ in TOLERATED])
def test_what_a_tolerant_reader_accepts_scores_the_same(case, change, comp, demo_tables):
    content = degraded(demo_tables, 40)
    assert comp.score_file(change(content)) == comp.score_file(content)


def test_score_is_a_pure_function_of_aligned_arrays():
    y_true, y_pred = np.array([0, 1, 1, 0]), np.array([0.1, 0.8, 0.6, 0.3])
    assert scoring.score(y_true, y_pred, average_precision_score, {}) == 1.0
    assert scoring.score(y_true, y_pred[::-1], average_precision_score, {}) == \
        average_precision_score(y_true, y_pred[::-1])


def test_a_metric_returning_arrays_is_a_settings_error_not_a_crash():
    with pytest.raises(ConfigError, match="not one number"):
        scoring.score(np.array([0, 1]), np.array([0.2, 0.9]), lambda t, p: p, {})


@pytest.mark.parametrize("value, shown", [(0.98765432, "0.987654"), (1.0, "1.00000"), (1234.5678, "1234.57"),
                                          (1.2e-7, "1.20000e-07")])
def test_scores_are_shown_with_six_significant_digits(value, shown):
    assert scoring.format_score(value) == shown


def test_every_part_is_scored_on_its_own_rows(comp, demo_tables):
    truth = demo_tables["y_test.csv"].set_index("id")["target"]
    public_ids = comp.target.ids[comp.target.public]
    predictions = truth.astype(float).copy()
    predictions.loc[public_ids] = 1 - predictions.loc[public_ids]  # wrong on every public row only
    content = pd.DataFrame({"id": truth.index, "target": predictions.to_numpy()}).to_csv(index=False).encode()
    scores = comp.score_file(content)
    assert scores.private == 1.0
    public_truth = truth.loc[public_ids].to_numpy()
    assert scores.public == average_precision_score(public_truth, 1 - public_truth)


def test_string_ids_are_matched_as_text(state):
    target = competition.build_target(pd.DataFrame({"key": ["a", "b", "c", "d"], "y": [0, 1, 1, 0]}),
                                      ["key", "y"], 0.5, 0)
    content = b"key,y\nd,0.1\n c ,0.7\nb,0.9\na,0.2\n"
    aligned = scoring.read_predictions(content, target)
    assert aligned.tolist() == [0.2, 0.9, 0.7, 0.1]
    with pytest.raises(InvalidSubmission, match="Unknown key\\(s\\): e"):
        scoring.read_predictions(b"key,y\na,1\nb,1\nc,1\ne,1\n", target)
