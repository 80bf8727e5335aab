"""Serving: export to SavedModel and TFLite, and prediction on new images."""
