"""The model held to the published figures: the targets, calibration and validation.

For whoever checks or refits the model (``run.py validate``, ``calibrate``).
"""
