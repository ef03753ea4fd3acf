"""A second competition for the tests: the demo data scored by mean squared error (lower is better)."""

from sklearn.metrics import mean_squared_error

SKLEARN_SCORER = mean_squared_error
GREATER_IS_BETTER = False
BENCHMARK_SCORE = 0.2

X_TRAIN = "demo:X_train.csv"
Y_TRAIN = "demo:y_train.csv"
X_TEST = "demo:X_test.csv"
SAMPLE_SUBMISSION = "demo:sample_submission.csv"
Y_TEST = "demo:y_test.csv"
