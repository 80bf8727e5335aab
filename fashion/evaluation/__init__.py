"""Scores (accuracy, per-class precision, recall and F1), the test-set report, ensembles' assembly, figures."""
