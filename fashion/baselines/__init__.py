"""Classical scikit-learn classifiers trained beside the networks: the rows of the dataset's own benchmark."""
