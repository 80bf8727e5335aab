"""Training: loss, optimizer and schedules, the fit loop, learning-rate sweeps, precision, distribution."""
