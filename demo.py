"""The embedded demo competition: scikit-learn's breast cancer data, split once, deterministically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

FILES = ("X_train.csv", "y_train.csv", "X_test.csv", "sample_submission.csv", "y_test.csv")
SEED = 42


def tables() -> dict[str, pd.DataFrame]:
    """Build the five demo tables: features and targets keyed by an integer `id`."""
    data = load_breast_cancer(as_frame=True)
    features = data.data.copy()
    features.columns = [c.replace(" ", "_") for c in features.columns]
    features.insert(0, "id", np.arange(len(features)))
    target = pd.DataFrame({"id": features["id"], "target": data.target.to_numpy()})
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=0.3, random_state=SEED, stratify=target["target"])
    order_train, order_test = np.argsort(x_train["id"].to_numpy()), np.argsort(x_test["id"].to_numpy())
    x_train, y_train = x_train.iloc[order_train], y_train.iloc[order_train]
    x_test, y_test = x_test.iloc[order_test], y_test.iloc[order_test]
    sample = pd.DataFrame({"id": x_test["id"].to_numpy(), "target": 0.5})
    return dict(zip(FILES, (x_train, y_train, x_test, sample, y_test), strict=True))


def write(directory: Path) -> None:
    """Write the demo files into `directory` unless they are all there already."""
    directory = Path(directory)
    if all((directory / name).is_file() for name in FILES):
        return
    from storage import State  # the demo files live in the state directory, written atomically

    state = State(directory)
    for name, frame in tables().items():
        state.write_csv(name, frame)
