"""Fashion-MNIST pipeline library: the logic behind the thin scripts in `stages/`.

One package per concern, each importing only the ones listed before it:

- `core`: params (the schema every key is declared in), paths, errors, atomic writes, the stages' entry point;
- `data`: the dataset's files, download, IDX parsing, the validation split, pixel scaling, tf.data pipelines;
- `baselines`: scikit-learn classifiers as params names them: built, fitted, saved and loaded safely (skops);
- `models`: saving and safe loading, ensembles and their test-time views, cost;
- `training`: loss, optimizer and schedules, the fit loop, the moving average of the weights, learning-rate
  sweeps, precision, distribution;
- `evaluation`: scores, the test-set report, ensembles' assembly and validation scores, figures;
- `serving`: export (SavedModel, TFLite) and prediction on new images.

A stage's DVC dependencies are the packages it imports, so a change to
serving code never re-runs training. Importing a package is cheap; the
modules that need TensorFlow import it through `fashion.core.tensorflow_setup`.
"""
