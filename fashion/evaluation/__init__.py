"""The test-set report (scikit-learn's scores), ensembles scored on validation, the exported model's choice, figures."""
