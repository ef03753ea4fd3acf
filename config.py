"""Settings of the competition. This file runs the embedded demo; edit it for your own challenge.

Every setting is listed, with its default, in the README's settings table. Leave out what you
don't change. Data settings take a path (relative to this file), an http(s) URL or a Google
Drive link; "demo:<file>" is the embedded demo (scikit-learn's breast cancer data).
"""

from sklearn.metrics import average_precision_score

TITLE = "Mini Datathon: breast cancer diagnosis"

context_markdown = """
# Can you spot a malignant tumour?

Each row of the data describes the cell nuclei of a breast mass, computed from a digitised image
of a fine needle aspirate (the Wisconsin Diagnostic Breast Cancer data set). Your task: predict,
for each row of the test set, the **probability that the mass is benign** (`target = 1`).

1. Read the **Data** page and download the files.
2. Train a model on `X_train.csv` and `y_train.csv`.
3. Upload your predictions for `X_test.csv` on the **Submit** page and watch the **Leaderboard**.
"""

content_markdown = """
| file | content |
|---|---|
| `X_train.csv` | `id` and 30 numeric features for 398 masses |
| `y_train.csv` | `id` and `target` (1 benign, 0 malignant) for the same masses |
| `X_test.csv` | `id` and the features of 171 masses whose target is hidden |
| `sample_submission.csv` | a valid submission: `id` and a `target` probability per test row |
"""

data_instruction_commands = """
```python
import pandas as pd
X_train = pd.read_csv("X_train.csv", index_col="id")
y_train = pd.read_csv("y_train.csv", index_col="id")["target"]
X_test = pd.read_csv("X_test.csv", index_col="id")
```
"""

evaluation_content = """
Submissions are scored by the **average precision** (area under the precision-recall curve,
`sklearn.metrics.average_precision_score`) of your probabilities against the hidden target:
**greater is better**, 1.0 is perfect.

Your file must have the header `id,target` and one row per test id, in any order.
"""

SKLEARN_SCORER = average_precision_score
SKLEARN_ADDITIONAL_PARAMETERS = {}
GREATER_IS_BETTER = True
BENCHMARK_SCORE = 0.9

X_TRAIN = "demo:X_train.csv"
Y_TRAIN = "demo:y_train.csv"
X_TEST = "demo:X_test.csv"
SAMPLE_SUBMISSION = "demo:sample_submission.csv"
Y_TEST = "demo:y_test.csv"
