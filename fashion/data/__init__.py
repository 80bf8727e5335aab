"""The dataset: its files, download, IDX parsing, the stratified split, pixel scaling, tf.data pipelines."""
