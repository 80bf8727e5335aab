"""Fashion-MNIST pipeline library: the logic behind the thin scripts in `stages/`.

Importing this package is cheap: no module here imports TensorFlow at import
time except `models`, `training` and `evaluation`, which only the stages that
train or evaluate use.
"""
