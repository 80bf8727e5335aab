"""Scores (accuracy, per-class precision, recall and F1) and the figures made from them."""
