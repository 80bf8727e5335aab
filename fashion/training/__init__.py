"""Training: loss, optimizer, schedules, the fit loop, weight averaging, learning-rate sweeps, precision, devices."""
